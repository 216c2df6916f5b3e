import Avatars
import Foundation
import MediaIO
import Tensors

// Times the super-resolution stages' per-image work without disk I/O, at the presets of
// Pipelines/gaussian-avatars-sr.yaml: a 128² RGB image upsampled ×2 to 256² by the learned network
// (width 32, tiles of 64 and the whole image) and by swscale bicubic; one training step of
// superres.train (4 crops of 32², L1 + D-SSIM, backward, Adam). Medians of 10 runs after 2
// warm-ups. Prints one JSON object.

func milliseconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
}

func median(_ body: () throws -> Void) rethrows -> Double {
    var times: [Double] = []
    for repetition in 0..<12 {
        let time = try milliseconds(body)
        if repetition >= 2 { times.append(time) }
    }
    return times.sorted()[times.count / 2]
}

var generator = Tensors.SplitMix64(seed: 3)
let configuration = SuperResolutionConfiguration(factor: 2, inputChannels: 3, widths: [32, 16], residual: true, instanceNormalization: false)
let network = try SuperResolutionNetwork(configuration: configuration, generator: &generator)
let image = Tensor.uniform(shape: [3, 128, 128], generator: &generator)
var results: [String: Double] = [:]
results["apply_128_to_256_tile64_ms"] = try median { _ = try network.upsampled(image, tile: 64) }
results["apply_128_to_256_whole_ms"] = try median { _ = try network.upsampled(image, tile: 128) }
results["apply_256_frames_per_second"] = 1000 / results["apply_128_to_256_tile64_ms"]!
var pixels = Image8(width: 128, height: 128, channels: 3)
for index in pixels.samples.indices { pixels.samples[index] = UInt8(truncatingIfNeeded: (index &* 2_654_435_761) >> 13) }
results["bicubic_128_to_256_ms"] = try median { _ = try ImageScaling.resize(pixels, to: PixelSize(width: 256, height: 256), fullChroma: true) }
let parameters = network.namedParameters
let adam = Adam(groups: [.init(name: "network", parameters: parameters.map(\.parameter), learningRate: 1e-3)])
let low = Tensor.uniform(shape: [4, 3, 32, 32], generator: &generator), high = Tensor.uniform(shape: [4, 3, 64, 64], generator: &generator)
results["train_step_batch4_crop32_ms"] = median {
    let tape = Tape()
    let output = network(Variable(low), on: tape)
    let loss = Losses.l1(output, Variable(high)) + 0.2 * Losses.structuralDissimilarity(output, Variable(high))
    tape.backward(from: loss)
    adam.step()
    adam.zeroGradients()
}
var loads = [Double](repeating: 0, count: 3)
if getloadavg(&loads, 3) == 3 { results["load_average_1min"] = loads[0] }
let data = try JSONSerialization.data(withJSONObject: results, options: [.sortedKeys])
print(String(decoding: data, as: UTF8.self))
