import Tensors

/// GHA's four conditioned MLPs (eq. 3–4): expression and pose deformation of canonical points and
/// expression and pose colour of per-point features, blended by λ_exp / λ_pose (`ExpressionBlend`).
/// The mesh guidance trains them on a mesh (§4.3); the dynamic Gaussians inherit them (parameter
/// transfer) — hence one type in the shared Avatars library.
///
/// Points are canonical (`CanonicalHeadSpace`); θ = `CanonicalHeadSpace.expressionCondition`,
/// β = `CanonicalHeadSpace.poseCondition`. Points and β are positionally encoded; θ and features are not.
public struct DynamicHeadNetworks: Layer {
    /// The sizes.
    public let configuration: DynamicHeadNetworkConfiguration
    /// f_def^exp: [γ(x), θ] → Δx.
    public let expressionDeformation: MLP
    /// f_def^pose: [γ(x), γ(β)] → Δx.
    public let poseDeformation: MLP
    /// f_col^exp: [F, θ] → C.
    public let expressionColor: MLP
    /// f_col^pose: [F, γ(β)] → C.
    public let poseColor: MLP
    /// γ, the positional encoding.
    public let encoding: PositionalEncoding

    /// Randomly initialised networks; the deformation heads start at exactly zero displacement.
    public init(configuration: DynamicHeadNetworkConfiguration, generator: inout SplitMix64) {
        self.configuration = configuration
        let encoding = PositionalEncoding(frequencies: configuration.frequencies)
        self.encoding = encoding
        let point = encoding.outputWidth(inputWidth: 3), pose = encoding.outputWidth(inputWidth: 6)
        func mlp(_ input: Int, _ hidden: [Int], _ output: Int, deformation: Bool) -> MLP {
            MLP(
                widths: [input] + hidden + [output], activation: .leakyReLU(slope: 0.01),
                finalActivation: deformation ? .tanh : .none, outputScale: deformation ? configuration.deformationScale : 1,
                inputSkipLayers: hidden.count >= 4 ? [hidden.count / 2 + 1] : [], zeroLastLayer: deformation, generator: &generator)
        }
        expressionDeformation = mlp(point + configuration.expressionWidth, configuration.expressionDeformationHidden, 3, deformation: true)
        poseDeformation = mlp(point + pose, configuration.poseDeformationHidden, 3, deformation: true)
        expressionColor = mlp(
            configuration.featureWidth + configuration.expressionWidth, configuration.expressionColorHidden,
            configuration.colorChannels, deformation: false)
        poseColor = mlp(configuration.featureWidth + pose, configuration.poseColorHidden, configuration.colorChannels, deformation: false)
    }

    /// `exp_deform.*`, `pose_deform.*`, `exp_color.*`, `pose_color.*`.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        [("exp_deform", expressionDeformation), ("pose_deform", poseDeformation), ("exp_color", expressionColor), ("pose_color", poseColor)]
            .flatMap { prefix, network in network.namedParameters.map { ("\(prefix).\($0.name)", $0.parameter) } }
    }

    /// λ_exp·f_def^exp(x, θ) + λ_pose·f_def^pose(x, β) for canonical `points [N, 3]`, θ `expression [1, E]`,
    /// β `pose [1, 6]`, λ_exp `[N, 1]` (eq. 3 without the X0 term).
    public func displacement(points: Variable, expression: Variable, pose: Variable, expressionWeights: Tensor, on tape: Tape?) -> Variable {
        let encodedPose = encoding(pose)
        return Self.blend(encoding(points), expressionWeights) { rows in
            expressionDeformation(rows, condition: expression, on: tape)
        } pose: { rows in
            poseDeformation(rows, condition: encodedPose, on: tape)
        }
    }

    /// f_def^exp(x, θ) alone, e.g. for the landmarks P (eq. 12).
    public func expressionDisplacement(points: Variable, expression: Variable, on tape: Tape?) -> Variable {
        expressionDeformation(encoding(points), condition: expression, on: tape)
    }

    /// f_def^pose(x, β) alone, e.g. for the offset regulariser.
    public func poseDisplacement(points: Variable, pose: Variable, on tape: Tape?) -> Variable {
        poseDeformation(encoding(points), condition: encoding(pose), on: tape)
    }

    /// λ_exp·f_def^exp(x, θ) `[N, 3]`, the expression half of `displacement` on its own (EAvatar
    /// propagates it separately): the MLP runs only on the rows with λ_exp > 0.
    public func weightedExpressionDisplacement(points: Variable, expression: Variable, expressionWeights: Tensor, on tape: Tape?) -> Variable {
        Self.weighted(encoding(points), expressionWeights, complement: false) { rows in
            expressionDeformation(rows, condition: expression, on: tape)
        } ?? Variable(Tensor(zeros: [points.shape[0], 3]))
    }

    /// (1 − λ_exp)·f_def^pose(x, β) `[N, 3]`, the pose half of `displacement` on its own: the MLP
    /// runs only on the rows with λ_exp < 1.
    public func weightedPoseDisplacement(points: Variable, pose: Variable, expressionWeights: Tensor, on tape: Tape?) -> Variable {
        let encodedPose = encoding(pose)
        return Self.weighted(encoding(points), expressionWeights, complement: true) { rows in
            poseDeformation(rows, condition: encodedPose, on: tape)
        } ?? Variable(Tensor(zeros: [points.shape[0], 3]))
    }

    /// λ_exp·f_col^exp(F, θ) + λ_pose·f_col^pose(F, β) for `features [N, featureWidth]` (eq. 4), `[N, colorChannels]`.
    public func color(features: Variable, expression: Variable, pose: Variable, expressionWeights: Tensor, on tape: Tape?) -> Variable {
        let encodedPose = encoding(pose)
        return Self.blend(features, expressionWeights) { rows in
            expressionColor(rows, condition: expression, on: tape)
        } pose: { rows in
            poseColor(rows, condition: encodedPose, on: tape)
        }
    }

    /// λ·expression(x) + (1 − λ)·pose(x) row by row for `input [N, …]` and λ `[N, 1]` (eq. 3–4's
    /// blend), running each branch only on the rows whose weight for it is non-zero: far from the
    /// landmarks λ_exp = 0 and near them λ_pose = 0, so each MLP skips about half of the points (GHA's
    /// CPU preset: 48 % of the guidance mesh's vertices have λ_exp = 0, 35 % have λ_pose = 0). A
    /// branch must act on each row alone (per-point MLPs do); the values and gradients are those of
    /// evaluating both branches on every row, up to the rounding of the shorter products.
    static func blend(
        _ input: Variable, _ lambda: Tensor, expression: (Variable) -> Variable, pose: (Variable) -> Variable
    ) -> Variable {
        let expressionPart = weighted(input, lambda, complement: false, expression)
        let posePart = weighted(input, lambda, complement: true, pose)
        switch (expressionPart, posePart) {
        case (let a?, let b?): return a + b
        case (let a?, nil): return a
        case (nil, let b?): return b
        case (nil, nil): return expression(input)  // no rows: an empty `[0, width]` result
        }
    }

    /// λ·branch(x) row by row (`complement`: (1 − λ)·branch(x)), `branch` run only on the rows whose
    /// weight is positive and zeros elsewhere; nil when no row has a positive weight.
    static func weighted(_ input: Variable, _ lambda: Tensor, complement: Bool, _ branch: (Variable) -> Variable) -> Variable? {
        let count = lambda.shape[0]
        var rows: [Int32] = [], weights: [Float] = []
        lambda.withUnsafeBufferPointer { values in
            for row in 0..<count {
                let weight = complement ? 1 - values[row] : values[row]
                if weight > 0 {
                    rows.append(Int32(row))
                    weights.append(weight)
                }
            }
        }
        if rows.isEmpty { return nil }
        let weight = Variable(Tensor(shape: [rows.count, 1], scalars: weights))
        if rows.count == count { return branch(input) * weight }
        return (branch(input.gatherRows(rows)) * weight).scatterAddRows(rows, rowCount: count)
    }
}
