import Splatting
import Tensors

extension DynamicGaussianModel {
    /// Eq. 3 with EAvatar's control Gaussians (eq. 9–13): the λ_exp-weighted expression offsets
    /// λ_exp·f_def^exp(x, θ) are propagated from the controls to their followers
    /// (`ControlPropagation`, planned on the current canonical positions), then λ_pose·f_def^pose(x, β)
    /// is added as in GHA. `[N, 3]` on `tape`.
    public func controlledDisplacement(
        points: Variable, expression: Variable, pose: Variable, expressionWeights: Tensor,
        settings: ControlGaussianSettings, on tape: Tape?
    ) -> Variable {
        let expressionOffsets = networks.weightedExpressionDisplacement(
            points: points, expression: expression, expressionWeights: expressionWeights, on: tape)
        let poseOffsets = networks.weightedPoseDisplacement(points: points, pose: pose, expressionWeights: expressionWeights, on: tape)
        let plan = controlPropagation(positions: points.value.scalars, expressionOffsets: expressionOffsets.value.scalars, settings: settings)
        return plan.apply(expressionOffsets) + poseOffsets
    }

    /// The propagation plan of one frame for λ_exp-weighted `expressionOffsets` (`N × 3` values).
    public func controlPropagation(positions: [Float], expressionOffsets: [Float], settings: ControlGaussianSettings) -> ControlPropagation {
        ControlPropagation(
            positions: positions,
            magnitudes: ControlPropagation.magnitudes(of: expressionOffsets, range: configuration.networks.deformationScale),
            settings: settings)
    }

    /// Eq. 9 for every Gaussian under `condition`: ‖λ_exp·f_def^exp(x_i, θ)‖ in units of the deformation
    /// head's range (`ControlGaussianSettings`), without recording. Drives the controls and splitting.
    public func expressionDisplacementMagnitudes(_ condition: DynamicCondition) -> [Float] {
        let theta = Variable(Tensor(shape: [1, condition.expression.count], scalars: condition.expression))
        let offsets = networks.weightedExpressionDisplacement(
            points: Variable(positions.value), expression: theta, expressionWeights: expressionWeights, on: nil)
        return ControlPropagation.magnitudes(of: offsets.value.scalars, range: configuration.networks.deformationScale)
    }

    /// The neutral Gaussians {X0, Q0, S0, A0, F0} as a scene (canonical units) for the Splatting
    /// density edits.
    public var neutralScene: GaussianScene {
        GaussianScene(
            means: positions.value.scalars, rotations: rotations.value.scalars, logScales: logScales.value.scalars,
            opacityLogits: opacityLogits.value.scalars, features: features.value.scalars,
            appearance: .features(channels: configuration.networks.featureWidth))
    }

    /// EAvatar's displacement-driven splitting (§3.2): every Gaussian whose displacement (eq. 9, one
    /// value per Gaussian in `magnitudes`) exceeds `threshold` is split in two and removed
    /// (`DensityControl.splitInTwo`, largest displacement first, up to `settings.maximumCount`). The
    /// neutral parameters are replaced and `optimizer`'s rows follow: survivors keep their Adam
    /// moments, children start from zero.
    @discardableResult
    public func splitDisplaced(magnitudes: [Float], threshold: Float, settings: TwoWaySplitSettings, optimizer: Adam) -> DensityEdit {
        precondition(magnitudes.count == count, "\(magnitudes.count) magnitudes for \(count) Gaussians")
        let candidates = (0..<count).filter { magnitudes[$0] > threshold }.sorted { magnitudes[$0] > magnitudes[$1] }
        var scene = neutralScene
        let edit = DensityControl.splitInTwo(&scene, candidates: candidates, settings: settings)
        guard edit.split > 0 else { return edit }
        var kept = [Bool](repeating: false, count: count)
        for (target, source) in edit.sourceIndex.enumerated() where !edit.isNew[target] { kept[source] = true }
        let newRows = edit.isNew.indices.filter { edit.isNew[$0] }
        let added = scene.gathered(newRows)
        let width = configuration.networks.featureWidth
        let columns: [(Parameter, [Float], Int)] = [
            (positions, added.means, 3), (rotations, added.rotations, 4), (logScales, added.logScales, 3),
            (opacityLogits, added.opacityLogits, 1), (features, added.features, width),
        ]
        for (parameter, values, columnCount) in columns {
            optimizer.keepRows(of: parameter, mask: kept)
            optimizer.appendRows(to: parameter, values: Tensor(shape: [newRows.count, columnCount], scalars: values))
        }
        return edit
    }
}
