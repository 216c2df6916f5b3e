import Foundation
import HeadModel
import Splatting
import Tensors

/// HHAvatar's Gaussians (Chen et al., §3.1): GHA's head path (eq. 3–5, `DynamicGaussianModel`) for
/// every Gaussian, with λ_exp = 0 for hair (so hair follows the pose MLPs), plus — when
/// `dynamicHair` — the hair MLPs' offsets on the hair Gaussians: X'_t += λ_hair·f_hair^def,
/// C'_t += f_hair^col, {S, Q, A} += f_hair^att, conditioned on the hair's own canonical positions at
/// t−1, t−2 and the poses at t, t−1, t−2 (eq. 6–8). The hair offset is added to the head path's
/// (the paper leaves open whether eq. 6 replaces or adds to eq. 3; adding keeps GHA's pose
/// deformation, which the guidance fitted, and starts exactly at GHA with the zero last layers).
/// Then T(·, β_t) and the rigid correction as in GHA (eq. 9–10).
public struct HeadHairModel: Layer {
    /// GHA's parameters and networks.
    public let base: DynamicGaussianModel
    /// Hair labels and scalp.
    public let parts: HeadHairParts
    /// λ_hair of the hair Gaussians, `[H, 1]` (fixed at initialisation, from X0 and the scalp).
    public let hairWeights: Tensor
    /// f_hair^def, f_hair^col, f_hair^att.
    public let hair: HairDynamicsNetworks
    /// False: the ablation "w/o dynamic hair" (Table 5) — hair modelled like the head (GHA's λ_exp
    /// blend, no hair MLPs, no memory).
    public let dynamicHair: Bool

    /// Bundles the parts (shapes must agree: programmer error otherwise).
    public init(base: DynamicGaussianModel, parts: HeadHairParts, hairWeights: Tensor, hair: HairDynamicsNetworks, dynamicHair: Bool) {
        precondition(parts.isHair.count == base.count, "one part label per Gaussian")
        precondition(hairWeights.shape == [parts.hairIndices.count, 1], "one λ_hair per hair Gaussian")
        self.base = base
        self.parts = parts
        self.hairWeights = hairWeights
        self.hair = hair
        self.dynamicHair = dynamicHair
    }

    /// GHA's parameters, then `hair.*` when the hair is dynamic.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        base.namedParameters + (dynamicHair ? hair.namedParameters.map { ("hair.\($0.name)", $0.parameter) } : [])
    }

    /// λ_exp with hair rows at 0 (dynamic hair) or GHA's (ablation), `[N, 1]`.
    public var expressionWeights: Tensor {
        let lambda = base.expressionWeights
        guard dynamicHair else { return lambda }
        return Tensor(shape: lambda.shape, scalars: zip(lambda.scalars, parts.isHair).map { $1 ? 0 : $0 })
    }

    /// The neutral hair positions, `[H, 3]` (the rest state of a sequence).
    public var restHairPositions: Tensor { Variable(base.positions.value).gatherRows(parts.hairIndices).value }

    /// A sequence's starting history for its first frame's condition.
    public func rest(_ condition: DynamicCondition) -> HairMotionHistory {
        .atRest(positions: restHairPositions, pose: condition.pose)
    }

    /// The hair MLPs' common input for the hair rows `hairX0 [H, 3]` at pose `pose` `[1, 6]`.
    func hairInput(hairX0: Variable, pose: Variable, history: HairMotionHistory) -> HairNetworkInput {
        let poses = [
            pose, Variable(Tensor(shape: [1, 6], scalars: history.previousPose)), Variable(Tensor(shape: [1, 6], scalars: history.beforePreviousPose)),
        ]
        return hair.input(
            x0: hairX0, previous: Variable(history.previous), beforePrevious: Variable(history.beforePrevious), poses: poses)
    }

    /// The hair MLPs on the hair rows `hairX0 [H, 3]`: (ΔX·λ_hair, ΔC, Δattributes), each `[H, ·]`.
    func hairOffsets(hairX0: Variable, pose: Variable, history: HairMotionHistory, on tape: Tape?) -> (
        offset: Variable, color: Variable, attributes: Variable
    ) {
        let input = hairInput(hairX0: hairX0, pose: pose, history: history)
        return (
            weightedOffset(input, on: tape), hair.color(input.perPoint, condition: input.poses, on: tape),
            hair.attributes(input.perPoint, condition: input.poses, on: tape)
        )
    }

    /// λ_hair·f_hair^def `[H, 3]`, the MLP run only on the hair rows with λ_hair > 0 (the paper's rule
    /// gives every hair Gaussian beyond t4 a zero weight).
    func weightedOffset(_ input: HairNetworkInput, on tape: Tape?) -> Variable {
        DynamicHeadNetworks.weighted(input.perPoint, hairWeights, complement: false) { rows in
            hair.deformation(rows, condition: input.poses, on: tape)
        } ?? Variable(Tensor(zeros: [hairWeights.shape[0], 3]))
    }

    /// `[H, W]` hair rows spread over all N rows (zeros for head Gaussians); gradients flow back.
    func scattered(_ rows: Variable) -> Variable {
        Variable.concat([rows, Variable(Tensor(zeros: [1, rows.shape[1]]))], axis: 0).gatherRows(parts.scatterRows)
    }

    /// The canonical positions X'_t of the hair Gaussians only (no recording): what the next frame's
    /// history holds. Cheaper than `gaussians`: only the pose deformation and f_hair^def run, on the
    /// hair rows (f_hair^col and f_hair^att do not move the hair).
    public func canonicalHairPositions(_ condition: DynamicCondition, history: HairMotionHistory) -> Tensor {
        let beta = Variable(Tensor(shape: [1, 6], scalars: condition.pose))
        let hairX0 = Variable(base.positions.value).gatherRows(parts.hairIndices)
        var positions = hairX0 + base.networks.poseDisplacement(points: hairX0, pose: beta, on: nil)
        if dynamicHair {
            positions = positions + weightedOffset(hairInput(hairX0: hairX0, pose: beta, history: history), on: nil)
        }
        return positions.value
    }

    /// Rolls the history forward without recording through `conditions` (in driving order), starting
    /// from `history`; returns the history for the frame after the last condition.
    public func rollOut(_ conditions: [DynamicCondition], from history: HairMotionHistory) -> HairMotionHistory {
        var history = history
        for condition in conditions {
            history.advance(positions: canonicalHairPositions(condition, history: history), pose: condition.pose)
        }
        return history
    }

    /// The world-space Gaussians of one frame (eq. 3–10) on `tape`, and the hair's canonical
    /// positions X'_t `[H, 3]` for the next frame's history.
    public func gaussians(
        _ condition: DynamicCondition, history: HairMotionHistory, correction: (rotation: Variable, translation: Variable)? = nil,
        on tape: Tape?
    ) -> (gaussians: GaussianVariables, hairPositions: Tensor) {
        let lambda = expressionWeights
        let x0 = base.positions.variable(on: tape), f0 = base.features.variable(on: tape)
        let theta = Variable(Tensor(shape: [1, condition.expression.count], scalars: condition.expression))
        let beta = Variable(Tensor(shape: [1, 6], scalars: condition.pose))
        var deformed = x0 + base.networks.displacement(points: x0, expression: theta, pose: beta, expressionWeights: lambda, on: tape)
        var colors = base.networks.color(features: f0, expression: theta, pose: beta, expressionWeights: lambda, on: tape)
        var shifts = base.attributes.shifts(features: f0, expression: theta, pose: beta, expressionWeights: lambda, on: tape)
        if dynamicHair && !parts.hairIndices.isEmpty {
            let offsets = hairOffsets(hairX0: x0.gatherRows(parts.hairIndices), pose: beta, history: history, on: tape)
            deformed = deformed + scattered(offsets.offset)
            colors = colors + scattered(offsets.color)
            shifts = shifts + scattered(offsets.attributes)
        }
        let hairPositions = Variable(deformed.value).gatherRows(parts.hairIndices).value
        let scales = base.logScales.variable(on: tape) + shifts.slice(0..<3, axis: 1) + log(condition.transform.stretch)
        let localRotations = base.rotations.variable(on: tape) + shifts.slice(3..<7, axis: 1)
        let opacity = base.opacityLogits.variable(on: tape) + shifts.slice(7..<8, axis: 1)
        var world = condition.transform.apply(means: deformed, rotations: localRotations)
        if let correction {
            world = RigidOffset.apply(
                means: world.means, rotations: world.rotations, rotationOffset: correction.rotation,
                translationOffset: correction.translation, pivot: condition.transform.pivot + condition.transform.translation)
        }
        let gaussians = GaussianVariables(
            means: world.means, rotations: world.rotations, logScales: scales, opacityLogits: opacity,
            features: colors, appearance: .features(channels: base.configuration.networks.colorChannels))
        return (gaussians, hairPositions)
    }
}
