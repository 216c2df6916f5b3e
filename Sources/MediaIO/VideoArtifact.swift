import Foundation

/// The on-disk form of an encoded video passed between stages: a directory holding the video file
/// and `video.json` describing it.
///
///     video/
///       video.json     {"file": "video.mp4", "width": …, "height": …, "frame_count": …, "frame_rate": …, "encoder": "libx264"}
///       video.mp4
public struct VideoArtifact: Codable, Sendable, Hashable {
    /// Name of the manifest inside the directory.
    public static let manifestFileName = "video.json"

    /// The video's file name inside the directory.
    public var file: String
    /// Width of the stored pictures in pixels (after any even-size padding).
    public var width: Int
    /// Height of the stored pictures in pixels.
    public var height: Int
    /// Number of frames.
    public var frameCount: Int
    /// Frames per second.
    public var frameRate: Rational
    /// FFmpeg encoder that wrote it ("libx264", "ffv1", "mpeg4").
    public var encoder: String

    enum CodingKeys: String, CodingKey {
        case file, width, height, encoder
        case frameCount = "frame_count"
        case frameRate = "frame_rate"
    }

    /// Creates a description.
    public init(file: String, width: Int, height: Int, frameCount: Int, frameRate: Rational, encoder: String) {
        self.file = file
        self.width = width
        self.height = height
        self.frameCount = frameCount
        self.frameRate = frameRate
        self.encoder = encoder
    }

    /// Writes `video.json` into `directory`.
    public func write(to directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let url = directory.appendingPathComponent(Self.manifestFileName)
        do {
            try encoder.encode(self).write(to: url, options: .atomic)
        } catch {
            throw MediaIOError(.writeFailed, path: url.path, "cannot write the video manifest (\(error.localizedDescription))")
        }
    }

    /// Reads the description in `directory` and checks the video file exists; returns it and the file's URL.
    public static func open(_ directory: URL) throws -> (VideoArtifact, URL) {
        let url = directory.appendingPathComponent(manifestFileName)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw MediaIOError(.invalidLayout, path: url.path, "video.json is missing: the directory is not a Video artifact")
        }
        let artifact: VideoArtifact
        do {
            artifact = try JSONDecoder().decode(VideoArtifact.self, from: data)
        } catch {
            throw MediaIOError(.invalidLayout, path: url.path, "cannot parse video.json (\(error))")
        }
        let file = directory.appendingPathComponent(artifact.file)
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw MediaIOError(.fileNotFound, path: file.path, "the video named in video.json is missing")
        }
        return (artifact, file)
    }
}
