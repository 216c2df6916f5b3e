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
        @Param("Longer side of the output frames in pixels, aspect ratio kept; 0 keeps the video's size.", range: 0...8192)
        public var size: Int = 0
        @Param("Crop [x, y, width, height] in pixels of the rotated picture, applied before resizing; empty keeps the whole frame.", range: 0...100_000)
        public var crop: [Int] = []
        @Param("First source frame to decode (0-based).", range: 0...100_000_000)
        public var firstFrame: Int = 0
        @Param("Source frames to consider from first_frame; 0 means to the end.", range: 0...100_000_000)
        public var frameCount: Int = 0
        @Param("Keep every N-th frame of the range.", range: 1...10_000)
        public var everyNth: Int = 1
        @Param("Target frame rate in frames/s by dropping frames; 0 keeps the source rate.", range: 0...1000)
        public var fps: Double = 0
        @Param("YUV to RGB: ffmpeg = bit-identical to `ffmpeg -pix_fmt rgb24`; accurate = interpolated chroma (+~3 dB).")
        public var colour: VideoDecodeStage.Parameters.Colour = .ffmpeg

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
        let options = try DecodeParameterSupport.options(
            stage: Self.id, size: parameters.size, crop: parameters.crop, firstFrame: parameters.firstFrame,
            frameCount: parameters.frameCount, everyNth: parameters.everyNth, fps: parameters.fps,
            colour: parameters.colour == .accurate ? .accurate : .ffmpegCompatible, sourceSize: capture.size)
        context.log(
            "decoding \(file.lastPathComponent): \(capture.frameCount) frames of \(capture.size) at \(capture.frameRate) fps, fov \(parameters.fov)°")
        let frameSet = try FrameSetConversion.decode(capture, options: options, into: try context.output("frames")) { done in
            context.reportProgress(completed: done, total: nil, unit: "frames")
        }
        guard frameSet.manifest.frameCount > 0 else {
            throw VideoIOStageError(
                stage: Self.id, "no frames selected: first_frame \(parameters.firstFrame) is past the video's \(capture.frameCount) frames")
        }
        context.log("wrote \(frameSet.manifest.frameCount) frames of \(frameSet.manifest.width)x\(frameSet.manifest.height)")
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
