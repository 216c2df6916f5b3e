import AvatarFlow
import Foundation
import MediaIO

/// `video.decode`: a capture directory → a synchronised multi-camera FrameSet, with frame range,
/// sampling, crop and resize; calibrations follow the crop and resize.
public struct VideoDecodeStage: Stage {
    /// Parameters of `video.decode`.
    public struct Parameters: StageParameters {
        /// Frame range, sampling, crop, resize and colour conversion.
        public var selection = FrameSelection()
        @Param("Camera ids to decode; empty decodes all cameras.")
        public var cameras: [String] = []
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
        let cameras = parameters.cameras.isEmpty ? capture.cameras.map(\.calibration.id) : parameters.cameras
        for camera in cameras { _ = try capture.camera(camera) }
        context.log("decoding \(cameras.count) camera(s), \(capture.frameCount) source frames of \(capture.size) at \(capture.frameRate) fps")
        try parameters.selection.decode(capture, cameras: cameras, stage: Self.id, context: context)
    }
}
