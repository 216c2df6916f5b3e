import Avatars
import Foundation
import MediaIO
import Tensors

/// Settings of one `superres.train` run: the stage's parameters in the trainer's units
/// (`SuperResolutionTrainStage.Parameters.trainingSettings(perceptual:)` holds the defaults).
struct SuperResolutionTrainingSettings: Sendable {
    var iterations: Int
    var seed: UInt64
    /// Side of a random crop in low-resolution pixels (the reference crop is `factor` times larger).
    var crop: Int
    /// Crops per step.
    var batch: Int
    /// Adam learning rate.
    var learningRate: Float
    /// The rate falls log-linearly to this fraction of itself by the last iteration (1: constant).
    var learningRateDecay: Float
    /// The perceptual term added to L1.
    var perceptual: PerceptualTerm
    /// Its weight (0 disables it).
    var perceptualWeight: Float
    var checkpointInterval: Int
    var logInterval: Int
}

/// Trains a `SuperResolutionNetwork` on pairs of low-resolution images and references: per step
/// `batch` random crops (pair, position), loss L1 + λ·perceptual (D-SSIM by default) between the
/// upsampled crops and the reference crops, one Adam step. Checkpoints hold the parameters, the
/// Adam moments and the crop generator, so a resumed run continues bit for bit.
final class SuperResolutionTrainer: AdamCheckpointedTrainer {
    /// Loss and image error of one step.
    struct StepReport {
        var loss: Float
        var psnr: Double
    }

    let settings: SuperResolutionTrainingSettings
    let network: SuperResolutionNetwork
    let pairs: [TrainingPair]
    let optimizer: Adam
    var generator: Tensors.SplitMix64
    /// Steps completed.
    var iteration = 0

    /// A trainer at iteration 0 (`pairs` must be non-empty and of one size, `factor` apart).
    init(settings: SuperResolutionTrainingSettings, network: SuperResolutionNetwork, pairs: [TrainingPair]) {
        self.settings = settings
        self.network = network
        self.pairs = pairs
        generator = Tensors.SplitMix64(seed: settings.seed ^ 0x5352_4352)
        var group = Adam.Group(name: "network", parameters: network.parameters, learningRate: settings.learningRate)
        if settings.learningRateDecay != 1 {
            group.schedule = .logLinear(finalLearningRate: settings.learningRate * settings.learningRateDecay, steps: max(1, settings.iterations - 1))
        }
        optimizer = Adam(groups: [group])
    }

    /// The network's parameters by checkpoint name.
    var namedParameters: [(name: String, parameter: Parameter)] { network.namedParameters }

    /// Side of the low-resolution crops: the setting, at most the image.
    var cropSide: (width: Int, height: Int) {
        (min(settings.crop, pairs[0].low.width), min(settings.crop, pairs[0].low.height))
    }

    /// Draws `settings.batch` crops: `[N, 3, h, w]` inputs and `[N, 3, h·f, w·f]` targets in [0, 1].
    func sampleBatch() -> (low: Tensor, high: Tensor) {
        let factor = network.configuration.factor, (w, h) = cropSide
        var low: [Float] = [], high: [Float] = []
        low.reserveCapacity(settings.batch * 3 * w * h)
        high.reserveCapacity(settings.batch * 3 * w * h * factor * factor)
        for _ in 0..<settings.batch {
            let pair = pairs[Int(generator.next() % UInt64(pairs.count))]
            let x = Int(generator.next() % UInt64(pair.low.width - w + 1))
            let y = Int(generator.next() % UInt64(pair.low.height - h + 1))
            low += RGBPlanes.read(pair.low, x: x, y: y, width: w, height: h)
            high += RGBPlanes.read(pair.high, x: x * factor, y: y * factor, width: w * factor, height: h * factor)
        }
        return (
            Tensor(shape: [settings.batch, 3, h, w], scalars: low),
            Tensor(shape: [settings.batch, 3, h * factor, w * factor], scalars: high)
        )
    }

    /// One optimisation step on a random batch of crops.
    func step() throws -> StepReport {
        let batch = sampleBatch()
        let tape = Tape()
        let output = network(Variable(batch.low), on: tape)
        let target = Variable(batch.high)
        var loss = Losses.l1(output, target)
        if settings.perceptualWeight > 0, let perceptual = settings.perceptual(output, target) {
            loss = loss + settings.perceptualWeight * perceptual
        }
        let lossValue = loss.value.scalar
        guard lossValue.isFinite else { throw NonFiniteTraining(iteration: iteration + 1, what: "the loss is \(lossValue)") }
        tape.backward(from: loss)
        optimizer.step()
        optimizer.zeroGradients()
        iteration += 1
        if let problem = AvatarCheckpoint.firstNonFiniteParameter(namedParameters) { throw NonFiniteTraining(iteration: iteration, what: problem) }
        return StepReport(loss: lossValue, psnr: ImageQuality.psnr(output.value.scalars, batch.high.scalars))
    }

}
