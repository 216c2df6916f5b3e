import AvatarFlow
import Foundation
import MediaIO

/// `video.encode`: a FrameSet → one video file (H.264 MP4 by default), cameras tiled side by side.
public struct VideoEncodeStage: Stage {
    /// Parameters of `video.encode`.
    public struct Parameters: StageParameters {
        /// Allowed values of `codec`.
        public enum Codec: String, ParameterChoice {
            case h264, ffv1, mpeg4
        }

        /// Allowed values of `preset`.
        public enum Preset: String, ParameterChoice {
            case ultrafast, superfast, veryfast, faster, fast, medium, slow, slower, veryslow
        }

        /// Allowed values of `chroma`.
        public enum Chroma: String, ParameterChoice {
            case yuv420 = "420"
            case yuv444 = "444"
        }

        /// Allowed values of `alpha`.
        public enum Alpha: String, ParameterChoice {
            case drop, black, white

            /// The grey level alpha is composited over, or nil to drop it.
            var background: UInt8? {
                switch self {
                case .drop: nil
                case .black: 0
                case .white: 255
                }
            }
        }

        @Param("Frames per second of the video; 0 uses the FrameSet's frame rate.", range: 0...1000)
        public var fps: Double = 0
        @Param("h264 = MP4 H.264 yuv420p; ffv1 = lossless MKV; mpeg4 = MP4 MPEG-4 Part 2.")
        public var codec: Codec = .h264
        @Param("Constant quality (libx264 CRF; lower is better, 18 is visually transparent).", range: 0...51)
        public var crf: Double = 18
        @Param("Average bitrate in kbit/s; 0 uses crf.", range: 0...1_000_000)
        public var bitrate: Int = 0
        @Param("libx264 speed preset (slower = smaller file at the same quality).")
        public var preset: Preset = .medium
        @Param("Camera ids to include, in tile order; empty includes all.")
        public var cameras: [String] = []
        @Param("Tile columns for several cameras; 0 puts all cameras in one row.", range: 0...64)
        public var columns: Int = 0
        @Param("H.264 chroma: 420 = yuv420p, plays everywhere; 444 = full colour resolution (High 4:4:4, fewer players).")
        public var chroma: Chroma = .yuv420
        @Param(
            "RGBA frames: drop = encode the RGB as is (matting and render stages already composite it onto their background); black/white = composite over that colour (straight-alpha images)."
        )
        public var alpha: Alpha = .drop

        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "video.encode"
    public static let version = 1
    public static let summary = "Encode a FrameSet into a video (H.264 MP4 by default), tiling several cameras."
    /// Frames to encode.
    public static let inputs: [StagePort] = [
        StagePort("frames", .frameSet, doc: "Frames to encode (RGBA: see `alpha`)."),
        StagePort(
            "beside", .frameSet, optional: true,
            doc: "Frames shown to the right, matched by source frame index (e.g. an avatar's renders beside the input); only these frames are encoded."),
        StagePort(
            "beside_right", .frameSet, optional: true,
            doc: "A third column right of `beside`, matched by source frame index (e.g. a second avatar's renders of the same frames); needs `beside`."),
    ]
    /// The video.
    public static let outputs: [StagePort] = [StagePort("video", .video, doc: "Directory with video.mp4 (or video.mkv) and video.json.")]

    public init() {}

    /// Encodes every frame of the FrameSet.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let frameSet = try FrameSet.open(try context.input("frames"))
        guard frameSet.manifest.frameCount > 0 else {
            throw VideoIOStageError(stage: Self.id, "the FrameSet has no frames; check the upstream stage's frame range")
        }
        let codec: VideoEncodeOptions.Codec =
            switch parameters.codec {
            case .h264: .h264
            case .ffv1: .ffv1
            case .mpeg4: .mpeg4
            }
        let rate = parameters.fps > 0 ? Rational(approximating: parameters.fps) : frameSet.manifest.frameRate
        let options = VideoEncodeOptions(
            codec: codec,
            rateControl: parameters.bitrate > 0 ? .bitrate(parameters.bitrate * 1000) : .constantQuality(parameters.crf),
            frameRate: rate, preset: parameters.preset.rawValue,
            chroma: parameters.chroma == .yuv444 ? .full : .subsampled)
        if context.optionalInput("beside_right") != nil && context.optionalInput("beside") == nil {
            throw VideoIOStageError(stage: Self.id, "`beside_right` is connected without `beside`; connect the middle column to `beside`")
        }
        let beside = try ["beside", "beside_right"].compactMap { port in try context.optionalInput(port).map { try FrameSet.open($0) } }
        let frameCount = beside.first?.manifest.frameCount ?? frameSet.manifest.frameCount
        let output = try context.output("video")
        let fileName = codec == .ffv1 ? "video.mkv" : "video.mp4"
        let writer = try FrameSetConversion.encode(
            frameSet, cameras: parameters.cameras.isEmpty ? nil : parameters.cameras,
            columns: parameters.columns > 0 ? parameters.columns : nil,
            alphaBackground: parameters.alpha.background, beside: beside,
            to: output.appendingPathComponent(fileName), options: options)
        if codec == .h264 && writer.encoderName != "libx264" {
            context.warn("libx264 is not available; encoded with \(writer.encoderName) instead")
        }
        try VideoArtifact(
            file: fileName, width: writer.encodedSize.width, height: writer.encodedSize.height,
            frameCount: frameCount, frameRate: rate, encoder: writer.encoderName
        ).write(to: output)
        context.reportProgress(completed: frameCount, total: frameCount, unit: "frames")
        context.log("encoded \(frameCount) frames with \(writer.encoderName) at \(writer.encodedSize)")
    }
}
