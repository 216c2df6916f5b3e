import Foundation

/// The Boxes artifact: face boxes per frame per camera, as `boxes.json` (docs/face-landmarks.md).
///
/// `frames[f][c]` lists camera `cameras[c]`'s boxes in frame `f` (empty when nothing was found),
/// in the FrameSet's pixel coordinates. Each box records where it came from, because landmark
/// stages map boxes of different detectors to their own convention.
public struct FaceBoxSet: Codable, Sendable, Equatable {
    /// One face box.
    public struct Box: Codable, Sendable, Equatable {
        /// x, y, width, height in pixels (OpenCV `Rect`: columns x ..< x + width).
        public var rect: [Int]
        /// Which detector produced it: `haar` (OpenCV cascade convention), `dlib` (dlib's
        /// frontal-face detector convention), `cnn` (dlib's CNN/MMOD face detector convention)
        /// or `matte` (top square of the foreground matte).
        public var source: String

        /// Creates a box from a rectangle and its source.
        public init(_ rectangle: FaceRectangle, source: String) {
            rect = [rectangle.x, rectangle.y, rectangle.width, rectangle.height]
            self.source = source
        }

        /// The rectangle.
        public var rectangle: FaceRectangle { FaceRectangle(x: rect[0], y: rect[1], width: rect[2], height: rect[3]) }
    }

    /// Always "avatarflow.boxes".
    public var format: String
    /// Format version (1).
    public var version: Int
    /// Camera ids, in FrameSet order.
    public var cameras: [String]
    /// Image size the boxes refer to, [width, height] in pixels.
    public var imageSize: [Int]
    /// `frames[frame][camera]` = that camera's boxes in that frame.
    public var frames: [[[Box]]]

    /// File name inside a Boxes artifact directory.
    public static let fileName = "boxes.json"
    /// Value of `format`.
    public static let formatTag = "avatarflow.boxes"
    /// Box sources the format defines.
    public static let sources: Set<String> = ["haar", "dlib", "cnn", "matte"]

    /// Creates a box set.
    public init(cameras: [String], imageWidth: Int, imageHeight: Int, frames: [[[Box]]]) {
        format = Self.formatTag
        version = 1
        self.cameras = cameras
        imageSize = [imageWidth, imageHeight]
        self.frames = frames
    }

    private enum CodingKeys: String, CodingKey {
        case format, version, cameras, frames
        case imageSize = "image_size"
    }

    /// Writes `boxes.json` into `directory`.
    public func write(to directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(self).write(to: directory.appendingPathComponent(Self.fileName))
    }

    /// Reads and checks `boxes.json` from a Boxes artifact directory.
    public static func read(from directory: URL) throws(FaceBoxSetError) -> FaceBoxSet {
        let url = directory.appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw FaceBoxSetError(path: url.path, message: "boxes.json is missing; re-run the face detection stage")
        }
        let set: FaceBoxSet
        do {
            set = try JSONDecoder().decode(FaceBoxSet.self, from: data)
        } catch {
            throw FaceBoxSetError(path: url.path, message: "cannot parse the box file (\(error)); re-run the face detection stage")
        }
        guard set.format == formatTag, set.version == 1, set.imageSize.count == 2 else {
            throw FaceBoxSetError(path: url.path, message: "not an AvatarFlow box file v1 (format \(set.format), version \(set.version))")
        }
        for (index, frame) in set.frames.enumerated() {
            guard frame.count == set.cameras.count else {
                throw FaceBoxSetError(path: url.path, message: "frame \(index) has \(frame.count) entries for \(set.cameras.count) cameras")
            }
            for box in frame.joined() where box.rect.count != 4 || box.rect[2] <= 0 || box.rect[3] <= 0 || !sources.contains(box.source) {
                throw FaceBoxSetError(
                    path: url.path,
                    message:
                        "frame \(index) has a box \(box.rect) (\(box.source)); boxes need [x, y, width > 0, height > 0] and a source in \(sources.sorted())")
            }
        }
        return set
    }
}

/// A Boxes artifact could not be read.
public struct FaceBoxSetError: Error, CustomStringConvertible {
    /// The file.
    public var path: String
    /// What is wrong and what to do.
    public var message: String
    /// `path: message`.
    public var description: String { "\(path): \(message)" }
}
