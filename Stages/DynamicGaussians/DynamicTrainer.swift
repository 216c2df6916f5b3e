import Avatars
import Foundation
import HeadModel
import Splatting
import Tensors

/// The Gaussian Head Avatar optimisation (§4.2): per step one random (frame, camera) view, the
/// expression-conditioned Gaussians of eq. 2–7 with a learnable per-frame rigid correction, the
/// feature image and Ψ, loss eq. 8 with D-SSIM (default) or the VGG feature distance as perceptual term; Adam with one learning
/// rate per parameter group. Checkpoints hold everything needed to resume bit-exactly.
final class DynamicTrainer: CheckpointedTrainer {
    /// Loss and image error of one step.
    struct StepReport {
        var loss: Float
        var psnr: Double
    }

    let settings: DynamicTrainingSettings
    let model: DynamicGaussianModel
    let tracking: HeadTracking
    let views: [SupervisedView]
    let rotationOffsets, translationOffsets: Parameter
    let adam: Adam
    var generator: Tensors.SplitMix64
    /// Steps completed.
    private(set) var iteration = 0
    /// EAvatar's split events so far (empty without splitting).
    var splitEvents: [DisplacementSplitEvent] = []
    private let rasterizer: GaussianRasterizer
    /// HHAvatar's hair model, mask targets and history (nil: GHA).
    let hair: HairTraining?

    init(settings: DynamicTrainingSettings, model: DynamicGaussianModel, tracking: HeadTracking, views: [SupervisedView], hair: HairTraining? = nil) {
        self.settings = settings
        self.hair = hair
        self.model = model
        self.tracking = tracking
        self.views = views
        rasterizer = GaussianRasterizer(workers: settings.rasterWorkers)
        generator = Tensors.SplitMix64(seed: settings.seed ^ 0x6748_4121)
        rotationOffsets = Parameter(Tensor(zeros: [tracking.frames.count, 3]))
        translationOffsets = Parameter(Tensor(zeros: [tracking.frames.count, 3]))
        var groups: [Adam.Group] = [
            .init(name: "networks", parameters: model.networks.parameters + model.attributes.parameters, learningRate: settings.networkLearningRate),
            .init(name: "superres", parameters: model.superResolution.parameters, learningRate: settings.superResolutionLearningRate),
            .init(name: "positions", parameters: [model.positions], learningRate: settings.positionLearningRate, epsilon: 1e-15),
            .init(name: "features", parameters: [model.features], learningRate: settings.featureLearningRate, epsilon: 1e-15),
            .init(name: "scales", parameters: [model.logScales], learningRate: settings.scaleLearningRate, epsilon: 1e-15),
            .init(name: "rotations", parameters: [model.rotations], learningRate: settings.rotationLearningRate, epsilon: 1e-15),
            .init(name: "opacity", parameters: [model.opacityLogits], learningRate: settings.opacityLearningRate, epsilon: 1e-15),
            .init(name: "pose", parameters: [rotationOffsets], learningRate: settings.poseCorrectionLearningRate, epsilon: 1e-15),
            .init(name: "translation", parameters: [translationOffsets], learningRate: settings.translationCorrectionLearningRate, epsilon: 1e-15),
        ]
        if let hair, hair.model.dynamicHair {
            groups.append(.init(name: "hair", parameters: hair.model.hair.parameters, learningRate: settings.networkLearningRate))
        }
        let decay = settings.learningRateDecay
        adam = Adam(
            groups: groups.map { group in
                var decayed = group
                if decay != 1 { decayed.schedule = .logLinear(finalLearningRate: group.learningRate * decay, steps: max(1, settings.iterations - 1)) }
                return decayed
            })
    }

    /// Every parameter by checkpoint name.
    var namedParameters: [(name: String, parameter: Parameter)] {
        (hair?.model.namedParameters ?? model.namedParameters) + [("rotation_offsets", rotationOffsets), ("translation_offsets", translationOffsets)]
    }

    /// The tracking with the learnt per-frame rigid corrections folded in.
    var refinedTracking: HeadTracking {
        tracking.applyingRigidCorrections(rotations: rotationOffsets.value.scalars, translations: translationOffsets.value.scalars)
    }

    /// The Gaussians of `frame` with its correction on `tape` (nil: constants).
    private func gaussians(frame: Int, tape: Tape?) -> GaussianVariables {
        let condition = model.condition(of: tracking.frames[frame], scale: tracking.scale)
        let correction = (
            rotationOffsets.variable(on: tape).slice(frame..<(frame + 1), axis: 0),
            translationOffsets.variable(on: tape).slice(frame..<(frame + 1), axis: 0)
        )
        if let hair { return hair.model.gaussians(condition, history: hair.history(before: frame), correction: correction, on: tape).gaussians }
        return model.gaussians(condition, correction: correction, on: tape)
    }

    /// The super-resolved RGB of a view without recording, `[3, H, W]` values.
    func render(_ view: SupervisedView) throws -> [Float] {
        try model.render(gaussians(frame: view.frame, tape: nil), camera: view.camera, rasterizer: rasterizer, on: nil).rgb.value.scalars
    }

    /// One optimisation step on a randomly drawn training view.
    func step() throws -> StepReport {
        let view = views[Int(generator.next() % UInt64(views.count))]
        let tape = Tape()
        let render: DynamicRender
        let maskTarget = hair.flatMap { $0.maskWeight > 0 ? $0.maskTarget(frame: view.frame, camera: view.cameraID) : nil }
        var masks: Variable?
        do {
            if let hair, maskTarget != nil {
                (render, masks) = try hair.model.render(
                    gaussians(frame: view.frame, tape: tape), camera: view.camera, rasterizer: rasterizer, partMasks: hair.maskRendering, on: tape)
            } else {
                render = try model.render(gaussians(frame: view.frame, tape: tape), camera: view.camera, rasterizer: rasterizer, on: tape)
            }
        } catch let error as SplattingError {
            if let problem = firstNonFiniteParameter() { throw NonFiniteTraining(iteration: iteration + 1, what: problem) }
            throw error
        }
        let height = view.target.shape[1], width = view.target.shape[2]
        let image = render.rgb.reshaped([3, height, width])
        let target = Variable(view.target)
        var loss = Losses.l1(image, target)
        if settings.lowResolutionWeight > 0 {
            let channels = model.configuration.networks.colorChannels
            let lowRGB = channels == 3 ? render.features : render.features.slice(0..<3, axis: 2)
            loss = loss + settings.lowResolutionWeight * Losses.l1(lowRGB, Variable(view.lowResolutionTarget))
            if let hair, hair.perceptualOnLowResolution, settings.perceptualWeight > 0,
                let perceptual = settings.perceptual(lowRGB.permuted([2, 0, 1]), Variable(view.lowResolutionTarget).permuted([2, 0, 1]))
            {
                loss = loss + settings.lowResolutionWeight * settings.perceptualWeight * perceptual
            }
        }
        if settings.perceptualWeight > 0, let perceptual = settings.perceptual(image, target) {
            loss = loss + settings.perceptualWeight * perceptual
        }
        if let hair, let masks, let maskTarget {
            loss = loss + hair.maskWeight * OcclusionAwareMasks.loss(rendered: masks, target: maskTarget)
        }
        let lossValue = loss.value.scalar
        guard lossValue.isFinite else { throw NonFiniteTraining(iteration: iteration + 1, what: "the loss is \(lossValue)") }
        tape.backward(from: loss)
        adam.step()
        adam.zeroGradients()
        iteration += 1
        splitIfDue()
        if let problem = firstNonFiniteParameter() { throw NonFiniteTraining(iteration: iteration, what: problem) }
        return StepReport(loss: lossValue, psnr: ImageQuality.psnr(image.value.scalars, view.target.scalars))
    }

    /// Names the first parameter holding NaN or ±Inf, or nil.
    func firstNonFiniteParameter() -> String? { AvatarCheckpoint.firstNonFiniteParameter(namedParameters) }

    /// Writes parameters, Adam moments and the RNG state into `directory`, replacing any older checkpoint.
    func saveCheckpoint(to directory: URL) throws {
        try AvatarCheckpoint.save(
            iteration: iteration, generatorState: generator.state, parameters: namedParameters, optimizer: adam,
            extras: splitEvents.isEmpty ? [:] : [DisplacementSplitEvent.checkpointTensor: DisplacementSplitEvent.tensor(splitEvents)],
            to: directory)
    }

    /// Restores a checkpoint written by `saveCheckpoint`; returns its iteration, or nil if there is none.
    /// - Throws: `AvatarError` naming the file when it is damaged or does not match this model.
    func loadCheckpoint(from directory: URL) throws -> Int? {
        try resizeToCheckpoint(in: directory)
        guard let restored = try AvatarCheckpoint.restore(from: directory, parameters: namedParameters, optimizer: adam) else { return nil }
        generator = Tensors.SplitMix64(seed: restored.record.generatorState)
        iteration = restored.record.iteration
        splitEvents = try restored.tensors[DisplacementSplitEvent.checkpointTensor].map(DisplacementSplitEvent.events) ?? []
        return iteration
    }
}
