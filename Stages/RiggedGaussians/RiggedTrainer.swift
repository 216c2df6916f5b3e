import Avatars
import Foundation
import Geometry
import HeadModel
import Splatting
import Tensors

/// The GaussianAvatars optimisation (§3.3–3.4): rigged Gaussians trained with Adam on
/// (1−λ)·L1 + λ·D-SSIM + position and scaling regularisers, adaptive density control with binding
/// inheritance, opacity resets, progressive SH degree, per-frame fine-tuning of the tracking (head
/// pose and translation through `RigidOffset`, expression and jaw rotation through `HeadMeshRig` and
/// the mesh-dependent rigging transform) and an exponentially decaying position learning rate. Keeps Adam's moments in step with every
/// density edit and checkpoints everything needed to resume bit-exactly.
final class RiggedTrainer: CheckpointedTrainer {
    /// The loss terms and the image error of one step.
    struct StepReport {
        var loss: Float
        var psnr: Double
    }

    let settings: RiggedTrainingSettings
    let model: HeadModel
    let tracking: HeadTracking
    let views: [TrainingView]
    let sceneExtent: Float
    let means, rotations, logScales, opacityLogits, features: Parameter
    /// Per-frame fine-tuned tracking: head rotation and translation offsets `[F, 3]`, expression
    /// coefficients `[F, K]` and jaw rotations `[F, 3]` (the last two start at the tracked values).
    let rotationOffsets, translationOffsets, expressions, jawRotations: Parameter
    /// The tracked mesh as a function of expression and jaw (identity and scale of the tracking).
    let rig: HeadMeshRig
    private(set) var binding: [Int32]
    let adam: Adam
    var statistics: DensificationStatistics
    var generator: Tensors.SplitMix64
    /// Steps completed.
    private(set) var iteration = 0
    private var baseFrames: [Int: TriangleFrames] = [:]
    private let rasterizer: GaussianRasterizer

    /// - Throws: `RiggedGaussiansError` if the tracking has more identity or expression coefficients than the model.
    init(settings: RiggedTrainingSettings, model: HeadModel, tracking: HeadTracking, views: [TrainingView], sceneExtent: Float) throws {
        self.settings = settings
        self.model = model
        self.tracking = tracking
        self.views = views
        self.sceneExtent = sceneExtent
        rasterizer = GaussianRasterizer(workers: settings.rasterWorkers)
        generator = Tensors.SplitMix64(seed: settings.seed)
        let initial = RiggedGaussians.onePerTriangle(triangleCount: model.triangles.count, generator: &generator)
        let n = initial.count
        means = Parameter(Tensor(shape: [n, 3], scalars: initial.means))
        rotations = Parameter(Tensor(shape: [n, 4], scalars: initial.rotations))
        logScales = Parameter(Tensor(shape: [n, 3], scalars: initial.logScales))
        opacityLogits = Parameter(Tensor(shape: [n, 1], scalars: initial.opacityLogits))
        features = Parameter(Tensor(shape: [n, RiggedGaussianAvatar.storedFeatureWidth], scalars: initial.features))
        rotationOffsets = Parameter(Tensor(zeros: [tracking.frames.count, 3]))
        translationOffsets = Parameter(Tensor(zeros: [tracking.frames.count, 3]))
        let expressionCount = model.expressionCount
        if let frame = tracking.frames.firstIndex(where: { $0.expression.count > expressionCount }) {
            throw RiggedGaussiansError(
                "tracking frame \(frame) has \(tracking.frames[frame].expression.count) expression coefficients but head model '\(model.name)' has \(expressionCount); train with the model the tracking was fitted with"
            )
        }
        expressions = Parameter(
            Tensor(
                shape: [tracking.frames.count, expressionCount],
                scalars: tracking.frames.flatMap { frame in
                    frame.expression.map(Float.init) + [Float](repeating: 0, count: expressionCount - frame.expression.count)
                }))
        jawRotations = Parameter(
            Tensor(
                shape: [tracking.frames.count, 3],
                scalars: tracking.frames.flatMap { frame in
                    (0..<3).map { frame.jaw.indices.contains($0) ? Float(frame.jaw[$0]) : 0 }
                }))
        do {
            rig = try HeadMeshRig(model: model, identity: tracking.identity.map(Float.init), scale: Float(tracking.scale))
        } catch {
            throw RiggedGaussiansError("the tracking does not fit head model '\(model.name)': \(error)")
        }
        binding = initial.binding
        var groups: [Adam.Group] = [
            .init(
                name: "means", parameters: [means], learningRate: settings.positionLearningRate, epsilon: 1e-15,
                schedule: .logLinear(finalLearningRate: settings.positionLearningRateFinal, steps: settings.iterations)),
            .init(name: "rotations", parameters: [rotations], learningRate: settings.rotationLearningRate, epsilon: 1e-15),
            .init(name: "scales", parameters: [logScales], learningRate: settings.scalingLearningRate, epsilon: 1e-15),
            .init(name: "opacity", parameters: [opacityLogits], learningRate: settings.opacityLearningRate, epsilon: 1e-15),
            .init(name: "features", parameters: [features], learningRate: settings.featureLearningRate, epsilon: 1e-15),
        ]
        if settings.finetuneTracking {
            groups.append(.init(name: "pose", parameters: [rotationOffsets], learningRate: settings.poseLearningRate, epsilon: 1e-15))
            groups.append(.init(name: "translation", parameters: [translationOffsets], learningRate: settings.translationLearningRate, epsilon: 1e-15))
            groups.append(.init(name: "expression", parameters: [expressions], learningRate: settings.expressionLearningRate, epsilon: 1e-15))
            groups.append(.init(name: "jaw", parameters: [jawRotations], learningRate: settings.poseLearningRate, epsilon: 1e-15))
        }
        adam = Adam(groups: groups)
        statistics = DensificationStatistics(count: n)
    }

    /// Parameters by checkpoint name.
    var namedParameters: [(name: String, parameter: Parameter)] {
        [
            ("means", means), ("rotations", rotations), ("log_scales", logScales), ("opacity_logits", opacityLogits),
            ("features", features), ("rotation_offsets", rotationOffsets), ("translation_offsets", translationOffsets),
            ("expressions", expressions), ("jaw_rotations", jawRotations),
        ]
    }

    /// How many of `namedParameters` hold one row per Gaussian (the rest hold one row per frame).
    private static let gaussianParameterCount = 5

    /// The current Gaussians (local parameters and bindings).
    var gaussians: RiggedGaussians {
        RiggedGaussians(
            means: means.value.scalars, rotations: rotations.value.scalars, logScales: logScales.value.scalars,
            opacityLogits: opacityLogits.value.scalars, features: features.value.scalars, binding: binding)
    }

    /// SH degree in use at the current iteration (one band more every `shIncreaseInterval` steps).
    var activeSHDegree: Int { min(settings.shDegree, iteration / max(1, settings.shIncreaseInterval)) }

    /// Triangle frames of `frame` from the tracked mesh as given (training without fine-tuning).
    func trackedFrame(_ frame: Int) throws -> TriangleFrames {
        if let cached = baseFrames[frame] { return cached }
        let frames = TriangleFrames(vertices: try tracking.vertices(frame: frame, model: model), triangles: model.triangles)
        baseFrames[frame] = frames
        return frames
    }

    /// The fine-tuned tracking: each frame's root rotation composed with its learnt rotation offset,
    /// its translation plus the learnt translation offset (see `RigidOffset`), and its fine-tuned
    /// expression coefficients and jaw rotation.
    /// Without fine-tuning it is the input tracking, unchanged.
    var refinedTracking: HeadTracking {
        guard settings.finetuneTracking else { return tracking }
        var refined = tracking
        let rotationValues = rotationOffsets.value.scalars, translationValues = translationOffsets.value.scalars
        let expressionValues = expressions.value.scalars, jawValues = jawRotations.value.scalars
        let expressionCount = model.expressionCount
        for f in refined.frames.indices {
            refined.frames[f].expression = (0..<expressionCount).map { Double(expressionValues[f * expressionCount + $0]) }
            refined.frames[f].jaw = (0..<3).map { Double(jawValues[3 * f + $0]) }
            let delta = SIMD3(rotationValues[3 * f], rotationValues[3 * f + 1], rotationValues[3 * f + 2])
            let root = SIMD3<Float>(refined.frames[f].rotation.map(Float.init))
            let composed = (Matrix3x3(rotationVector: delta) * Matrix3x3(rotationVector: root)).rotationVector
            refined.frames[f].rotation = [Double(composed.x), Double(composed.y), Double(composed.z)]
            for a in 0..<3 { refined.frames[f].translation[a] += Double(translationValues[3 * f + a]) }
        }
        return refined
    }

    /// World-space Gaussians of frame `frame` on `tape` (nil: constants), the fine-tuned tracking
    /// applied: the mesh is posed with the frame's expression and jaw parameters, the Gaussians are
    /// rigged to it, then moved by the frame's rigid offset about the root joint. Also returns the
    /// local means and log-scales (for the regularisers) and the triangle frames (for density control).
    ///
    /// The pivot of the rigid offset is held constant within a step; it depends on the expression
    /// only if the model's root-joint regressor uses expression-moved vertices (not the case for the
    /// procedural model, whose root joint is regressed from the neck base).
    private func posed(frame: Int, tape: Tape?) throws -> (
        means: Variable, rotations: Variable, logScales: Variable,
        localMeans: Variable, localLogScales: Variable, frames: TriangleFrames
    ) {
        func variable(_ parameter: Parameter) -> Variable { tape.map { $0.variable(for: parameter) } ?? Variable(parameter.value) }
        let localMeans = variable(means), localLogScales = variable(logScales)
        guard settings.finetuneTracking else {
            let frames = try trackedFrame(frame)
            let world = RiggedTransform.apply(
                means: localMeans, rotations: variable(rotations), logScales: localLogScales,
                binding: binding, frames: frames)
            return (world.means, world.rotations, world.logScales, localMeans, localLogScales, frames)
        }
        let state = tracking.frames[frame]
        let mesh = rig.pose(
            expression: variable(expressions).slice(frame..<(frame + 1), axis: 0),
            jaw: variable(jawRotations).slice(frame..<(frame + 1), axis: 0),
            jointRotations: tracking.jointRotations(frame: frame, model: model),
            translation: SIMD3<Float>(state.translation.map(Float.init)))
        let world = RiggedTransform.apply(
            means: localMeans, rotations: variable(rotations), logScales: localLogScales,
            binding: binding, vertices: mesh.vertices, triangles: model.triangles)
        let corrected = RigidOffset.apply(
            means: world.means, rotations: world.rotations,
            rotationOffset: variable(rotationOffsets).slice(frame..<(frame + 1), axis: 0),
            translationOffset: variable(translationOffsets).slice(frame..<(frame + 1), axis: 0),
            pivot: mesh.root)
        return (corrected.means, corrected.rotations, world.logScales, localMeans, localLogScales, world.frames)
    }

    /// Renders the current avatar for a view without recording (validation, previews).
    func render(_ view: TrainingView) throws -> [Float] {
        let world = try posed(frame: view.frame, tape: nil)
        let degree = activeSHDegree
        let scene = GaussianScene(
            means: world.means.value.scalars, rotations: world.rotations.value.scalars,
            logScales: world.logScales.value.scalars, opacityLogits: opacityLogits.value.scalars,
            features: gaussians.truncatedFeatures(degree: degree), appearance: .sphericalHarmonics(degree: degree))
        return try rasterizer.render(scene: scene, camera: view.camera, settings: RasterSettings(background: settings.background)).output.image
    }

    /// One optimisation step on a randomly drawn training view.
    func step() throws -> StepReport {
        let view = views[Int(generator.next() % UInt64(views.count))]
        let tape = Tape()
        let world = try posed(frame: view.frame, tape: tape)
        let localMeans = world.localMeans, localLogScales = world.localLogScales
        let degree = activeSHDegree
        var colours = tape.variable(for: features)
        if degree < RiggedGaussianAvatar.storedSHDegree {
            colours = colours.slice(0..<((degree + 1) * (degree + 1) * 3), axis: 1)
        }
        let variables = GaussianVariables(
            means: world.means, rotations: world.rotations, logScales: world.logScales,
            opacityLogits: tape.variable(for: opacityLogits), features: colours,
            appearance: .sphericalHarmonics(degree: degree))
        let render: DifferentiableRender
        do {
            render = try rasterizer.render(variables, camera: view.camera, settings: RasterSettings(background: settings.background))
        } catch {
            if let problem = firstNonFiniteParameter() { throw NonFiniteTraining(iteration: iteration + 1, what: problem) }
            throw error
        }
        let target = Variable(view.target)
        let photometric =
            (1 - settings.dssimWeight) * Losses.l1(render.image, target)
            + settings.dssimWeight * Losses.structuralDissimilarity(render.image.permuted([2, 0, 1]), target.permuted([2, 0, 1]))
        var loss = photometric
        let visible = render.result.screenRadius.indices.filter { render.result.screenRadius[$0] > 0 }.map(Int32.init)
        if !visible.isEmpty {
            if settings.positionLossWeight > 0 {
                loss =
                    loss + settings.positionLossWeight
                    * (localMeans.gatherRows(visible).norm(axis: 1) - settings.positionThreshold).relu().mean()
            }
            if settings.scaleLossWeight > 0 {
                loss =
                    loss + settings.scaleLossWeight
                    * (localLogScales.gatherRows(visible).exp() - settings.scaleThreshold).relu().norm(axis: 1).mean()
            }
        }
        tape.backward(from: loss)
        if settings.densityControl && iteration < settings.densifyUntil, let gradients = render.gradientSink.gradients {
            statistics.accumulate(render.result, gradients)
        }
        let lossValue = loss.value.scalar
        guard lossValue.isFinite else {
            throw NonFiniteTraining(iteration: iteration + 1, what: "the loss is \(lossValue)")
        }
        adam.step()
        adam.zeroGradients()
        iteration += 1
        if let problem = firstNonFiniteParameter() {
            throw NonFiniteTraining(iteration: iteration, what: problem)
        }
        if settings.densityControl && iteration >= settings.densifyStart && iteration <= settings.densifyUntil
            && iteration % settings.densifyInterval == 0
        {
            try densify(frames: world.frames)
        }
        if settings.densityControl && settings.opacityResetInterval > 0 && iteration % settings.opacityResetInterval == 0
            && iteration < settings.iterations
        {
            resetOpacity()
        }
        return StepReport(loss: lossValue, psnr: ImageQuality.psnr(render.image.value.scalars, view.target.scalars))
    }

    /// Names the first parameter holding NaN or ±Inf, or nil.
    private func firstNonFiniteParameter() -> String? { AvatarCheckpoint.firstNonFiniteParameter(namedParameters) }

    /// Density control with binding inheritance; the optimiser's rows follow (originals keep their
    /// moments, new Gaussians start from zero).
    private func densify(frames: TriangleFrames) throws {
        var edited = gaussians
        let before = edited.count
        var density = DensityControlSettings(sceneExtent: sceneExtent)
        density.gradientThreshold = settings.densifyGradientThreshold
        density.percentDense = settings.percentDense
        if settings.opacityResetInterval > 0 && iteration > settings.opacityResetInterval { density.maxScreenRadius = 20 }
        let edit = RiggedDensityControl.densifyAndPrune(
            &edited, triangleScales: frames.scales, statistics: statistics,
            settings: density, generator: &generator)
        if edited.count > settings.maxGaussians {
            throw RiggedGaussiansError(
                "iteration \(iteration): density control grew the avatar to \(edited.count) Gaussians, above max_gaussians = \(settings.maxGaussians); raise densify_grad_threshold or max_gaussians"
            )
        }
        let kept = edit.keptOriginals(previousCount: before)
        let newRows = edit.isNew.indices.filter { edit.isNew[$0] }
        let added = edited.gathered(newRows)
        let columns: [(Parameter, [Float], Int)] = [
            (means, added.means, 3), (rotations, added.rotations, 4), (logScales, added.logScales, 3),
            (opacityLogits, added.opacityLogits, 1), (features, added.features, RiggedGaussianAvatar.storedFeatureWidth),
        ]
        for (parameter, values, width) in columns {
            adam.keepRows(of: parameter, mask: kept)
            if !newRows.isEmpty { adam.appendRows(to: parameter, values: Tensor(shape: [newRows.count, width], scalars: values)) }
        }
        binding = edited.binding
        statistics = DensificationStatistics(count: edited.count)
    }

    /// Opacity reset: opacities clamped to 0.01 with fresh optimiser moments, as 3DGS does.
    private func resetOpacity() {
        var edited = gaussians
        RiggedDensityControl.resetOpacity(&edited)
        let n = edited.count
        adam.keepRows(of: opacityLogits, mask: [Bool](repeating: false, count: n))
        adam.appendRows(to: opacityLogits, values: Tensor(shape: [n, 1], scalars: edited.opacityLogits))
    }

    // MARK: Checkpoints

    /// Writes parameters, Adam moments, bindings, densification statistics and the RNG/iteration state
    /// into `directory` (`AvatarCheckpoint`: a kill during the save leaves the previous one valid).
    func saveCheckpoint(to directory: URL) throws {
        let n = binding.count
        let extras = [
            "binding": Tensor(shape: [n], scalars: binding.map(Float.init)),
            "statistics.gradient_norm_sum": Tensor(shape: [n], scalars: statistics.gradientNormSum),
            "statistics.visible_views": Tensor(shape: [n], scalars: statistics.visibleViews.map(Float.init)),
            "statistics.max_screen_radius": Tensor(shape: [n], scalars: statistics.maxScreenRadius),
        ]
        try AvatarCheckpoint.save(
            iteration: iteration, generatorState: generator.state, parameters: namedParameters, optimizer: adam,
            extras: extras, to: directory)
    }

    /// Restores a checkpoint written by `saveCheckpoint` (the Gaussian count is the checkpoint's, not
    /// the initial one); returns its iteration, or nil if there is none.
    func loadCheckpoint(from directory: URL) throws -> Int? {
        guard let loaded = try AvatarCheckpoint.read(from: directory) else { return nil }
        for (name, parameter) in namedParameters { parameter.value = try loaded.tensor(name) }
        binding = try loaded.tensor("binding").scalars.map { Int32($0) }
        let n = binding.count
        let frameCount = tracking.frames.count
        guard namedParameters.prefix(Self.gaussianParameterCount).allSatisfy({ $0.parameter.shape[0] == n }),
            namedParameters.dropFirst(Self.gaussianParameterCount).allSatisfy({ $0.parameter.shape[0] == frameCount }),
            expressions.shape == [frameCount, model.expressionCount]
        else {
            throw RiggedGaussiansError(
                "\(loaded.url.path): checkpoint shapes do not match its \(n) bindings or the \(tracking.frames.count) tracked frames; delete the checkpoint directory to start over"
            )
        }
        try AvatarCheckpoint.loadOptimizerState(loaded, into: adam, for: namedParameters)
        statistics = DensificationStatistics(count: n)
        statistics.gradientNormSum = try loaded.tensor("statistics.gradient_norm_sum").scalars
        statistics.visibleViews = try loaded.tensor("statistics.visible_views").scalars.map { Int32($0) }
        statistics.maxScreenRadius = try loaded.tensor("statistics.max_screen_radius").scalars
        generator = Tensors.SplitMix64(seed: loaded.record.generatorState)
        iteration = loaded.record.iteration
        return iteration
    }
}
