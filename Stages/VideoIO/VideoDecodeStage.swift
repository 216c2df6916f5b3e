import AvatarFlow
import Foundation
import MediaIO

/// `video.decode`: a capture directory → a synchronised multi-camera FrameSet, with frame range,
/// sampling, crop and resize; calibrations follow the crop and resize.
public struct VideoDecodeStage: Stage {
    /// Parameters of `video.decode`.
    public struct Parameters: StageParameters {
        /// Allowed values of `colour`.
        public enum Colour: String, ParameterChoice {
            case ffmpeg, accurate
        }

        @Param("Longer side of the output frames in pixels, aspect ratio kept; 0 keeps the capture's size.", range: 0...8192)
        public var size: Int = 0
        @Param("Crop [x, y, width, height] in pixels, applied before resizing; empty keeps the whole frame.", range: 0...100_000)
        public var crop: [Int] = []
        @Param("First source frame to decode (0-based).", range: 0...100_000_000)
        public var firstFrame: Int = 0
        @Param("Source frames to consider from first_frame; 0 means to the end.", range: 0...100_000_000)
        public var frameCount: Int = 0
        @Param("Keep every N-th frame of the range.", range: 1...10_000)
        public var everyNth: Int = 1
        @Param("Target frame rate in frames/s by dropping frames; 0 keeps the source rate.", range: 0...1000)
        public var fps: Double = 0
        @Param("Camera ids to decode; empty decodes all cameras.")
        public var cameras: [String] = []
        @Param("YUV to RGB: ffmpeg = bit-identical to `ffmpeg -pix_fmt rgb24`; accurate = interpolated chroma (+~3 dB).")
        public var colour: Colour = .ffmpeg
        @Param(
            "Calibration file inside the capture; media and background/<id>.png resolve from its folder (synthetic.capture's groundtruth/cameras.json adds the held-out cameras held00…)."
        )
        public var camerasFile: String = Capture.camerasFileName
        @Param(
            "Read media, frames or plates that lie (or link) outside the capture directory; off by default, so a capture makes the tool read only itself. Files outside are not part of the capture's fingerprint: re-run with --force after changing them."
        )
        public var allowOutsideCapture: Bool = false

        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "video.decode"
    public static let version = 1
    public static let summary = "Decode a multi-camera capture into a synchronised FrameSet (range, sampling, crop, resize)."
    /// A capture directory.
    public static let inputs: [StagePort] = [StagePort("capture", .capture, doc: "Capture directory: cameras.json plus one video or image folder per camera.")]
    /// The decoded frames.
    public static let outputs: [StagePort] = [StagePort("frames", .frameSet, doc: "Decoded RGB frames of the selected cameras with adjusted calibrations.")]

    public init() {}

    /// Validates the capture, then decodes it frame by frame into the output FrameSet.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let capture = try Capture.open(
            try context.input("capture"), camerasFile: parameters.camerasFile, readsOutside: parameters.allowOutsideCapture)
        let options = try DecodeParameterSupport.options(
            stage: Self.id, size: parameters.size, crop: parameters.crop, firstFrame: parameters.firstFrame,
            frameCount: parameters.frameCount, everyNth: parameters.everyNth, fps: parameters.fps,
            colour: parameters.colour == .accurate ? .accurate : .ffmpegCompatible, sourceSize: capture.size)
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
