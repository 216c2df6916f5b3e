import Foundation

/// The on-disk exchange format between stages: synchronised multi-camera frames.
///
///     frameset/
///       frameset.json        manifest (`FrameSetManifest`), written last: its presence marks a complete set
///       <camera id>/000000.png, 000001.png, …   one PNG per frame (8-bit RGB or RGBA), lossless
///       background/<camera id>.png               optional background plates at the frames' size
///
/// PNG per frame is exact, random-access and readable by every tool; with zlib level 1 it writes
/// several times faster than the default level. See docs/capture-format.md.
public struct FrameSet: Sendable {
    /// Name of the manifest file inside a FrameSet directory.
    public static let manifestFileName = "frameset.json"

    /// The FrameSet directory.
    public let directory: URL
    /// Its manifest.
    public let manifest: FrameSetManifest

    /// Opens a FrameSet directory and checks that every frame file exists.
    public static func open(_ directory: URL) throws -> FrameSet {
        let manifestURL = directory.appendingPathComponent(manifestFileName)
        guard FileManager.default.fileExists(atPath: manifestURL.path) else {
            throw MediaIOError(
                .invalidLayout, path: manifestURL.path,
                "frameset.json is missing: the directory is not a FrameSet or its writer did not finish; re-run the stage that produces it")
        }
        let manifest: FrameSetManifest
        do {
            manifest = try JSONDecoder().decode(FrameSetManifest.self, from: Data(contentsOf: manifestURL))
        } catch {
            throw MediaIOError(.invalidLayout, path: manifestURL.path, "cannot parse the FrameSet manifest (\(error)); re-run the stage that produces it")
        }
        try manifest.validate(path: manifestURL.path)
        let set = FrameSet(directory: directory, manifest: manifest)
        for camera in manifest.cameras {
            let folder = directory.appendingPathComponent(camera)
            let present = Set((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            for frame in 0..<manifest.frameCount where !present.contains(FrameSetManifest.fileName(frame: frame)) {
                throw MediaIOError(
                    .invalidLayout, path: set.url(frame: frame, camera: camera).path,
                    "frame file is missing from the FrameSet; re-run the stage that produces it")
            }
        }
        return set
    }

    /// Path of the PNG holding `frame` of `camera`.
    public func url(frame: Int, camera: String) -> URL {
        directory.appendingPathComponent(camera).appendingPathComponent(FrameSetManifest.fileName(frame: frame))
    }

    /// Reads `frame` (0-based) of `camera` as stored (3 or 4 channels).
    public func image(frame: Int, camera: String) throws -> Image8 {
        guard manifest.cameras.contains(camera) else {
            throw MediaIOError(
                .invalidArgument, path: directory.path,
                "no camera '\(camera)' in this FrameSet; cameras are \(manifest.cameras.joined(separator: ", "))")
        }
        guard (0..<manifest.frameCount).contains(frame) else {
            throw MediaIOError(
                .invalidArgument, path: directory.path, frameIndex: frame,
                "frame index out of range 0..<\(manifest.frameCount)")
        }
        let image = try PNGFile.read8(url(frame: frame, camera: camera))
        guard image.width == manifest.width, image.height == manifest.height, image.channels == manifest.channels else {
            throw MediaIOError(
                .invalidLayout, path: url(frame: frame, camera: camera).path, frameIndex: frame,
                "frame is \(image.width)x\(image.height)x\(image.channels) but the manifest says \(manifest.width)x\(manifest.height)x\(manifest.channels)")
        }
        return image
    }

    /// Reads `frame` of `camera` as Float32 HWC in [0, 1].
    public func floatImage(frame: Int, camera: String) throws -> FloatImage {
        FloatImage(try image(frame: frame, camera: camera))
    }
}

/// The `frameset.json` manifest.
public struct FrameSetManifest: Codable, Sendable, Hashable {
    /// Always "avatarflow.frameset".
    public var format: String
    /// Format version (1).
    public var version: Int
    /// Camera ids; each names a sub-directory.
    public var cameras: [String]
    /// Calibrations for the cameras, in the same order, already adjusted for any crop/resize; absent for uncalibrated footage.
    public var calibrations: [CameraCalibration]?
    /// Frame width in pixels.
    public var width: Int
    /// Frame height in pixels.
    public var height: Int
    /// Channels per pixel: 3 (RGB) or 4 (RGBA, e.g. after matting).
    public var channels: Int
    /// Frames per camera.
    public var frameCount: Int
    /// Nominal frame rate of the set (after any sampling).
    public var frameRate: Rational
    /// Presentation time of each frame in seconds, from the source.
    public var timestamps: [Double]
    /// Index of each frame in the source media, before sampling.
    public var sourceFrameIndices: [Int]

    enum CodingKeys: String, CodingKey {
        case format, version, cameras, calibrations, width, height, channels, timestamps
        case frameCount = "frame_count"
        case frameRate = "frame_rate"
        case sourceFrameIndices = "source_frame_indices"
    }

    /// The manifest's format tag.
    public static let formatTag = "avatarflow.frameset"

    /// File name of frame `frame` inside a camera folder (`%06d.png`).
    public static func fileName(frame: Int) -> String {
        let digits = String(frame)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits + ".png"
    }

    func validate(path: String) throws {
        guard format == Self.formatTag, version == 1 else {
            throw MediaIOError(.invalidLayout, path: path, "not an AvatarFlow FrameSet v1 manifest (format \(format), version \(version))")
        }
        guard timestamps.count == frameCount, sourceFrameIndices.count == frameCount else {
            throw MediaIOError(
                .invalidLayout, path: path,
                "manifest has \(timestamps.count) timestamps and \(sourceFrameIndices.count) source indices for \(frameCount) frames")
        }
        if let calibrations, calibrations.map(\.id) != cameras {
            throw MediaIOError(.invalidLayout, path: path, "calibration ids \(calibrations.map(\.id)) do not match cameras \(cameras)")
        }
        guard width > 0, height > 0, channels == 3 || channels == 4, !cameras.isEmpty else {
            throw MediaIOError(.invalidLayout, path: path, "manifest declares an empty or unsupported frame layout")
        }
        guard Set(cameras).count == cameras.count else {
            throw MediaIOError(.invalidLayout, path: path, "camera ids must be unique, got \(cameras)")
        }
        if let bad = cameras.first(where: { CamerasFile.cameraIDProblem($0) != nil || $0 == FrameSet.backgroundFolderName }) {
            throw MediaIOError(
                .invalidLayout, path: path,
                "camera id '\(bad)' cannot name a folder of the FrameSet: ids use letters, digits, '.', '_' and '-', do not start with '.', and '\(FrameSet.backgroundFolderName)' is reserved for plates"
            )
        }
    }
}

/// Writes a FrameSet frame by frame (all cameras of one instant at a time); the manifest is written
/// by `finish()`, so an interrupted writer leaves a directory that `FrameSet.open` rejects.
public final class FrameSetWriter {
    /// The directory being written.
    public let directory: URL
    private var manifest: FrameSetManifest
    private let compressionLevel: Int

    /// Creates the directory and one folder per camera. `compressionLevel` is zlib's 0…9 (1 is fast).
    public init(
        directory: URL, cameras: [String], calibrations: [CameraCalibration]? = nil, size: PixelSize,
        channels: Int = 3, frameRate: Rational, compressionLevel: Int = 1
    ) throws {
        self.directory = directory
        self.compressionLevel = compressionLevel
        manifest = FrameSetManifest(
            format: FrameSetManifest.formatTag, version: 1, cameras: cameras, calibrations: calibrations,
            width: size.width, height: size.height, channels: channels, frameCount: 0,
            frameRate: frameRate, timestamps: [], sourceFrameIndices: [])
        try manifest.validate(path: directory.appendingPathComponent(FrameSet.manifestFileName).path)
        do {
            for camera in cameras {
                try FileManager.default.createDirectory(at: directory.appendingPathComponent(camera), withIntermediateDirectories: true)
            }
        } catch {
            throw MediaIOError(.writeFailed, path: directory.path, "cannot create the FrameSet directory (\(error.localizedDescription))")
        }
    }

    /// Number of frames appended so far.
    public var frameCount: Int { manifest.frameCount }

    /// Appends one synchronised frame: `images[i]` belongs to camera `i`.
    public func append(_ images: [Image8], timestamp: Double, sourceIndex: Int) throws {
        let frame = manifest.frameCount
        guard images.count == manifest.cameras.count else {
            throw MediaIOError(
                .invalidArgument, path: directory.path, frameIndex: frame,
                "got \(images.count) images for \(manifest.cameras.count) cameras")
        }
        var targets: [URL] = []
        for (camera, image) in zip(manifest.cameras, images) {
            let target = directory.appendingPathComponent(camera).appendingPathComponent(FrameSetManifest.fileName(frame: frame))
            guard image.width == manifest.width, image.height == manifest.height, image.channels == manifest.channels else {
                throw MediaIOError(
                    .invalidArgument, path: target.path, frameIndex: frame,
                    "image is \(image.width)x\(image.height)x\(image.channels), the FrameSet is \(manifest.width)x\(manifest.height)x\(manifest.channels)")
            }
            targets.append(target)
        }
        // PNG compression dominates; cameras are encoded in parallel.
        let failures = FailureSlots(count: images.count)
        let level = compressionLevel, destinations = targets
        DispatchQueue.concurrentPerform(iterations: images.count) { index in
            do {
                try PNGFile.write(images[index], to: destinations[index], compressionLevel: level)
            } catch {
                failures.record(error, at: index)
            }
        }
        if let failure = failures.first { throw failure }
        manifest.frameCount += 1
        manifest.timestamps.append(timestamp)
        manifest.sourceFrameIndices.append(sourceIndex)
    }

    /// Writes frameset.json and returns the finished FrameSet.
    @discardableResult
    public func finish() throws -> FrameSet {
        let url = directory.appendingPathComponent(FrameSet.manifestFileName)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try encoder.encode(manifest).write(to: url, options: .atomic)
        } catch {
            throw MediaIOError(.writeFailed, path: url.path, "cannot write the manifest (\(error.localizedDescription))")
        }
        return FrameSet(directory: directory, manifest: manifest)
    }
}

/// Errors raised by parallel iterations, one slot per iteration.
final class FailureSlots: @unchecked Sendable {
    // @unchecked: `errors` is only touched under `lock`.
    private let lock = NSLock()
    private var errors: [(any Error)?]

    init(count: Int) { errors = Array(repeating: nil, count: count) }

    func record(_ error: any Error, at index: Int) {
        lock.lock()
        errors[index] = error
        lock.unlock()
    }

    /// The error of the lowest-numbered failed iteration.
    var first: (any Error)? {
        lock.lock()
        defer { lock.unlock() }
        return errors.compactMap { $0 }.first
    }
}
