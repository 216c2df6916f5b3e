import AvatarFlow
import Avatars
import Foundation
import MediaIO
import Tensors

/// `superres.train`: trains GHA's super-resolution network Ψ (`SuperResolutionNetwork`: DoubleConv
/// blocks and bilinear ×2 steps, optionally a correction of the bilinear upsample) as a stage of its
/// own, on low-resolution frames of any avatar (e.g. `render.reenact` of the training frames at the
/// reference size / 2 or / 4) against the full-size reference frames. Loss L1 + λ·D-SSIM (or the
/// VGG distance with user weights) on random crops; checkpoints and exact resume like the other
/// trainers. Without instance normalisation, so `superres.apply` can run it tile by tile.
public struct SuperResolutionTrainStage: Stage {
    /// Parameters; the factor (2 or 4) is the ratio of the two FrameSets' sizes.
    public struct Parameters: StageParameters {
        /// Allowed values of `perceptual`.
        public enum Perceptual: String, ParameterChoice {
            case dssim, vgg, none
        }

        @Param("Optimisation steps.", range: 1...10_000_000)
        public var iterations: Int = 1000
        @Param("Seed of the network's initialisation and the crop sampling.", range: 0...Int(Int32.max))
        public var seed: Int = 0
        @Param("Channels of the first DoubleConv, halved after every ×2 upsampling (GHA: 128 → 64 → 32 at ×4).", range: 4...1024)
        public var width: Int = 32
        @Param("Predict a zero-initialised correction of the bilinear upsample instead of sigmoid(conv) (GHA: false; converges much faster).")
        public var residual: Bool = true
        @Param(
            "Side of the random crops in low-resolution pixels (the reference crop is factor × larger; D-SSIM needs ≥ 11 reference pixels).", range: 4...4096)
        public var crop: Int = 32
        @Param("Crops per step.", range: 1...1024)
        public var batch: Int = 4
        @Param("Adam learning rate.", range: 0...1)
        public var lr: Double = 2e-3
        @Param("The learning rate falls log-linearly to this fraction of itself by the last iteration (1 = constant).", range: 1e-6...1)
        public var lrDecay: Double = 0.1
        @Param("Perceptual term added to L1: D-SSIM (default), vgg (VGG16 feature distance with the weights in vgg_weights) or none.")
        public var perceptual: Perceptual = .dssim
        @Param(path: "For perceptual: vgg, a safetensors file with torchvision vgg16 `features` weights (docs/gaussian-head-avatar.md shows how to make it).")
        public var vggWeights: String = ""
        @Param("Weight of the perceptual term.", range: 0...100)
        public var lambdaPerceptual: Double = 0.2
        @Param("Cameras left out of training (e.g. the avatar's novel-view camera).")
        public var heldOutCameras: [String] = []
        @Param("Trailing reference frames left out of training (the self-reenactment test sequence).", range: 0...1_000_000)
        public var heldOutFrames: Int = 0
        @Param("Steps between checkpoints (resumed after a kill).", range: 1...10_000_000)
        public var checkpointInterval: Int = 250
        @Param("Steps between log lines with loss, PSNR and it/s.", range: 1...10_000_000)
        public var logInterval: Int = 100
        @Param("Training pairs on which the finished model and bicubic are scored whole-frame (superres.json metrics; 0 = none).", range: 0...10_000)
        public var scoredPairs: Int = 8

        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "superres.train"
    public static let version = 1
    public static let summary = "Train a super-resolution network (GHA's Ψ) on low-resolution renders against full-size references."
    public static let inputs = [
        StagePort("frames", .frameSet, doc: "Low-resolution frames, e.g. render.reenact of the training frames at the reference size / 2 or / 4."),
        StagePort("reference", .frameSet, doc: "Full-size reference frames; frame i of `frames` shows reference frame source_frame_indices[i]."),
    ]
    public static let outputs = [StagePort("model", .superResolutionModel, doc: "superres.json + network.safetensors.")]

    public init() {}

    /// Loads the pairs, trains (or resumes) and writes the model.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let low = try FrameSet.open(try context.input("frames"))
        let reference = try FrameSet.open(try context.input("reference"))
        let factor = try TrainingPairs.factor(low: low.manifest, reference: reference.manifest)
        let crop = min(parameters.crop, low.manifest.width, low.manifest.height) * factor
        let perceptual = try perceptualTerm(parameters, context: context, referenceCrop: crop)
        let pairs = try TrainingPairs.load(
            low: low, reference: reference, heldOutCameras: parameters.heldOutCameras, heldOutFrames: parameters.heldOutFrames)
        var generator = Tensors.SplitMix64(seed: UInt64(parameters.seed))
        let network = try SuperResolutionNetwork(configuration: parameters.networkConfiguration(factor: factor), generator: &generator)
        let settings = parameters.trainingSettings(perceptual: perceptual)
        context.log(
            "training ×\(factor) on \(pairs.count) pairs (\(Set(pairs.map(\.camera)).count) cameras, \(low.manifest.width)×\(low.manifest.height) → \(reference.manifest.width)×\(reference.manifest.height)), receptive field ±\(network.configuration.receptiveFieldRadius) px"
        )
        let trainer = SuperResolutionTrainer(settings: settings, network: network, pairs: pairs)
        if let resumed = try trainer.loadCheckpoint(from: context.checkpointDirectory) {
            context.log("resumed from the checkpoint at iteration \(resumed)")
        }
        let loop = TrainingLoop(
            iterations: settings.iterations, logInterval: settings.logInterval, checkpointInterval: settings.checkpointInterval,
            checkpointDirectory: context.checkpointDirectory, divergenceAdvice: "lower lr")
        let outcome = try loop.run(trainer, progress: { context.reportProgress(completed: $0, total: settings.iterations, unit: "iterations") }) {
            i, reports, rate in
            let n = Double(max(1, reports.count))
            let loss = reports.reduce(0) { $0 + Double($1.loss) } / n, psnr = reports.reduce(0) { $0 + $1.psnr } / n
            context.reportMetrics(
                ["loss": loss, "psnr_db": psnr, "iterations_per_second": rate], completed: i, total: settings.iterations, unit: "iterations")
            context.log(String(format: "iteration %d: loss %.5f, crop PSNR %.2f dB, %.2f it/s", i, loss, psnr, rate))
        }
        var metrics: [String: Double] = [
            "pairs": Double(pairs.count), "seconds": outcome.seconds,
            "iterations_per_second": Double(outcome.steps) / max(outcome.seconds, 1e-9),
        ]
        if parameters.scoredPairs > 0 {
            let scored = try Self.score(network, pairs: pairs, count: parameters.scoredPairs)
            metrics["training_psnr_db"] = scored.model
            metrics["training_bicubic_psnr_db"] = scored.bicubic
            context.log(String(format: "whole-frame PSNR on %d training pairs: model %.2f dB, bicubic %.2f dB", scored.count, scored.model, scored.bicubic))
        }
        let manifest = SuperResolutionManifest(network: network.configuration, iterations: settings.iterations, metrics: metrics)
        try SuperResolutionModel(manifest: manifest, network: network).write(to: try context.output("model"))
    }

    /// Mean whole-frame PSNR of the network and of swscale bicubic on `count` evenly spaced pairs.
    static func score(_ network: SuperResolutionNetwork, pairs: [TrainingPair], count: Int) throws -> (model: Double, bicubic: Double, count: Int) {
        let chosen = (0..<min(count, pairs.count)).map { pairs[$0 * pairs.count / min(count, pairs.count)] }
        var model = 0.0, bicubic = 0.0
        for pair in chosen {
            let size = PixelSize(width: pair.high.width, height: pair.high.height)
            let upsampled = RGBPlanes.image(try network.upsampled(RGBPlanes.tensor(pair.low), tile: 64))
            let resized = try ImageScaling.resize(pair.low, to: size, filter: .bicubic, fullChroma: true)
            let truth = FloatImage(pair.high).samples
            model += ImageQuality.psnr(FloatImage(upsampled).samples, truth)
            bicubic += ImageQuality.psnr(FloatImage(resized).samples, truth)
        }
        return (model / Double(chosen.count), bicubic / Double(chosen.count), chosen.count)
    }

    /// The perceptual term, loading the VGG weights for `perceptual: vgg`.
    /// - Throws: `SuperResolutionError` when the weights are missing or unusable or the crops too small.
    private func perceptualTerm(_ parameters: Parameters, context: StageContext, referenceCrop: Int) throws -> PerceptualTerm {
        switch parameters.perceptual {
        case .none: return .none
        case .dssim:
            guard referenceCrop >= 11 || parameters.lambdaPerceptual == 0 else {
                throw SuperResolutionError("perceptual: dssim needs reference crops of at least 11 pixels, got \(referenceCrop); raise crop")
            }
            return .dssim
        case .vgg:
            guard !parameters.vggWeights.isEmpty else {
                throw SuperResolutionError(
                    "perceptual: vgg needs vgg_weights, a safetensors file of torchvision vgg16 `features` weights (docs/gaussian-head-avatar.md shows how to make it); supply it or use perceptual: dssim"
                )
            }
            guard referenceCrop >= VGGPerceptualLoss.minimumSide else {
                throw SuperResolutionError(
                    "perceptual: vgg needs reference crops of at least \(VGGPerceptualLoss.minimumSide) pixels, got \(referenceCrop); raise crop")
            }
            do {
                return .vgg(try VGGPerceptualLoss(contentsOf: context.resolvePath(parameters.vggWeights)))
            } catch let error as VGGWeightsError {
                throw SuperResolutionError("vgg_weights: \(error.description)")
            }
        }
    }
}

extension SuperResolutionTrainStage.Parameters {
    /// The network for `factor`: RGB in, `width` halved per ×2 step (at least 4), no instance normalisation (tileable).
    func networkConfiguration(factor: Int) -> SuperResolutionConfiguration {
        let steps = factor == 4 ? 2 : factor == 2 ? 1 : 0
        return SuperResolutionConfiguration(
            factor: factor, inputChannels: 3, widths: (0...steps).map { max(4, width >> $0) }, residual: residual, instanceNormalization: false)
    }

    /// The trainer's settings.
    func trainingSettings(perceptual: PerceptualTerm) -> SuperResolutionTrainingSettings {
        SuperResolutionTrainingSettings(
            iterations: iterations, seed: UInt64(seed), crop: crop, batch: batch, learningRate: Float(lr), learningRateDecay: Float(lrDecay),
            perceptual: perceptual, perceptualWeight: Float(lambdaPerceptual), checkpointInterval: checkpointInterval, logInterval: logInterval)
    }
}
