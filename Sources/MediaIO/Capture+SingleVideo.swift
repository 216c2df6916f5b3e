import Foundation

extension Capture {
    /// A field of view typical of phone cameras (main and front) and webcams filming video, in
    /// degrees along the longer side of the picture: they span about 55–78°.
    public static let typicalFieldOfViewDegrees = 60.0

    /// A one-camera capture made from a plain video file and an assumed field of view, for footage
    /// that comes without a calibration (a phone or webcam video).
    ///
    /// The pinhole intrinsics follow from the field of view along the longer displayed side (after
    /// the file's rotation metadata): `f = (L / 2) / tan(fov / 2)` for fx and fy (square pixels), the
    /// principal point at the picture's centre (pixel centres at integers: `cx = (width − 1) / 2`).
    /// The camera looks along +z from `subjectDistance` in front of the world origin
    /// (`world_to_camera` = identity rotation, translation `(0, 0, d)`), so a head filmed at about
    /// that distance sits near the origin, where the multi-view pipelines expect it.
    ///
    /// - Parameters:
    ///   - video: any file FFmpeg reads.
    ///   - cameraID: the camera's id in the FrameSet.
    ///   - fieldOfViewDegrees: field of view along the longer side, in (0, 180).
    ///   - subjectDistance: distance from the camera to the world origin, in metres.
    /// - Throws: `MediaIOError` when the file is missing, unreadable or has no frames, or when a
    ///   parameter is out of range.
    public static func singleVideo(
        _ video: URL, cameraID: String = "cam0", fieldOfViewDegrees: Double = typicalFieldOfViewDegrees, subjectDistance: Double = 0.5
    ) throws -> Capture {
        guard fieldOfViewDegrees > 0, fieldOfViewDegrees < 180 else {
            throw MediaIOError(.invalidArgument, path: video.path, "field of view \(fieldOfViewDegrees)° must lie between 0 and 180 degrees")
        }
        guard subjectDistance > 0, subjectDistance.isFinite else {
            throw MediaIOError(.invalidArgument, path: video.path, "subject distance \(subjectDistance) must be a positive number of metres")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: video.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw MediaIOError(.fileNotFound, path: video.path, "video file not found; pass a video file (e.g. `--input video=me.mp4`)")
        }
        let media = Media.video(video.standardizedFileURL)
        let (size, frameCount, rate, _) = try probe(media, camera: cameraID)
        let focal = Double(max(size.width, size.height)) / 2 / tan(fieldOfViewDegrees * .pi / 360)
        let calibration = CameraCalibration(
            id: cameraID, width: size.width, height: size.height, fx: focal, fy: focal,
            cx: Double(size.width - 1) / 2, cy: Double(size.height - 1) / 2,
            worldToCamera: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, subjectDistance, 0, 0, 0, 1], media: video.lastPathComponent)
        return Capture(
            directory: video.deletingLastPathComponent().standardizedFileURL,
            cameras: [Camera(calibration: calibration, media: media, backgroundPlate: nil)],
            frameCount: frameCount, size: size, frameRate: rate ?? Rational(25, 1), units: "metres", groundTruthDirectory: nil)
    }
}
