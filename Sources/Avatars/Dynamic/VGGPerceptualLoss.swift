import Foundation
import Tensors

/// The perceptual term of GHA's eq. 8 with user-supplied VGG16 weights: an LPIPS-style distance
/// without LPIPS's learnt per-channel weights (Zhang et al. 2018, "lin" layers all 1).
///
/// Both images (RGB in [0, 1], `[3, H, W]` or `[1, 3, H, W]`) are ImageNet-normalised
/// (mean 0.485 0.456 0.406, std 0.229 0.224 0.225) and run through VGG16's first four blocks
/// (3×3 convolutions with zero padding 1, each followed by ReLU; 2×2 max pooling between blocks).
/// At the taps relu1_2, relu2_2, relu3_3 and — when the shorter image side is at least
/// `deepestTapMinimumSide` — relu4_3, each pixel's feature vector is divided by its Euclidean norm
/// over the channels, and the loss is Σ_taps mean_pixels Σ_channels (f̂(x) − f̂(y))²: 0 for identical
/// images, at most 4 per tap. Gradients flow into the first image only; the second is the target.
///
/// Weights come from a safetensors file with torchvision's `vgg16().features` names and shapes
/// (`features.0.weight` `[64, 3, 3, 3]`, `features.0.bias` `[64]`, `features.2.*`, `features.5.*`,
/// `features.7.*`, `features.10.*`, `features.12.*`, `features.14.*`, `features.17.*`,
/// `features.19.*`, `features.21.*`, see `requiredTensors`), float32. Nothing is downloaded.
public struct VGGPerceptualLoss: Sendable {
    /// Output channels of VGG16's first four blocks.
    public static let vgg16Widths = [64, 128, 256, 512]
    /// 3×3 convolutions per block in VGG16.
    public static let blockDepths = [2, 2, 3, 3]
    /// ImageNet channel means (torchvision's normalisation).
    public static let imageNetMean: [Float] = [0.485, 0.456, 0.406]
    /// ImageNet channel standard deviations.
    public static let imageNetStandardDeviation: [Float] = [0.229, 0.224, 0.225]
    /// Shorter image side, pixels, from which relu4_3 (1/8 resolution, ≥ 8×8 features) is compared too.
    public static let deepestTapMinimumSide = 64
    /// Shorter image side, pixels, the loss needs (relu3_3 comes after two 2×2 poolings).
    public static let minimumSide = 4
    /// Squared-norm floor of the channel normalisation (keeps all-zero ReLU vectors finite).
    static let normalisationEpsilon: Float = 1e-10

    /// One 3×3 convolution: weight `[Cout, Cin, 3, 3]`, bias `[Cout]`.
    struct Convolution: Sendable {
        var weight: Tensor
        var bias: Tensor
    }

    /// The convolutions of each block, in order.
    let blocks: [[Convolution]]

    /// The tensors a weights file must hold for blocks of `widths` (VGG16 by default), in network
    /// order: torchvision `features.<index>` names (conv, ReLU alternate; a pooling layer ends each block).
    public static func requiredTensors(widths: [Int] = vgg16Widths) -> [(name: String, shape: [Int])] {
        var tensors: [(name: String, shape: [Int])] = []
        var index = 0, inputChannels = 3
        for (block, width) in widths.enumerated() {
            for _ in 0..<blockDepths[block] {
                tensors.append(("features.\(index).weight", [width, inputChannels, 3, 3]))
                tensors.append(("features.\(index).bias", [width]))
                inputChannels = width
                index += 2
            }
            index += 1
        }
        return tensors
    }

    /// Loads the weights from a safetensors file (see the type's documentation).
    /// - Parameter widths: block widths; VGG16's unless a test uses a narrower network of the same layout.
    /// - Throws: `VGGWeightsError` naming the file and, for a missing or mis-shaped tensor, the tensor.
    public init(contentsOf url: URL, widths: [Int] = vgg16Widths) throws {
        let advice = "make it from torchvision's vgg16 (docs/gaussian-head-avatar.md, \"VGG perceptual loss\") or use perceptual: dssim"
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw VGGWeightsError("VGG weights file \(url.path) does not exist; \(advice)")
        }
        let tensors: [String: Tensor]
        do {
            tensors = try Safetensors.read(from: url).tensors
        } catch {
            throw VGGWeightsError("cannot read the VGG weights: \(error); \(advice)")
        }
        try self.init(weights: tensors, widths: widths, source: url.path, advice: advice)
    }

    /// Takes the weights from named tensors (torchvision names); `source` names them in errors.
    /// - Throws: `VGGWeightsError` naming the first missing or mis-shaped tensor.
    public init(
        weights: [String: Tensor], widths: [Int] = vgg16Widths, source: String,
        advice: String = "supply torchvision vgg16 `features` weights or use perceptual: dssim"
    ) throws {
        guard widths.count >= 1, widths.count <= Self.blockDepths.count, widths.allSatisfy({ $0 > 0 }) else {
            throw VGGWeightsError("VGG block widths \(widths) are invalid: give 1 to \(Self.blockDepths.count) positive widths")
        }
        var convolutions: [Convolution] = []
        let required = Self.requiredTensors(widths: widths)
        for pair in stride(from: 0, to: required.count, by: 2) {
            var values: [Tensor] = []
            for (name, shape) in required[pair...(pair + 1)] {
                guard let tensor = weights[name] else {
                    throw VGGWeightsError(
                        "\(source) lacks tensor '\(name)' (shape \(shape)); the file must hold torchvision vgg16 `features` weights up to relu\(widths.count)_\(Self.blockDepths[widths.count - 1]); \(advice)"
                    )
                }
                guard tensor.shape == shape else {
                    throw VGGWeightsError("\(source): tensor '\(name)' has shape \(tensor.shape), expected \(shape) (torchvision vgg16 `features`); \(advice)")
                }
                values.append(tensor)
            }
            convolutions.append(Convolution(weight: values[0], bias: values[1]))
        }
        var blocks: [[Convolution]] = []
        for depth in Self.blockDepths.prefix(widths.count) {
            blocks.append(Array(convolutions.prefix(depth)))
            convolutions.removeFirst(depth)
        }
        self.blocks = blocks
    }

    /// The ReLU features at the end of each block (relu1_2, relu2_2, relu3_3, relu4_3) of an RGB
    /// image in [0, 1], `[1, 3, H, W]`; the last block only if the shorter side allows it.
    public func features(_ image: Variable) -> [Variable] {
        precondition(image.rank == 4 && image.shape[0] == 1 && image.shape[1] == 3, "VGG features need [1, 3, H, W], got \(image.shape)")
        let mean = Variable(Tensor(shape: [1, 3, 1, 1], scalars: Self.imageNetMean))
        let deviation = Variable(Tensor(shape: [1, 3, 1, 1], scalars: Self.imageNetStandardDeviation))
        var x = (image - mean) / deviation
        var taps: [Variable] = []
        let shorterSide = min(image.shape[2], image.shape[3])
        let blockCount = shorterSide >= Self.deepestTapMinimumSide ? blocks.count : min(blocks.count, 3)
        for (b, block) in blocks.prefix(blockCount).enumerated() {
            if b > 0 { x = x.maxPooled2d(window: 2) }
            for convolution in block {
                x = x.conv2d(weight: Variable(convolution.weight), bias: Variable(convolution.bias), padding: 1).relu()
            }
            taps.append(x)
        }
        return taps
    }

    /// The distance of `image` to `target` (same shape, `[3, H, W]` or `[1, 3, H, W]`, H and W at
    /// least `minimumSide`): Σ_taps mean over pixels of the squared difference of the
    /// channel-normalised features. Records on `image`'s tape; `target` is a constant.
    public func callAsFunction(_ image: Variable, _ target: Variable) -> Variable {
        precondition(image.shape == target.shape, "VGG loss needs images of one shape, got \(image.shape) and \(target.shape)")
        let shape = [1, 3, image.shape[image.rank - 2], image.shape[image.rank - 1]]
        let predicted = features(image.reshaped(shape))
        let reference = features(Variable(target.value.reshaped(shape)))
        var total: Variable?
        for (p, r) in zip(predicted, reference) {
            let term = (Self.channelNormalised(p) - Self.channelNormalised(r)).square().sum(axis: 1).mean()
            total = total.map { $0 + term } ?? term
        }
        return total!
    }

    /// `f / √(Σ_c f² + ε)` per pixel of `[1, C, h, w]` features.
    static func channelNormalised(_ features: Variable) -> Variable {
        features / (features.square().sum(axis: 1, keepingAxis: true) + normalisationEpsilon).squareRoot()
    }
}
