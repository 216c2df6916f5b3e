import AvatarFlow
import Foundation
import MediaIO

/// `superres.resize`: the classical baseline of `superres.apply` with the same ports — every frame
/// resized by an integer factor with swscale (bicubic by default, or Lanczos), colour differences at
/// full resolution, alpha resampled alike; calibrations scaled, frame indices kept.
public struct ResizeStage: Stage {
    /// Parameters of `superres.resize`.
    public struct Parameters: StageParameters {
        /// Allowed values of `filter`.
        public enum Filter: String, ParameterChoice {
            case bicubic, lanczos, bilinear

            /// The swscale kernel.
            var scaling: ImageScaling.Filter {
                switch self {
                case .bicubic: .bicubic
                case .lanczos: .lanczos
                case .bilinear: .bilinear
                }
            }
        }

        @Param("Upsampling factor (output size = input size × factor).", range: 1...8)
        public var factor: Int = 2
        @Param("swscale kernel: bicubic (4×4 taps, FFmpeg's default), lanczos (a = 3) or bilinear.")
        public var filter: Filter = .bicubic

        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "superres.resize"
    public static let version = 1
    public static let summary = "Classical upsampling baseline: every frame resized ×factor with swscale (bicubic or Lanczos), alpha and frame indices kept."
    public static let inputs = [StagePort("frames", .frameSet, doc: "Frames to upsample (RGB or RGBA).")]
    public static let outputs = [StagePort("frames", .frameSet, doc: "The frames at factor × the size, same cameras, channels and frame indices.")]

    public init() {}

    /// Resizes every frame.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let frames = try FrameSet.open(try context.input("frames"))
        let size = PixelSize(width: frames.manifest.width * parameters.factor, height: frames.manifest.height * parameters.factor)
        try FrameSetUpsampling.write(
            frames, factor: parameters.factor, to: try context.output("frames"),
            progress: { context.reportProgress(completed: $0, total: $1, unit: "images") }
        ) { image in
            try ImageScaling.resize(image, to: size, filter: parameters.filter.scaling, fullChroma: true)
        }
    }
}
