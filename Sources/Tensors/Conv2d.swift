/// 2-D convolution layer on NCHW tensors (stride 1, square kernel, zero "same" padding by default).
public struct Conv2d: Layer {
    /// `[outputChannels, inputChannels, k, k]`.
    public let weight: Parameter
    /// `[outputChannels]`, or nil.
    public let bias: Parameter?
    /// Zero padding on each side.
    public let padding: Int

    /// A convolution with Kaiming/Xavier weights (fan-in = Cin·k², fan-out = Cout·k²) and zero bias.
    /// `padding` defaults to k/2, which keeps H and W for odd k.
    public init(
        inputChannels: Int, outputChannels: Int, kernelSize: Int, padding: Int? = nil, bias hasBias: Bool = true,
        initialization: Initialization = .kaimingUniform, activation: Activation = .none, generator: inout SplitMix64
    ) {
        let area = kernelSize * kernelSize
        weight = Parameter(
            initialization.weights(
                shape: [outputChannels, inputChannels, kernelSize, kernelSize],
                fanIn: inputChannels * area, fanOut: outputChannels * area,
                gain: activation.kaimingGain, generator: &generator))
        bias = hasBias ? Parameter(Tensor(zeros: [outputChannels])) : nil
        self.padding = padding ?? kernelSize / 2
    }

    /// `weight` and (if present) `bias`.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    /// Convolves `[N, Cin, H, W]`; parameters join `tape` (nil: inference).
    public func callAsFunction(_ x: Variable, on tape: Tape?) -> Variable {
        x.conv2d(weight: weight.variable(on: tape), bias: bias?.variable(on: tape), padding: padding)
    }
}
