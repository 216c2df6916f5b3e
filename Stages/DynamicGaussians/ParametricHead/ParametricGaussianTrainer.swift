import Avatars
import Foundation
import Splatting
import Tensors

/// Resolved settings of GPHM's stage 2 (§3.3, eq. 3–4 and 10); see `ParametricGaussianStage.Parameters`.
struct ParametricGaussianSettings {
    var iterations: Int
    var viewsPerStep: Int
    /// Adam learning rates (the paper states none): networks incl. f_att and Ψ, codes, X0, Γ0 and P0's features,
    /// S0, Q0, A0, P0.
    var networkLearningRate: Float
    var codeLearningRate: Float
    var positionLearningRate: Float
    var featureLearningRate: Float
    var scaleLearningRate: Float
    var rotationLearningRate: Float
    var opacityLearningRate: Float
    var landmarkLearningRate: Float
    /// Eq. 10 weights.
    var highWeight: Float
    var perceptualWeight: Float
    var lowWeight: Float
    var landmarkWeight: Float
    var regularizerWeight: Float
    var perceptual: PerceptualTerm
    var seed: UInt64
}

/// Trains GPHM's Gaussian model (stage 2) on a population: eq. 10 = L_hr + λ_vgg·L_vgg + λ_lr·L_lr +
/// λ_lmk·L_lmk + λ_reg·L_reg over the codes, f_inj/f_id/f_exp/f_col/f_att, Ψ, X0, Γ0, S0, Q0, A0, P0.
final class ParametricGaussianTrainer: AdamCheckpointedTrainer {
    /// Figures of one step (the eq. 10 terms before weighting) and the PSNR of Ψ's output.
    struct StepReport {
        var total: Float
        var high: Float
        var perceptual: Float
        var low: Float
        var landmark: Float
        var regularizer: Float
        var psnr: Double
    }

    let settings: ParametricGaussianSettings
    let data: PopulationTrainingData
    let model: ParametricGaussianModel
    let optimizer: Adam
    let rasterizer = GaussianRasterizer()
    var generator: SplitMix64
    var iteration = 0
    /// The model's trained tensors under their checkpoint names.
    var namedParameters: [(name: String, parameter: Parameter)] { model.namedParameters }

    init(settings: ParametricGaussianSettings, data: PopulationTrainingData, model: ParametricGaussianModel) throws {
        guard data.subjects == model.head.identities.names, data.expressionNames == model.head.expressions.names else {
            throw DynamicGaussiansError(
                "the population's training subjects/frames differ from the parametric head model's code tables (\(data.subjects.count) vs \(model.head.identities.names.count) subjects); train both stages on the same population with the same maximum_subjects"
            )
        }
        self.settings = settings
        self.data = data
        self.model = model
        optimizer = Adam(groups: [
            Adam.Group(
                name: "networks", parameters: model.head.networks.parameters + model.attributes.parameters + model.head.upsampler.parameters,
                learningRate: settings.networkLearningRate),
            Adam.Group(
                name: "codes", parameters: [model.head.identities.codes, model.head.expressions.codes], learningRate: settings.codeLearningRate),
            Adam.Group(name: "positions", parameters: [model.positions], learningRate: settings.positionLearningRate),
            Adam.Group(name: "features", parameters: [model.features, model.landmarkFeatures], learningRate: settings.featureLearningRate),
            Adam.Group(name: "scales", parameters: [model.logScales], learningRate: settings.scaleLearningRate),
            Adam.Group(name: "rotations", parameters: [model.rotations], learningRate: settings.rotationLearningRate),
            Adam.Group(name: "opacity", parameters: [model.opacityLogits], learningRate: settings.opacityLearningRate),
            Adam.Group(name: "landmarks", parameters: [model.landmarks], learningRate: settings.landmarkLearningRate),
        ])
        generator = SplitMix64(seed: settings.seed)
    }

    /// One step of eq. 10 on a random training frame and up to `viewsPerStep` of its views.
    func step() throws -> StepReport {
        let frame = data.frames[Int.random(in: 0..<data.frames.count, using: &generator)]
        let views = Array(frame.views.shuffled(using: &generator).prefix(settings.viewsPerStep))
        let tape = Tape()
        let identity = model.head.identities.code(frame.subject, on: tape), expression = model.head.expressions.code(frame.expression, on: tape)
        let posed = model.gaussians(identity: identity, expression: expression, on: tape)
        var high = Variable(Tensor(0)), low = Variable(Tensor(0)), perceptual = Variable(Tensor(0)), psnr = 0.0
        let share = 1 / Float(views.count)
        for view in views {
            let r = try model.render(posed.gaussians, featureCamera: view.lowCamera, rasterizer: rasterizer, on: tape)
            high = high + Losses.l1(r.high, Variable(view.high)) * share
            low = low + Losses.l1(r.low, Variable(view.low)) * share
            if settings.perceptualWeight > 0, let term = settings.perceptual(r.high, Variable(view.high)) { perceptual = perceptual + term * share }
            psnr += ImageQuality.psnr(r.high.value.scalars, view.high.scalars) / Double(views.count)
        }
        let landmark = ParametricHeadLosses.landmarkDistance(
            model.deformedLandmarks(identity: identity, expression: expression, on: tape), Variable(frame.landmarks))
        let regularizer = ParametricHeadLosses.displacementRegularizer(posed.output)
        let total =
            settings.highWeight * high + settings.perceptualWeight * perceptual + settings.lowWeight * low + settings.landmarkWeight * landmark
            + settings.regularizerWeight * regularizer
        guard total.value.scalar.isFinite else {
            throw NonFiniteTraining(iteration: iteration, what: "the loss is \(total.value.scalar) (hr \(high.value.scalar))")
        }
        tape.backward(from: total)
        for (name, parameter) in namedParameters {
            if let gradient = parameter.gradient, gradient.scalars.contains(where: { !$0.isFinite }) {
                throw NonFiniteTraining(iteration: iteration, what: "the gradient of \(name) is not finite")
            }
        }
        optimizer.step()
        optimizer.zeroGradients()
        iteration += 1
        return StepReport(
            total: total.value.scalar, high: high.value.scalar, perceptual: perceptual.value.scalar, low: low.value.scalar,
            landmark: landmark.value.scalar, regularizer: regularizer.value.scalar, psnr: psnr)
    }

    /// Mean PSNR and SSIM of Ψ's output over every `stride`-th training frame's views (no tape).
    func evaluate(stride: Int) throws -> (psnr: Double, ssim: Double) {
        var psnr = 0.0, ssim = 0.0, count = 0
        for frame in Swift.stride(from: 0, to: data.frames.count, by: max(1, stride)).map({ data.frames[$0] }) {
            let posed = model.gaussians(
                identity: model.head.identities.code(frame.subject, on: nil), expression: model.head.expressions.code(frame.expression, on: nil),
                on: nil)
            for view in frame.views {
                let high = try model.render(posed.gaussians, featureCamera: view.lowCamera, rasterizer: rasterizer, on: nil).high
                psnr += ImageQuality.psnr(high.value.scalars, view.high.scalars)
                ssim += Double(Losses.ssim(high, Variable(view.high)).value.scalar)
                count += 1
            }
        }
        return (psnr / Double(max(count, 1)), ssim / Double(max(count, 1)))
    }

}
