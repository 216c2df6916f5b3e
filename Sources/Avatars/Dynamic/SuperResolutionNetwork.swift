import Tensors

/// Sizes of GHA's super-resolution network Ψ (§4.2): the feature image is upsampled by `factor`
/// (1, 2 or 4) to RGB.
///
/// Official decoder (×4): DoubleConv(32 → 128), then twice bilinear ×2 + DoubleConv (128 → 64 → 32),
/// then a 1×1 convolution and a sigmoid — `widths = [128, 64, 32]`. `widths` has log2(factor) + 1
/// entries: the first DoubleConv's output width, then one per upsampling step.
public struct SuperResolutionConfiguration: Codable, Sendable, Equatable {
    /// Upsampling factor from the rendered feature image to the output image (1, 2 or 4; paper 4).
    public var factor: Int
    /// Channels of the input feature image (paper 32).
    public var inputChannels: Int
    /// Output widths of the DoubleConv blocks (paper [128, 64, 32]).
    public var widths: [Int]
    /// Predict a correction of the bilinearly upsampled first three feature channels (I_lr) instead
    /// of the RGB itself: output = up(I_lr) + conv₁ₓ₁(…), the 1×1 convolution starting at zero, no
    /// sigmoid. Not in the paper (false reproduces it); short CPU schedules converge much faster,
    /// since the output starts at the directly supervised I_lr — background included.
    public var residual: Bool
    /// Instance normalisation after each 3×3 convolution of the DoubleConv blocks (paper: true).
    /// Without it every output pixel depends only on a bounded neighbourhood
    /// (`receptiveFieldRadius`), so an image can be upsampled tile by tile with the same result as
    /// whole; the `superres.*` stages train without it. Absent in older files: true.
    public var instanceNormalization: Bool

    enum CodingKeys: String, CodingKey {
        case factor, inputChannels, widths, residual, instanceNormalization
    }

    /// Creates a configuration; `widths.count` must be log2(factor) + 1 (checked by `validate`).
    public init(factor: Int, inputChannels: Int, widths: [Int], residual: Bool = false, instanceNormalization: Bool = true) {
        self.factor = factor
        self.inputChannels = inputChannels
        self.widths = widths
        self.residual = residual
        self.instanceNormalization = instanceNormalization
    }

    /// Decodes a configuration; files written before `instanceNormalization` existed get true.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        factor = try container.decode(Int.self, forKey: .factor)
        inputChannels = try container.decode(Int.self, forKey: .inputChannels)
        widths = try container.decode([Int].self, forKey: .widths)
        residual = try container.decode(Bool.self, forKey: .residual)
        instanceNormalization = try container.decodeIfPresent(Bool.self, forKey: .instanceNormalization) ?? true
    }

    /// How far, in input pixels, an output pixel's value reaches (without instance normalisation):
    /// each DoubleConv adds two 3×3 taps at its resolution, each bilinear ×2 one source pixel at the
    /// lower one; rounded up. With instance normalisation the network is global.
    public var receptiveFieldRadius: Int {
        var radius = 0.0, scale = 1.0
        for index in widths.indices {
            if index > 0 {
                radius += 1 / scale
                scale *= 2
            }
            radius += 2 / scale
        }
        return Int(radius.rounded(.up))
    }

    /// Number of bilinear ×2 steps.
    public var upsamplingSteps: Int { factor == 4 ? 2 : factor == 2 ? 1 : 0 }

    /// Throws `AvatarError` if the factor is not 1, 2 or 4 or the widths do not match it.
    public func validate() throws {
        guard [1, 2, 4].contains(factor) else {
            throw AvatarError("super-resolution factor \(factor) is not supported; use 1, 2 or 4")
        }
        guard widths.count == upsamplingSteps + 1, widths.allSatisfy({ $0 > 0 }), inputChannels >= 3 else {
            throw AvatarError(
                "super-resolution widths \(widths) need \(upsamplingSteps + 1) positive entries for factor \(factor) (and at least 3 input channels, got \(inputChannels))"
            )
        }
    }
}

/// GHA's super-resolution network Ψ: DoubleConv blocks (3×3 conv, optional instance norm, ReLU, twice) with
/// bilinear ×2 upsampling between them, then a 1×1 convolution and a sigmoid to RGB in [0, 1]
/// (or, with `residual`, a zero-initialised 1×1 convolution added to the upsampled I_lr).
public struct SuperResolutionNetwork: Layer {
    /// The sizes.
    public let configuration: SuperResolutionConfiguration
    /// The DoubleConv blocks; block i > 0 follows the i-th bilinear ×2 upsampling.
    public let blocks: [DoubleConv]
    /// The 1×1 convolution to RGB.
    public let output: Conv2d

    /// Randomly initialised network (paper: random initialisation, §4.3 "Parameters Transfer").
    public init(configuration: SuperResolutionConfiguration, generator: inout SplitMix64) throws {
        try configuration.validate()
        self.configuration = configuration
        var blocks: [DoubleConv] = []
        var channels = configuration.inputChannels
        for width in configuration.widths {
            blocks.append(
                DoubleConv(
                    inputChannels: channels, outputChannels: width, instanceNormalization: configuration.instanceNormalization,
                    activation: .relu, generator: &generator))
            channels = width
        }
        self.blocks = blocks
        output = Conv2d(
            inputChannels: channels, outputChannels: 3, kernelSize: 1,
            initialization: configuration.residual ? .zeros : .kaimingUniform, activation: .sigmoid, generator: &generator)
    }

    /// `blocks.<i>.first|second.weight`, `output.weight|bias`.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        blocks.enumerated().flatMap { index, block in block.namedParameters.map { ("blocks.\(index).\($0.name)", $0.parameter) } }
            + output.namedParameters.map { ("output.\($0.name)", $0.parameter) }
    }

    /// Maps a feature image `[1, C, h, w]` to RGB `[1, 3, h·factor, w·factor]` (in [0, 1] unless `residual`).
    public func callAsFunction(_ features: Variable, on tape: Tape?) -> Variable {
        var x = features
        for (index, block) in blocks.enumerated() {
            if index > 0 { x = x.upsampledBilinear(scale: 2) }
            x = block(x, on: tape)
        }
        guard configuration.residual else { return output(x, on: tape).sigmoid() }
        var base = features.slice(0..<3, axis: 1)
        for _ in 0..<configuration.upsamplingSteps { base = base.upsampledBilinear(scale: 2) }
        return base + output(x, on: tape)
    }
}
