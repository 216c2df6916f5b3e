/// The U-Net "DoubleConv" block used by Gaussian Head Avatar's super-resolution decoder:
/// (3×3 conv → optional instance norm → activation) × 2.
///
/// GHA (see reference/method-settings.md) uses InstanceNorm + ReLU. Our defaults keep the instance
/// norm but use LeakyReLU(0.2): at the narrow CPU-preset widths (32–48 channels) dead ReLU channels
/// cost noticeable capacity. Pass `activation: .relu` for the paper's exact block. With a norm the
/// convolutions have no bias (the norm removes it anyway).
public struct DoubleConv: Layer {
    /// First and second 3×3 convolutions.
    public let first: Conv2d, second: Conv2d
    /// Whether each convolution is followed by instance normalisation.
    public let instanceNormalization: Bool
    /// Activation after each (normalised) convolution.
    public let activation: Activation

    /// A block mapping `inputChannels` → `outputChannels` (through `middleChannels`, default the output).
    public init(
        inputChannels: Int, outputChannels: Int, middleChannels: Int? = nil, instanceNormalization: Bool = true,
        activation: Activation = .leakyReLU(slope: 0.2), generator: inout SplitMix64
    ) {
        let middle = middleChannels ?? outputChannels
        first = Conv2d(
            inputChannels: inputChannels, outputChannels: middle, kernelSize: 3, bias: !instanceNormalization,
            activation: activation, generator: &generator)
        second = Conv2d(
            inputChannels: middle, outputChannels: outputChannels, kernelSize: 3, bias: !instanceNormalization,
            activation: activation, generator: &generator)
        self.instanceNormalization = instanceNormalization
        self.activation = activation
    }

    /// `first.*`, `second.*`.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        prefixed("first", first) + prefixed("second", second)
    }

    /// Applies the block to `[N, Cin, H, W]` → `[N, Cout, H, W]`.
    public func callAsFunction(_ x: Variable, on tape: Tape?) -> Variable {
        var y = first(x, on: tape)
        if instanceNormalization { y = y.instanceNormalized() }
        y = activation(y)
        y = second(y, on: tape)
        if instanceNormalization { y = y.instanceNormalized() }
        return activation(y)
    }
}
