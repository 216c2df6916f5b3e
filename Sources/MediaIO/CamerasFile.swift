import Foundation

/// The `cameras.json` document of a capture (docs/capture-format.md), the one schema every reader
/// and writer uses (`Capture.open`, the NeRSemble importer, `synthetic.capture`, `synthetic.landmarks`):
///
///     {"cameras": [{"id": "cam00", "width": 512, "height": 512, "fx": …, "fy": …, "cx": …, "cy": …,
///                   "world_to_camera": [16 row-major values], "media": "cam00"}, …],
///      "fps": 25, "units": "metres"}
///
/// Each entry is a `CameraCalibration` (OpenCV conventions, pixels, world-to-camera); compute with
/// it through `CameraCalibration.pinholeCamera()`.
public struct CamerasFile: Codable, Sendable, Equatable {
    /// Every camera of the capture, in capture order (the order the FrameSet keeps).
    public var cameras: [CameraCalibration]
    /// Frame rate for image-folder media, frames per second (nil: the videos' own rate, or 25).
    public var fps: Double?
    /// Unit of the `world_to_camera` translations, e.g. "metres" (nil: metres).
    public var units: String?

    /// The largest `fps` a cameras.json may declare (frames per second).
    public static let maximumFrameRate: Double = 10_000

    /// Creates a document.
    public init(cameras: [CameraCalibration], fps: Double? = nil, units: String? = nil) {
        self.cameras = cameras
        self.fps = fps
        self.units = units
    }

    /// Reads and validates a cameras.json: the document decodes, lists at least one camera, ids are
    /// unique file-name-safe strings, `world_to_camera` has 16 values and sizes and focal lengths are
    /// positive. Errors name the file and say how to fix it (see docs/capture-format.md).
    public static func read(from url: URL) throws -> CamerasFile {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw MediaIOError(
                .invalidLayout, path: url.path,
                "cameras.json is missing; create it with one entry per camera (id, width, height, fx, fy, cx, cy, world_to_camera) — see docs/capture-format.md"
            )
        }
        let file: CamerasFile
        do {
            file = try JSONDecoder().decode(CamerasFile.self, from: Data(contentsOf: url))
        } catch let error as DecodingError {
            throw MediaIOError(.invalidLayout, path: url.path, "invalid cameras.json: \(describe(error)); see docs/capture-format.md")
        }
        guard !file.cameras.isEmpty else {
            throw MediaIOError(.invalidLayout, path: url.path, "cameras.json lists no cameras; add one entry per camera")
        }
        var seen = Set<String>()
        for (index, camera) in file.cameras.enumerated() {
            guard !camera.id.isEmpty, !camera.id.contains("/"), seen.insert(camera.id).inserted else {
                throw MediaIOError(
                    .invalidLayout, path: url.path,
                    "camera #\(index) has an empty, duplicate or path-like id '\(camera.id)'; ids must be unique file-name-safe strings")
            }
            guard camera.worldToCamera.count == 16 else {
                throw MediaIOError(
                    .invalidLayout, path: url.path,
                    "camera '\(camera.id)': world_to_camera has \(camera.worldToCamera.count) values, expected 16 (4×4 row-major)")
            }
            guard camera.width > 0, camera.height > 0, camera.fx > 0, camera.fy > 0 else {
                throw MediaIOError(
                    .invalidLayout, path: url.path,
                    "camera '\(camera.id)': width, height, fx and fy must be positive")
            }
        }
        if let fps = file.fps, !(fps > 0 && fps <= maximumFrameRate) {
            throw MediaIOError(
                .invalidLayout, path: url.path,
                "fps is \(fps); give the frame rate in frames per second, above 0 and at most \(Int(maximumFrameRate)), or leave it out")
        }
        return file
    }

    /// Writes the document as pretty-printed JSON with sorted keys (atomically).
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: url, options: .atomic)
    }

    /// A one-line description of a decoding error naming the offending key path.
    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "missing key '\(key.stringValue)' at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "wrong value at \(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        case .dataCorrupted(let context):
            return context.debugDescription
        @unknown default:
            return "\(error)"
        }
    }
}
