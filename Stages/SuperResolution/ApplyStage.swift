import AvatarFlow
import Avatars
import Foundation
import MediaIO

/// `superres.apply`: upsamples every frame of any FrameSet with a model from `superres.train`,
/// tile by tile (memory does not grow with the frame size; the result equals the whole-frame pass).
/// The colour comes from the network; an alpha channel is resampled with swscale's bicubic filter.
/// Calibrations are scaled, frame indices kept, so `eval.images` aligns as before.
public struct SuperResolutionApplyStage: Stage {
    /// Parameters of `superres.apply`.
    public struct Parameters: StageParameters {
        @Param(
            "Side of the input tiles in pixels; each runs with a margin of the network's receptive field, so the result does not depend on it.",
            range: 8...4096)
        public var tile: Int = 64

        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "superres.apply"
    public static let version = 1
    public static let summary = "Upsample any FrameSet with a trained super-resolution model (tiled); alpha and frame indices kept."
    public static let inputs = [
        StagePort("frames", .frameSet, doc: "Frames to upsample (RGB or RGBA), e.g. render.reenact's renders."),
        StagePort("model", .superResolutionModel, doc: "A model from superres.train."),
    ]
    public static let outputs = [StagePort("frames", .frameSet, doc: "The frames at factor × the size, same cameras, channels and frame indices.")]

    public init() {}

    /// Upsamples every frame.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let frames = try FrameSet.open(try context.input("frames"))
        let model: SuperResolutionModel
        do {
            model = try SuperResolutionModel.read(from: try context.input("model"))
        } catch let error as AvatarError {
            throw SuperResolutionError("model: \(error.description)")
        }
        let network = model.network, factor = network.configuration.factor
        guard network.configuration.inputChannels == 3 else {
            throw SuperResolutionError(
                "model: the network takes \(network.configuration.inputChannels) input channels, superres.apply feeds RGB (3); use a model from superres.train")
        }
        let size = PixelSize(width: frames.manifest.width * factor, height: frames.manifest.height * factor)
        let start = Date()
        try FrameSetUpsampling.write(
            frames, factor: factor, to: try context.output("frames"),
            progress: { context.reportProgress(completed: $0, total: $1, unit: "images") }
        ) { image in
            let colour = try network.upsampled(RGBPlanes.tensor(image), tile: parameters.tile)
            let alpha = try image.channels == 4 ? ImageScaling.resize(image, to: size, filter: .bicubic, fullChroma: true) : nil
            return RGBPlanes.image(colour, alpha: alpha)
        }
        let images = frames.manifest.frameCount * frames.manifest.cameras.count
        context.log(
            String(
                format: "upsampled %d images ×%d to %d×%d in %.1f s (%.2f images/s)", images, factor, size.width, size.height,
                Date().timeIntervalSince(start), Double(images) / max(Date().timeIntervalSince(start), 1e-9)))
    }
}
