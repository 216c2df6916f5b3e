import Foundation

/// A multi-camera capture directory (format in docs/capture-format.md):
///
///     capture/
///       cameras.json            calibration of every camera (required)
///       <id>.mp4 | <id>/        one video file (.mp4 .mkv .mov .avi .webm) or image folder per camera
///       background/<id>.png     optional background plates
///       groundtruth/            optional, opaque to MediaIO (only located)
///
/// `Capture.open` validates the whole directory before anything is decoded: every camera has media,
/// the media matches the calibrated size, all cameras have the same frame count, size and fps.
public struct Capture: Sendable {
    /// File name of the calibration file inside a capture directory.
    public static let camerasFileName = "cameras.json"
    /// Video file extensions recognised when looking for `<id>.<ext>`.
    public static let videoExtensions = ["mp4", "mkv", "mov", "avi", "webm"]
    /// Image file extensions recognised inside an image folder.
    public static let imageExtensions = ["png", "jpg", "jpeg"]

    /// Where one camera's frames come from.
    public enum Media: Sendable, Hashable {
        /// A video file.
        case video(URL)
        /// A folder of image files, in lexicographic file-name order.
        case images(folder: URL, files: [URL])
    }

    /// One camera: calibration and media.
    public struct Camera: Sendable, Hashable {
        /// Calibration as read from cameras.json.
        public let calibration: CameraCalibration
        /// The camera's frames.
        public let media: Media
        /// Background plate (`background/<id>.png`), when present.
        public let backgroundPlate: URL?
    }

    /// The capture directory.
    public let directory: URL
    /// Cameras in cameras.json order.
    public let cameras: [Camera]
    /// Frames per camera (identical for all cameras).
    public let frameCount: Int
    /// Frame size in pixels (identical for all cameras).
    public let size: PixelSize
    /// Frame rate: the videos' rate, or cameras.json `fps` for image folders (25 when absent).
    public let frameRate: Rational
    /// Unit of the translations in `world_to_camera` as declared in cameras.json ("metres" when absent).
    public let units: String
    /// The ground-truth folder (`groundtruth/` or `ground_truth/`), when present. MediaIO does not read it.
    public let groundTruthDirectory: URL?

    /// Opens and validates a capture directory.
    ///
    /// `camerasFile` names the calibration file relative to `directory` (default `cameras.json`);
    /// another one, e.g. a synthetic capture's `groundtruth/cameras.json` listing its held-out
    /// cameras, makes its own folder the base of the media paths and of `background/<id>.png`.
    ///
    /// Every file read must lie inside the capture directory once symbolic links are followed (a
    /// `media` of `../elsewhere`, or a frame or cameras.json that links outside, is refused): a
    /// capture given to the tool makes it read only that capture. `readsOutside` lifts this for a
    /// user who knowingly links shared media.
    public static func open(_ directory: URL, camerasFile: String = camerasFileName, readsOutside: Bool = false) throws -> Capture {
        let captureRoot = directory.standardizedFileURL
        let boundary = Confinement(root: captureRoot.resolvingSymlinksInPath(), allowsOutside: readsOutside)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: captureRoot.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw MediaIOError(.fileNotFound, path: captureRoot.path, "capture directory not found; pass the folder that holds cameras.json")
        }
        guard !camerasFile.isEmpty, !camerasFile.hasPrefix("/"), !camerasFile.split(separator: "/").contains("..") else {
            throw MediaIOError(
                .invalidLayout, path: captureRoot.path,
                "calibration file '\(camerasFile)' must be a path inside the capture directory (e.g. cameras.json or groundtruth/cameras.json)")
        }
        let camerasURL = captureRoot.appendingPathComponent(camerasFile)
        let root = camerasURL.deletingLastPathComponent().standardizedFileURL
        try boundary.check(camerasURL, "the calibration file")
        let file = try CamerasFile.read(from: camerasURL)
        let declaredRate = file.fps.map { Rational(approximating: $0) }
        var cameras: [Camera] = []
        var frameCounts: [(String, Int, String)] = []
        var rates: [(String, Rational, String)] = []
        for calibration in file.cameras {
            let media = try locateMedia(for: calibration, in: root, camerasURL: camerasURL, boundary: boundary)
            let (mediaSize, count, rate, mediaPath) = try probe(media, camera: calibration.id)
            guard mediaSize.width == calibration.width && mediaSize.height == calibration.height else {
                throw MediaIOError(
                    .invalidLayout, path: mediaPath,
                    "camera '\(calibration.id)' is \(mediaSize) but cameras.json says \(calibration.width)x\(calibration.height); fix width/height (and the intrinsics) in \(camerasURL.path) or re-export the media"
                )
            }
            frameCounts.append((calibration.id, count, mediaPath))
            if let rate { rates.append((calibration.id, rate, mediaPath)) }
            let plateURL = root.appendingPathComponent("background").appendingPathComponent("\(calibration.id).png")
            var plate: URL?
            if FileManager.default.fileExists(atPath: plateURL.path) {
                try boundary.check(plateURL, "the background plate of camera '\(calibration.id)'")
                let plateImage = try PNGFile.read(plateURL).image8
                guard plateImage.width == calibration.width && plateImage.height == calibration.height else {
                    throw MediaIOError(
                        .invalidLayout, path: plateURL.path,
                        "background plate is \(plateImage.width)x\(plateImage.height) but camera '\(calibration.id)' is \(calibration.width)x\(calibration.height); re-export the plate at the camera's size"
                    )
                }
                plate = plateURL
            }
            cameras.append(Camera(calibration: calibration, media: media, backgroundPlate: plate))
        }
        let first = file.cameras[0]
        for calibration in file.cameras where calibration.width != first.width || calibration.height != first.height {
            throw MediaIOError(
                .invalidLayout, path: camerasURL.path,
                "camera '\(calibration.id)' is \(calibration.width)x\(calibration.height) but '\(first.id)' is \(first.width)x\(first.height); all cameras of a capture must have one size — resize the media (and scale the intrinsics)"
            )
        }
        if Set(frameCounts.map(\.1)).count > 1 {
            let listing = frameCounts.map { "\($0.0): \($0.1) frames (\($0.2))" }.joined(separator: ", ")
            throw MediaIOError(
                .invalidLayout, path: root.path,
                "cameras have different frame counts — \(listing); trim the media to the common synchronised range (e.g. `ffmpeg -i in.mp4 -frames:v N out.mp4`)"
            )
        }
        if let firstRate = rates.first, let mismatch = rates.first(where: { $0.1 != firstRate.1 }) {
            throw MediaIOError(
                .invalidLayout, path: mismatch.2,
                "camera '\(mismatch.0)' runs at \(mismatch.1) fps but '\(firstRate.0)' at \(firstRate.1) fps; re-encode to one rate (e.g. `ffmpeg -i in.mp4 -r \(firstRate.1) out.mp4`)"
            )
        }
        if let declaredRate, let videoRate = rates.first, videoRate.1 != declaredRate {
            throw MediaIOError(
                .invalidLayout, path: camerasURL.path,
                "cameras.json declares fps \(file.fps!) but \(videoRate.2) runs at \(videoRate.1); fix or remove \"fps\"")
        }
        var groundTruth: URL?
        for name in ["groundtruth", "ground_truth"] {
            let candidate = captureRoot.appendingPathComponent(name)
            var candidateIsDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &candidateIsDirectory), candidateIsDirectory.boolValue {
                groundTruth = candidate
            }
        }
        return Capture(
            directory: captureRoot, cameras: cameras, frameCount: frameCounts[0].1,
            size: PixelSize(width: first.width, height: first.height),
            frameRate: rates.first?.1 ?? declaredRate ?? Rational(25, 1),
            units: file.units ?? "metres", groundTruthDirectory: groundTruth)
    }

    /// The camera with this id.
    public func camera(_ id: String) throws -> Camera {
        guard let camera = cameras.first(where: { $0.calibration.id == id }) else {
            throw MediaIOError(
                .invalidLayout, path: directory.path,
                "no camera '\(id)' in this capture; cameras are \(cameras.map(\.calibration.id).joined(separator: ", "))")
        }
        return camera
    }

    /// A frame reader for one camera, applying `options` (range, sampling, crop, resize).
    public func reader(camera id: String, options: VideoDecodeOptions = VideoDecodeOptions()) throws -> CameraFrameReader {
        let camera = try camera(id)
        switch camera.media {
        case .video(let url):
            return try CameraFrameReader(video: VideoReader(url: url, options: options))
        case .images(_, let files):
            return try CameraFrameReader(images: files, frameRate: frameRate, size: size, options: options)
        }
    }

    /// Keeps reads inside the capture: a path is inside when, with every symbolic link followed,
    /// it lies under the (resolved) capture directory.
    struct Confinement {
        let root: URL
        let allowsOutside: Bool

        func check(_ url: URL, _ what: String) throws {
            guard !allowsOutside else { return }
            let resolved = url.resolvingSymlinksInPath().standardizedFileURL.path
            guard resolved == root.path || resolved.hasPrefix(root.path + "/") else {
                throw MediaIOError(
                    .invalidLayout, path: url.path,
                    "\(what) resolves to \(resolved), outside the capture directory \(root.path); copy it into the capture (a capture must hold its own files), or allow reads outside it with `allow_outside_capture: true` on video.decode"
                )
            }
        }
    }

    private static func locateMedia(for calibration: CameraCalibration, in root: URL, camerasURL: URL, boundary: Confinement) throws -> Media {
        let manager = FileManager.default
        var candidates: [URL] = []
        if let media = calibration.media {
            candidates = [root.appendingPathComponent(media)]
        } else {
            candidates =
                videoExtensions.map { root.appendingPathComponent("\(calibration.id).\($0)") }
                + [root.appendingPathComponent(calibration.id)]
        }
        for candidate in candidates {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: candidate.path, isDirectory: &isDirectory) else { continue }
            try boundary.check(candidate, "the media of camera '\(calibration.id)'")
            if !isDirectory.boolValue { return .video(candidate) }
            let files = try manager.contentsOfDirectory(at: candidate, includingPropertiesForKeys: nil)
                .filter { imageExtensions.contains($0.pathExtension.lowercased()) }
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
            for file in files { try boundary.check(file, "frame \(file.lastPathComponent) of camera '\(calibration.id)'") }
            guard !files.isEmpty else {
                throw MediaIOError(
                    .noFrames, path: candidate.path,
                    "image folder of camera '\(calibration.id)' has no .png/.jpg files")
            }
            return .images(folder: candidate, files: files)
        }
        let expected = calibration.media ?? "\(calibration.id).mp4 (or .mkv/.mov/.avi/.webm) or folder \(calibration.id)/"
        throw MediaIOError(
            .invalidLayout, path: root.path,
            "camera '\(calibration.id)' from \(camerasURL.lastPathComponent) has no media: expected \(expected); add the file or remove the camera from cameras.json"
        )
    }

    static func probe(_ media: Media, camera: String) throws -> (PixelSize, Int, Rational?, String) {
        switch media {
        case .video(let url):
            let reader = try VideoReader(url: url)
            let count = try reader.info.declaredFrameCount ?? VideoReader.countFrames(url: url)
            guard count > 0 else {
                throw MediaIOError(.noFrames, path: url.path, "the video of camera '\(camera)' has no frames")
            }
            return (PixelSize(width: reader.info.width, height: reader.info.height), count, reader.info.frameRate, url.path)
        case .images(_, let files):
            let first = try CameraFrameReader.readImage(files[0])
            return (PixelSize(width: first.width, height: first.height), files.count, nil, files[0].path)
        }
    }
}
