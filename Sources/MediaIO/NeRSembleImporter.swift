import Foundation

/// Converts a Gaussian-Head-Avatar-style NeRSemble preprocessing output into a capture directory:
///
///     source/images/<frame>/image_<cam>.jpg        (frame folders such as 0000, 0001, …)
///     source/cameras/<frame>/camera_<cam>.npz      (np.savez: intrinsic 3×3, extrinsic 3×4 or 4×4 world-to-camera)
///     source/background/image_<cam>.jpg            (optional)
///
/// The capture gets one image folder per camera made of hard links to the source images (no
/// copy, exact; a copy when the destination is on another file system — a capture reads only
/// files inside itself, so no symbolic links), background plates converted to PNG, and cameras.json from the first frame's
/// cameras. The cameras must be static: the last frame's parameters must equal the first's.
public enum NeRSembleImporter {
    /// Imports `source` into a new capture directory `destination`; returns the opened capture.
    /// `fps` is written to cameras.json (NeRSemble is recorded at 73 fps; GHA keeps every third frame).
    @discardableResult
    public static func importCapture(from source: URL, to destination: URL, fps: Double = 24.33) throws -> Capture {
        let manager = FileManager.default
        let imagesRoot = source.appendingPathComponent("images")
        let camerasRoot = source.appendingPathComponent("cameras")
        let frames = try sortedSubdirectories(imagesRoot)
        guard let firstFrame = frames.first, let lastFrame = frames.last else {
            throw MediaIOError(.invalidLayout, path: imagesRoot.path, "no frame folders under images/; expected images/<frame>/image_<cam>.jpg")
        }
        let cameraIDs = try manager.contentsOfDirectory(atPath: imagesRoot.appendingPathComponent(firstFrame).path)
            .filter { $0.hasPrefix("image_") && $0.hasSuffix(".jpg") && !$0.hasPrefix("image_lowres_") }
            .map { String($0.dropFirst("image_".count).dropLast(".jpg".count)) }
            .sorted()
        guard !cameraIDs.isEmpty else {
            throw MediaIOError(.invalidLayout, path: imagesRoot.appendingPathComponent(firstFrame).path, "no image_<cam>.jpg files in the first frame folder")
        }
        try manager.createDirectory(at: destination, withIntermediateDirectories: true)
        var calibrations: [CameraCalibration] = []
        for id in cameraIDs {
            let first = try readCamera(camerasRoot.appendingPathComponent(firstFrame).appendingPathComponent("camera_\(id).npz"))
            let last = try readCamera(camerasRoot.appendingPathComponent(lastFrame).appendingPathComponent("camera_\(id).npz"))
            guard first == last else {
                throw MediaIOError(
                    .invalidLayout, path: camerasRoot.appendingPathComponent(lastFrame).path,
                    "camera \(id) moves between frames \(firstFrame) and \(lastFrame); only static cameras can be imported")
            }
            let folder = destination.appendingPathComponent(id)
            try manager.createDirectory(at: folder, withIntermediateDirectories: true)
            var size: PixelSize?
            for frame in frames {
                let image = imagesRoot.appendingPathComponent(frame).appendingPathComponent("image_\(id).jpg")
                guard manager.fileExists(atPath: image.path) else {
                    throw MediaIOError(.invalidLayout, path: image.path, "camera \(id) has no image in frame \(frame); every camera needs every frame")
                }
                if size == nil {
                    let decoded = try CameraFrameReader.readImage(image)
                    size = PixelSize(width: decoded.width, height: decoded.height)
                }
                let link = folder.appendingPathComponent("\(frame).jpg")
                if manager.fileExists(atPath: link.path) { try manager.removeItem(at: link) }
                do {
                    try manager.linkItem(at: image.standardizedFileURL, to: link)
                } catch {
                    try manager.copyItem(at: image.standardizedFileURL, to: link)
                }
            }
            calibrations.append(
                CameraCalibration(
                    id: id, width: size!.width, height: size!.height,
                    fx: first.intrinsic[0], fy: first.intrinsic[4],
                    cx: first.intrinsic[2], cy: first.intrinsic[5],
                    worldToCamera: first.worldToCamera))
            let plate = source.appendingPathComponent("background").appendingPathComponent("image_\(id).jpg")
            if manager.fileExists(atPath: plate.path) {
                let backgroundFolder = destination.appendingPathComponent("background")
                try manager.createDirectory(at: backgroundFolder, withIntermediateDirectories: true)
                try PNGFile.write(try CameraFrameReader.readImage(plate), to: backgroundFolder.appendingPathComponent("\(id).png"))
            }
        }
        try CamerasFile(cameras: calibrations, fps: fps, units: "metres").write(to: destination.appendingPathComponent(Capture.camerasFileName))
        return try Capture.open(destination)
    }

    private struct CameraParameters: Equatable {
        var intrinsic: [Double]
        var worldToCamera: [Double]
    }

    private static func readCamera(_ url: URL) throws -> CameraParameters {
        let arrays = try NumPyArchive.readArchive(url)
        guard let intrinsic = arrays["intrinsic"], intrinsic.shape == [3, 3] else {
            throw MediaIOError(.invalidLayout, path: url.path, "expected a 3×3 'intrinsic' array")
        }
        guard let extrinsic = arrays["extrinsic"], extrinsic.shape == [3, 4] || extrinsic.shape == [4, 4] else {
            throw MediaIOError(.invalidLayout, path: url.path, "expected a 3×4 or 4×4 'extrinsic' (world-to-camera) array")
        }
        return CameraParameters(intrinsic: intrinsic.values, worldToCamera: Array(extrinsic.values.prefix(12)) + [0, 0, 0, 1])
    }

    private static func sortedSubdirectories(_ url: URL) throws -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: url.path) else {
            throw MediaIOError(.fileNotFound, path: url.path, "folder not found; pass the directory holding images/ and cameras/")
        }
        return names.filter {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: url.appendingPathComponent($0).path, isDirectory: &isDirectory) && isDirectory.boolValue
        }.sorted()
    }
}
