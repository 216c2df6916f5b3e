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
        let encoded = encoding(points)
        let exp = expressionDeformation(encoded, condition: expression, on: tape)
        let posed = poseDeformation(encoded, condition: encoding(pose), on: tape)
        return Self.blend(exp, posed, expressionWeights)
    }

    /// f_def^exp(x, θ) alone, e.g. for the landmarks P (eq. 12).
    public func expressionDisplacement(points: Variable, expression: Variable, on tape: Tape?) -> Variable {
        expressionDeformation(encoding(points), condition: expression, on: tape)
    }

    /// f_def^pose(x, β) alone, e.g. for the offset regulariser.
    public func poseDisplacement(points: Variable, pose: Variable, on tape: Tape?) -> Variable {
        poseDeformation(encoding(points), condition: encoding(pose), on: tape)
    }

    /// λ_exp·f_col^exp(F, θ) + λ_pose·f_col^pose(F, β) for `features [N, featureWidth]` (eq. 4), `[N, colorChannels]`.
    public func color(features: Variable, expression: Variable, pose: Variable, expressionWeights: Tensor, on tape: Tape?) -> Variable {
        let exp = expressionColor(features, condition: expression, on: tape)
        let posed = poseColor(features, condition: encoding(pose), on: tape)
        return Self.blend(exp, posed, expressionWeights)
    }

    /// λ·a + (1 − λ)·b with λ `[N, 1]` broadcast over the columns.
    static func blend(_ a: Variable, _ b: Variable, _ lambda: Tensor) -> Variable {
        let weight = Variable(lambda)
        return a * weight + b * (1 - weight)
    }
}
