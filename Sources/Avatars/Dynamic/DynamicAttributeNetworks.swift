import Tensors

/// GHA's attribute MLPs f_att^exp and f_att^pose (eq. 5): shifts of the neutral scale (3, log
/// space), rotation (4, quaternion) and opacity (1, logit) predicted from the per-point features F0
/// and the expression θ or the encoded head pose γ(β), blended by λ_exp / λ_pose.
///
/// Official widths: exp_attributes [F + E, 256, 256, 256, 8], pose_attributes [F + 54, 128, 128, 8],
/// output × 0.2. The paper initialises them randomly; the last layer starts at zero here so that
/// training starts exactly from the 3DGS initialisation of Q0, S0, A0.
public struct DynamicAttributeNetworks: Layer {
    /// Floats per point: 3 log-scale + 4 rotation + 1 opacity-logit shifts.
    public static let outputWidth = 8
    /// f_att^exp: [F, θ] → shifts.
    public let expression: MLP
    /// f_att^pose: [F, γ(β)] → shifts.
    public let pose: MLP
    /// γ, the positional encoding of β (same as the deformation networks').
    public let encoding: PositionalEncoding

    /// Randomly initialised networks with zero last layers.
    public init(
        featureWidth: Int, expressionWidth: Int, frequencies: Int, expressionHidden: [Int], poseHidden: [Int],
        outputScale: Float, generator: inout SplitMix64
    ) {
        encoding = PositionalEncoding(frequencies: frequencies)
        let encodedPose = encoding.outputWidth(inputWidth: 6)
        expression = MLP(
            widths: [featureWidth + expressionWidth] + expressionHidden + [Self.outputWidth], activation: .leakyReLU(slope: 0.01),
            outputScale: outputScale, zeroLastLayer: true, generator: &generator)
        pose = MLP(
            widths: [featureWidth + encodedPose] + poseHidden + [Self.outputWidth], activation: .leakyReLU(slope: 0.01),
            outputScale: outputScale, zeroLastLayer: true, generator: &generator)
    }

    /// `exp_attributes.*`, `pose_attributes.*`.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        expression.namedParameters.map { ("exp_attributes.\($0.name)", $0.parameter) }
            + pose.namedParameters.map { ("pose_attributes.\($0.name)", $0.parameter) }
    }

    /// λ_exp·f_att^exp(F, θ) + λ_pose·f_att^pose(F, β) for `features [N, F]`, θ `[1, E]`, β `[1, 6]`,
    /// λ_exp `[N, 1]`: `[N, 8]` (log-scale 0..<3, rotation 3..<7, opacity 7).
    public func shifts(
        features: Variable, expression condition: Variable, pose beta: Variable, expressionWeights: Tensor,
        on tape: Tape?
    ) -> Variable {
        let encodedPose = encoding(beta)
        return DynamicHeadNetworks.blend(features, expressionWeights) { rows in
            expression(rows, condition: condition, on: tape)
        } pose: { rows in
            pose(rows, condition: encodedPose, on: tape)
        }
    }
}
