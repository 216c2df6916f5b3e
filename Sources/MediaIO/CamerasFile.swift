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
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int ?? 0
        guard size <= maximumBytes else {
            throw MediaIOError(
                .invalidLayout, path: url.path, "cameras.json is \(size) bytes; more than \(maximumBytes) is not a calibration file")
        }
        let data = try Data(contentsOf: url)
        let file: CamerasFile
        do {
            file = try JSONDecoder().decode(CamerasFile.self, from: data)
        } catch let error as DecodingError {
            throw MediaIOError(.invalidLayout, path: url.path, "invalid cameras.json: \(describe(error, in: data)); see docs/capture-format.md")
        }
        guard !file.cameras.isEmpty else {
            throw MediaIOError(.invalidLayout, path: url.path, "cameras.json lists no cameras; add one entry per camera")
        }
        if let fps = file.fps, !(fps > 0 && fps <= maximumFrameRate) {
            throw MediaIOError(
                .invalidLayout, path: url.path,
                "\"fps\": \(fps) is not a frame rate; write the capture's frames per second, above 0 and at most \(Int(maximumFrameRate)) (e.g. 25), or remove the key"
            )
        }
        var seen = Set<String>()
        for (index, camera) in file.cameras.enumerated() {
            if let problem = cameraIDProblem(camera.id) {
                throw MediaIOError(
                    .invalidLayout, path: url.path,
                    "cameras[\(index)].id '\(camera.id)' \(problem); ids name files and folders: use letters, digits, '.', '_' and '-', not starting with '.'")
            }
            guard seen.insert(camera.id).inserted else {
                throw MediaIOError(.invalidLayout, path: url.path, "cameras[\(index)].id '\(camera.id)' is used twice; ids must be unique")
            }
            guard camera.worldToCamera.count == 16 else {
                throw MediaIOError(
                    .invalidLayout, path: url.path,
                    "camera '\(camera.id)': world_to_camera has \(camera.worldToCamera.count) values, expected 16 (4×4 row-major)")
            }
            if let problem = rigidTransformProblem(camera.worldToCamera) {
                throw MediaIOError(
                    .invalidLayout, path: url.path,
                    "camera '\(camera.id)': world_to_camera \(problem); it must be a rigid transform [R t; 0 0 0 1] with R a rotation (docs/capture-format.md)")
            }
            guard camera.width > 0, camera.height > 0, camera.width <= 65_536, camera.height <= 65_536,
                camera.fx > 0, camera.fy > 0, camera.fx.isFinite, camera.fy.isFinite, camera.cx.isFinite, camera.cy.isFinite
            else {
                throw MediaIOError(
                    .invalidLayout, path: url.path,
                    "camera '\(camera.id)': width and height must be 1…65536 and fx, fy positive (cx, cy finite)")
            }
        }
        return file
    }

    /// A cameras.json larger than this (bytes) is refused before it is read.
    public static let maximumBytes = 16 << 20

    /// Why `id` cannot name a camera's media and FrameSet folder, or nil.
    static func cameraIDProblem(_ id: String) -> String? {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        if id.isEmpty { return "is empty" }
        if id.count > 128 { return "is longer than 128 characters" }
        if id.hasPrefix(".") { return "starts with '.'" }
        if id.contains(where: { !allowed.contains($0) }) { return "contains characters other than letters, digits, '.', '_' and '-'" }
        return nil
    }

    /// Why a 4×4 row-major matrix is not a rigid transform (non-finite values, a last row other
    /// than 0 0 0 1, an upper-left 3×3 that is not a rotation within 1e-3), or nil.
    static func rigidTransformProblem(_ m: [Double]) -> String? {
        guard m.allSatisfy(\.isFinite) else { return "has values that are not finite numbers" }
        guard abs(m[12]) < 1e-6, abs(m[13]) < 1e-6, abs(m[14]) < 1e-6, abs(m[15] - 1) < 1e-6 else {
            return "has the last row [\(m[12]), \(m[13]), \(m[14]), \(m[15])] instead of [0, 0, 0, 1]"
        }
        for i in 0..<3 {
            for j in 0..<3 {
                let dot = (0..<3).reduce(0.0) { $0 + m[4 * i + $1] * m[4 * j + $1] }
                if abs(dot - (i == j ? 1 : 0)) > 1e-3 { return "has an upper-left 3×3 that is not a rotation (rows not orthonormal)" }
            }
        }
        let determinant =
            m[0] * (m[5] * m[10] - m[6] * m[9]) - m[1] * (m[4] * m[10] - m[6] * m[8]) + m[2] * (m[4] * m[9] - m[5] * m[8])
        return determinant > 0 ? nil : "has a reflection (determinant \(determinant)) instead of a rotation"
    }

    /// Writes the document as pretty-printed JSON with sorted keys (atomically).
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: url, options: .atomic)
    }

    /// A one-line description of a decoding error naming the offending key path
    /// (`cameras[2].fx`), or for a JSON syntax error the line and column in `data`.
    static func describe(_ error: DecodingError, in data: Data) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            var text = ""
            for key in codingPath {
                if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
            }
            return text.isEmpty ? "the top level" : text
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing key '\(key.stringValue)' in \(path(context.codingPath))"
        case .typeMismatch(let type, let context):
            return
                "\(path(context.codingPath)) must be \(type == String.self ? "a string" : type == [Double].self || type == [CameraCalibration].self ? "a list" : "a number")"
        case .valueNotFound(_, let context):
            return "\(path(context.codingPath)) is null"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty, let position = syntaxErrorPosition(in: data) {
                return "not valid JSON at line \(position.line), column \(position.column)"
            }
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    /// Line and column of a JSON syntax error: Foundation's decoder does not say where, so the
    /// text is parsed again with `JSONSerialization`, whose message names the byte ("around
    /// character 11"), and that byte is turned into a line and column.
    static func syntaxErrorPosition(in data: Data) -> (line: Int, column: Int)? {
        do {
            _ = try JSONSerialization.jsonObject(with: data)
            return nil
        } catch {
            let text = ((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String) ?? "\(error)"
            guard let range = text.range(of: "character "),
                let index = Int(text[range.upperBound...].prefix { $0.isNumber }), index <= data.count
            else { return nil }
            var line = 1, column = 1
            for byte in data.prefix(index) {
                if byte == 0x0A {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
            }
            return (line, column)
        }
    }
}
