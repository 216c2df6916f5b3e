import AvatarFlow
import Foundation
import MediaIO

/// `video.encode`: a FrameSet → one video file (H.264 MP4 by default), cameras tiled side by side.
public struct VideoEncodeStage: Stage {
    /// Parameters of `video.encode`.
    public struct Parameters: StageParameters {
        /// Frames per second of the video; 0 uses the FrameSet's rate.
        public var fps: Double
        /// "h264" (MP4), "ffv1" (lossless MKV) or "mpeg4" (MP4).
        public var codec: String
        /// Constant-quality factor (libx264 CRF).
        public var crf: Double
        /// Average bitrate in kbit/s; 0 uses `crf`.
        public var bitrate: Int
        /// libx264 speed preset.
        public var preset: String
        /// Camera ids to include; empty for all.
        public var cameras: [String]
        /// Tile columns; 0 puts all cameras in one row.
        public var columns: Int
        /// H.264 chroma: "420" (plays everywhere) or "444" (full colour resolution).
        public var chroma: String
        /// RGBA frames: "drop" the alpha (RGB is already composited) or composite over "black"/"white".
        public var alpha: String

        /// The schema.
        public static let fields: [ParameterField] = [
            .double("fps", 0, range: 0...1000, doc: "Frames per second of the video; 0 uses the FrameSet's frame rate."),
            .choice("codec", "h264", ["h264", "ffv1", "mpeg4"], doc: "h264 = MP4 H.264 yuv420p; ffv1 = lossless MKV; mpeg4 = MP4 MPEG-4 Part 2."),
            .double("crf", 18, range: 0...51, doc: "Constant quality (libx264 CRF; lower is better, 18 is visually transparent)."),
            .int("bitrate", 0, range: 0...1_000_000, doc: "Average bitrate in kbit/s; 0 uses crf."),
            .choice(
                "preset", "medium", ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"],
                doc: "libx264 speed preset (slower = smaller file at the same quality)."),
            .stringList("cameras", [], doc: "Camera ids to include, in tile order; empty includes all."),
            .int("columns", 0, range: 0...64, doc: "Tile columns for several cameras; 0 puts all cameras in one row."),
            .choice(
                "chroma", "420", ["420", "444"],
                doc: "H.264 chroma: 420 = yuv420p, plays everywhere; 444 = full colour resolution (High 4:4:4, fewer players)."),
            .choice(
                "alpha", "drop", ["drop", "black", "white"],
                doc:
                    "RGBA frames: drop = encode the RGB as is (matting and render stages already composite it onto their background); black/white = composite over that colour (straight-alpha images)."
            ),
        ]
    }

    /// The stage id.
    public static let id = "video.encode"
    /// Output-format version.
    public static let version = 1
    /// One line.
    public static let summary = "Encode a FrameSet into a video (H.264 MP4 by default), tiling several cameras."
    /// Frames to encode.
    public static let inputs: [StagePort] = [StagePort("frames", .frameSet, doc: "Frames to encode (RGBA: see `alpha`).")]
    /// The video.
    public static let outputs: [StagePort] = [StagePort("video", .video, doc: "Directory with video.mp4 (or video.mkv) and video.json.")]

    /// Creates the stage.
    public init() {}

    /// Encodes every frame of the FrameSet.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let frameSet = try FrameSet.open(try context.input("frames"))
        guard frameSet.manifest.frameCount > 0 else {
            throw VideoIOStageError(stage: Self.id, "the FrameSet has no frames; check the upstream stage's frame range")
        }
        let codec = VideoEncodeOptions.Codec(rawValue: parameters.codec) ?? .h264
        let rate = parameters.fps > 0 ? Rational(approximating: parameters.fps) : frameSet.manifest.frameRate
        let options = VideoEncodeOptions(
            codec: codec,
            rateControl: parameters.bitrate > 0 ? .bitrate(parameters.bitrate * 1000) : .constantQuality(parameters.crf),
            frameRate: rate, preset: parameters.preset,
            chroma: parameters.chroma == "444" ? .full : .subsampled)
        let output = try context.output("video")
        let fileName = codec == .ffv1 ? "video.mkv" : "video.mp4"
        let writer = try FrameSetConversion.encode(
            frameSet, cameras: parameters.cameras.isEmpty ? nil : parameters.cameras,
            columns: parameters.columns > 0 ? parameters.columns : nil,
            alphaBackground: parameters.alpha == "drop" ? nil : (parameters.alpha == "white" ? 255 : 0),
            to: output.appendingPathComponent(fileName), options: options)
        if codec == .h264 && writer.encoderName != "libx264" {
            context.warn("libx264 is not available; encoded with \(writer.encoderName) instead")
        }
        try VideoArtifact(
            file: fileName, width: writer.encodedSize.width, height: writer.encodedSize.height,
            frameCount: frameSet.manifest.frameCount, frameRate: rate, encoder: writer.encoderName
        ).write(to: output)
        context.reportProgress(completed: frameSet.manifest.frameCount, total: frameSet.manifest.frameCount, unit: "frames")
        context.log("encoded \(frameSet.manifest.frameCount) frames with \(writer.encoderName) at \(writer.encodedSize)")
    }
}
