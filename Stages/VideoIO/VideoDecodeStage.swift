import AvatarFlow
import Foundation
import MediaIO

/// `video.decode`: a capture directory → a synchronised multi-camera FrameSet, with frame range,
/// sampling, crop and resize; calibrations follow the crop and resize.
public struct VideoDecodeStage: Stage {
    /// Parameters of `video.decode`.
    public struct Parameters: StageParameters {
        /// Longer side of the output frames in pixels (aspect kept); 0 keeps the capture size.
        public var size: Int
        /// [x, y, width, height] crop in display pixels before resizing; empty for none.
        public var crop: [Int]
        /// First source frame (0-based).
        public var firstFrame: Int
        /// Number of source frames from `firstFrame` to consider; 0 means to the end.
        public var frameCount: Int
        /// Keep every N-th frame of the range.
        public var everyNth: Int
        /// Target frame rate by dropping frames; 0 keeps the source rate.
        public var fps: Double
        /// Camera ids to decode; empty for all.
        public var cameras: [String]
        /// YUV→RGB conversion: "ffmpeg" (bit-identical to the CLI) or "accurate" (interpolated chroma).
        public var colour: String
        /// Calibration file relative to the capture directory; media and plates resolve from its folder.
        public var camerasFile: String

        enum CodingKeys: String, CodingKey {
            case size, crop, fps, cameras, colour
            case firstFrame = "first_frame"
            case frameCount = "frame_count"
            case everyNth = "every_nth"
            case camerasFile = "cameras_file"
        }

        /// The schema.
        public static let fields: [ParameterField] = [
            .int("size", 0, range: 0...8192, doc: "Longer side of the output frames in pixels, aspect ratio kept; 0 keeps the capture's size."),
            .intList("crop", [], range: 0...100_000, doc: "Crop [x, y, width, height] in pixels, applied before resizing; empty keeps the whole frame."),
            .int("first_frame", 0, range: 0...100_000_000, doc: "First source frame to decode (0-based)."),
            .int("frame_count", 0, range: 0...100_000_000, doc: "Source frames to consider from first_frame; 0 means to the end."),
            .int("every_nth", 1, range: 1...10_000, doc: "Keep every N-th frame of the range."),
            .double("fps", 0, range: 0...1000, doc: "Target frame rate in frames/s by dropping frames; 0 keeps the source rate."),
            .stringList("cameras", [], doc: "Camera ids to decode; empty decodes all cameras."),
            .choice(
                "colour", "ffmpeg", ["ffmpeg", "accurate"],
                doc: "YUV to RGB: ffmpeg = bit-identical to `ffmpeg -pix_fmt rgb24`; accurate = interpolated chroma (+~3 dB)."),
            .string(
                "cameras_file", Capture.camerasFileName,
                doc:
                    "Calibration file inside the capture; media and background/<id>.png resolve from its folder (synthetic.capture's groundtruth/cameras.json adds the held-out cameras held00…)."
            ),
        ]
    }

    /// The stage id.
    public static let id = "video.decode"
    /// Output-format version.
    public static let version = 1
    /// One line.
    public static let summary = "Decode a multi-camera capture into a synchronised FrameSet (range, sampling, crop, resize)."
    /// A capture directory.
    public static let inputs: [StagePort] = [StagePort("capture", .capture, doc: "Capture directory: cameras.json plus one video or image folder per camera.")]
    /// The decoded frames.
    public static let outputs: [StagePort] = [StagePort("frames", .frameSet, doc: "Decoded RGB frames of the selected cameras with adjusted calibrations.")]

    /// Creates the stage.
    public init() {}

    /// Validates the capture, then decodes it frame by frame into the output FrameSet.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let capture = try Capture.open(try context.input("capture"), camerasFile: parameters.camerasFile)
        let options = try DecodeParameterSupport.options(
            stage: Self.id, size: parameters.size, crop: parameters.crop, firstFrame: parameters.firstFrame,
            frameCount: parameters.frameCount, everyNth: parameters.everyNth, fps: parameters.fps,
            colour: parameters.colour, sourceSize: capture.size)
        let cameras = parameters.cameras.isEmpty ? capture.cameras.map(\.calibration.id) : parameters.cameras
        for camera in cameras { _ = try capture.camera(camera) }
        let rangeEnd = min(capture.frameCount, options.frameRange?.upperBound ?? capture.frameCount)
        let considered = max(0, rangeEnd - parameters.firstFrame)
        let expected = parameters.fps > 0 ? nil : (considered + parameters.everyNth - 1) / parameters.everyNth
        context.log("decoding \(cameras.count) camera(s), \(capture.frameCount) source frames of \(capture.size) at \(capture.frameRate) fps")
        let frameSet = try FrameSetConversion.decode(capture, cameras: cameras, options: options, into: try context.output("frames")) { done in
            context.reportProgress(completed: done, total: expected, unit: "frames")
        }
        guard frameSet.manifest.frameCount > 0 else {
            throw VideoIOStageError(
                stage: Self.id, "no frames selected: first_frame \(parameters.firstFrame) is past the capture's \(capture.frameCount) frames")
        }
        context.log("wrote \(frameSet.manifest.frameCount) frames of \(frameSet.manifest.width)x\(frameSet.manifest.height)")
    }
}
