import AvatarFlow
import Foundation
import MediaIO

/// `video.read`: one plain video file (a phone or webcam clip) → a one-camera FrameSet whose
/// calibration comes from an assumed field of view. A video that comes with a cameras.json goes
/// through `video.decode` instead: put both in a folder (docs/capture-format.md).
public struct VideoReadStage: Stage {
    /// Parameters of `video.read`.
    public struct Parameters: StageParameters {
        @Param("Camera id of the video's frames.")
        public var camera: String = "cam0"
        @Param(
            "Field of view along the longer side of the picture (after rotation metadata), in degrees; phones and webcams filming video span about 55-78.",
            range: 1...179)
        public var fov: Double = Capture.typicalFieldOfViewDegrees
        @Param("Distance from the camera to the world origin, where the head is expected, in metres.", range: 0.05...100)
        public var subjectDistance: Double = 0.5
        /// Frame range, sampling, crop, resize and colour conversion.
        public var selection = FrameSelection()

        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "video.read"
    public static let version = 1
    public static let summary = "Decode one plain video file (rotation honoured) into a one-camera FrameSet, intrinsics from a field of view."
    /// The video.
    public static let inputs: [StagePort] = [
        StagePort("video", .video, doc: "A video file FFmpeg reads (e.g. `--input video=me.mp4`), or a Video artifact of another stage.")
    ]
    /// The decoded frames.
    public static let outputs: [StagePort] = [
        StagePort("frames", .frameSet, doc: "Decoded RGB frames of camera `camera` with the calibration the field of view implies.")
    ]

    public init() {}

    /// Builds the one-camera capture of the file and decodes it like `video.decode`.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let file = try Self.videoFile(try context.input("video"))
        let capture = try Capture.singleVideo(
            file, cameraID: parameters.camera, fieldOfViewDegrees: parameters.fov, subjectDistance: parameters.subjectDistance)
        context.log(
            "decoding \(file.lastPathComponent): \(capture.frameCount) frames of \(capture.size) at \(capture.frameRate) fps, fov \(parameters.fov)°")
        try parameters.selection.decode(capture, cameras: nil, stage: Self.id, context: context)
    }

    /// The video file of the input: the path itself, or the file a Video artifact's video.json names.
    static func videoFile(_ input: URL) throws -> URL {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input.path, isDirectory: &isDirectory) else {
            throw VideoIOStageError(stage: id, "\(input.path) does not exist; pass a video file, e.g. `--input video=path/to/me.mp4`")
        }
        guard isDirectory.boolValue else { return input }
        guard FileManager.default.fileExists(atPath: input.appendingPathComponent(VideoArtifact.manifestFileName).path) else {
            throw VideoIOStageError(
                stage: id,
                "\(input.path) is a folder without video.json; pass the video file itself (a capture folder with cameras.json goes to video.decode, an image folder to images.read)"
            )
        }
        return try VideoArtifact.open(input).1
    }
}
