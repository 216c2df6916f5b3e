/// Fully connected layer y = x Wᵀ + b (PyTorch layout: weight `[out, in]`, bias `[out]`), one GEMM.
/// Equivalent to the 1×1 convolutions GHA uses as per-point MLP layers.
public struct Linear: Layer {
    /// `[outputs, inputs]`.
    public let weight: Parameter
    /// `[outputs]`, or nil for no bias.
    public let bias: Parameter?

    /// A layer with weights drawn by `initialization` (gain for the following `activation`) and zero bias.
    public init(
        inputs: Int, outputs: Int, bias hasBias: Bool = true, initialization: Initialization = .kaimingUniform,
        activation: Activation = .none, generator: inout SplitMix64
    ) {
        weight = Parameter(
            initialization.weights(
                shape: [outputs, inputs], fanIn: inputs, fanOut: outputs,
                gain: activation.kaimingGain, generator: &generator))
        bias = hasBias ? Parameter(Tensor(zeros: [outputs])) : nil
    }

    /// Input and output widths.
    public var inputs: Int { weight.shape[1] }
    /// Output width.
    public var outputs: Int { weight.shape[0] }

    /// `weight` and (if present) `bias`.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    /// Applies the layer to `[N, inputs]`; parameters join `tape` (nil: inference).
    public func callAsFunction(_ x: Variable, on tape: Tape?) -> Variable {
        x.linear(weight: weight.variable(on: tape), bias: bias?.variable(on: tape))
    }

    /// Applies the layer to `[x, c]` for `x [N, inputs − C]` and one condition row `c [1, C]` shared
    /// by every row (`Variable.linear(weight:bias:condition:)`: c's rows are never built).
    public func callAsFunction(_ x: Variable, condition: Variable, on tape: Tape?) -> Variable {
        x.linear(weight: weight.variable(on: tape), bias: bias?.variable(on: tape), condition: condition)
    }
}
