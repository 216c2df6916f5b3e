import Avatars
import Foundation
import MediaIO
import Tensors

@testable import SuperResolution

/// Test images with sharp edges (where a learned upsampler has something to learn over bicubic):
/// a light background with `shapes` axis-aligned rectangles and discs of seeded random colours.
func edgeImage(width: Int, height: Int, seed: UInt64, shapes: Int = 12) -> Image8 {
    var generator = Tensors.SplitMix64(seed: seed)
    func uniform() -> Double { Double(generator.next() % 1_000_000) / 1_000_000 }
    var image = Image8(width: width, height: height, channels: 3, filledWith: 230)
    for _ in 0..<shapes {
        let colour = (0..<3).map { _ in UInt8(20 + 200 * uniform()) }
        let cx = uniform() * Double(width), cy = uniform() * Double(height)
        let rx = 2 + uniform() * Double(width) / 4, ry = 2 + uniform() * Double(height) / 4
        let disc = uniform() < 0.5
        for y in 0..<height {
            for x in 0..<width {
                let dx = (Double(x) + 0.5 - cx) / rx, dy = (Double(y) + 0.5 - cy) / ry
                guard disc ? dx * dx + dy * dy <= 1 : abs(dx) <= 1 && abs(dy) <= 1 else { continue }
                for c in 0..<3 { image[x, y, c] = colour[c] }
            }
        }
    }
    return image
}

/// `image` shrunk by `factor` with a box filter (the mean of each factor × factor block), the way
/// a camera at the lower resolution would integrate it.
func boxDownsampled(_ image: Image8, factor: Int) -> Image8 {
    let width = image.width / factor, height = image.height / factor
    var result = Image8(width: width, height: height, channels: image.channels)
    for y in 0..<height {
        for x in 0..<width {
            for c in 0..<image.channels {
                var sum = 0
                for dy in 0..<factor { for dx in 0..<factor { sum += Int(image[x * factor + dx, y * factor + dy, c]) } }
                result[x, y, c] = UInt8((sum + factor * factor / 2) / (factor * factor))
            }
        }
    }
    return result
}

/// `image` with an alpha channel: a soft disc in the middle (255 inside, falling to 0 at the edge).
func withDiscAlpha(_ image: Image8) -> Image8 {
    var result = image.withChannels(4, opaque: 255)
    let radius = Double(min(image.width, image.height)) / 2
    for y in 0..<image.height {
        for x in 0..<image.width {
            let dx = Double(x) + 0.5 - Double(image.width) / 2, dy = Double(y) + 0.5 - Double(image.height) / 2
            let r = (dx * dx + dy * dy).squareRoot() / radius
            result[x, y, 3] = UInt8(max(0, min(255, (1.2 - r) * 4 * 255)))
        }
    }
    return result
}

/// A small tileable network (no instance normalisation).
func tileableNetwork(factor: Int, residual: Bool = true, seed: UInt64 = 1) throws -> SuperResolutionNetwork {
    var generator = Tensors.SplitMix64(seed: seed)
    let widths = factor == 4 ? [8, 6, 4] : [8, 4]
    let configuration = SuperResolutionConfiguration(factor: factor, inputChannels: 3, widths: widths, residual: residual, instanceNormalization: false)
    let network = try SuperResolutionNetwork(configuration: configuration, generator: &generator)
    if residual {
        // The zero-initialised output convolution would hide the blocks; give it random weights.
        network.output.weight.value = Tensor.uniform(shape: network.output.weight.shape, low: -0.3, high: 0.3, generator: &generator)
    }
    return network
}

/// Pairs of box-downsampled edge images and their originals.
func edgePairs(count: Int, size: Int, factor: Int, firstSeed: UInt64) -> [TrainingPair] {
    (0..<count).map { index in
        let high = edgeImage(width: size, height: size, seed: firstSeed + UInt64(index))
        return TrainingPair(low: boxDownsampled(high, factor: factor), high: high, camera: "cam0", frame: index)
    }
}

/// Quick trainer settings for tests.
func quickSettings(iterations: Int, seed: UInt64 = 0, crop: Int = 16, batch: Int = 4) -> SuperResolutionTrainingSettings {
    SuperResolutionTrainingSettings(
        iterations: iterations, seed: seed, crop: crop, batch: batch, learningRate: 3e-3, learningRateDecay: 0.1, perceptual: .dssim,
        perceptualWeight: 0.2, checkpointInterval: 1000, logInterval: 1000)
}
