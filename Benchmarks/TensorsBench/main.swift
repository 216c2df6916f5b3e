// TensorsBench: GEMM throughput (ours vs OpenBLAS called directly, square and training shapes), a 32→128 3×3 conv and a
// GHA-sized per-point MLP, forward + backward. Prints one JSON object; times are medians of repeats.
import Foundation
import Tensors

/// Median wall time in milliseconds of `repeats` runs of `body` after one warm-up run.
func medianMilliseconds(repeats: Int, _ body: () -> Void) -> Double {
    body()
    var times: [Double] = []
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    return times.sorted()[times.count / 2]
}

var generator = SplitMix64(seed: 1)
let cores = ThreadPool.shared.threadCount
var results: [String: Any] = ["threads": cores, "openblas_core": OpenBLAS.shared.coreName]

// GEMM through Tensors (split over the pool, OpenBLAS single-threaded per block) versus one
// OpenBLAS sgemm call with OpenBLAS's own threads (set to the core count only for that measurement),
// at square sizes and at the shapes training runs: a 64 → 64 layer of a per-point MLP over 14 000
// Gaussians (GHA preset) forward (x Wᵀ), input gradient (g W) and weight gradient (gᵀ x), and a
// 32 → 32 3×3 convolution at 128² (GHA's Ψ) as im2col GEMMs: forward (W cols), weight gradient
// (g colsᵀ) and column gradient (Wᵀ g).
struct GEMMShape {
    let name: String, m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool
}
let shapes =
    [256, 512, 2048].map { GEMMShape(name: "\($0)", m: $0, n: $0, k: $0, transposeA: false, transposeB: false) } + [
        GEMMShape(name: "mlp64_forward", m: 14_000, n: 64, k: 64, transposeA: false, transposeB: true),
        GEMMShape(name: "mlp64_input_gradient", m: 14_000, n: 64, k: 64, transposeA: false, transposeB: false),
        GEMMShape(name: "mlp64_weight_gradient", m: 64, n: 64, k: 14_000, transposeA: true, transposeB: false),
        GEMMShape(name: "conv32_forward", m: 32, n: 16_384, k: 288, transposeA: false, transposeB: false),
        GEMMShape(name: "conv32_weight_gradient", m: 32, n: 288, k: 16_384, transposeA: false, transposeB: true),
        GEMMShape(name: "conv32_column_gradient", m: 288, n: 16_384, k: 32, transposeA: true, transposeB: false),
    ]
// `TensorsBench gemm NAME` runs only that shape's GEMM through Tensors 200 times and prints nothing
// (for `perf stat` instruction and cycle counts, which a loaded machine does not disturb as much).
if CommandLine.arguments.count == 3 && CommandLine.arguments[1] == "gemm" {
    guard let shape = shapes.first(where: { $0.name == CommandLine.arguments[2] }) else {
        fatalError("unknown GEMM shape '\(CommandLine.arguments[2])'; known: \(shapes.map(\.name).joined(separator: ", "))")
    }
    let a = Tensor.normal(shape: shape.transposeA ? [shape.k, shape.m] : [shape.m, shape.k], generator: &generator)
    let b = Tensor.normal(shape: shape.transposeB ? [shape.n, shape.k] : [shape.k, shape.n], generator: &generator)
    for _ in 0..<200 { _ = Tensor.matrixProduct(a, transposeA: shape.transposeA, b, transposeB: shape.transposeB) }
    exit(0)
}
for shape in shapes {
    let a = Tensor.normal(shape: shape.transposeA ? [shape.k, shape.m] : [shape.m, shape.k], generator: &generator)
    let b = Tensor.normal(shape: shape.transposeB ? [shape.n, shape.k] : [shape.k, shape.n], generator: &generator)
    let flops = 2 * Double(shape.m) * Double(shape.n) * Double(shape.k)
    let repeats = max(5, min(50, Int(2e10 / flops)))
    let ours = medianMilliseconds(repeats: repeats) {
        _ = Tensor.matrixProduct(a, transposeA: shape.transposeA, b, transposeB: shape.transposeB)
    }
    var c = Tensor(zeros: [shape.m, shape.n])
    OpenBLAS.shared.setThreadCount(cores)
    let direct = medianMilliseconds(repeats: repeats) {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    OpenBLAS.shared.sgemm(
                        transposeA: shape.transposeA, transposeB: shape.transposeB, m: shape.m, n: shape.n, k: shape.k,
                        alpha: 1, a: pa.baseAddress!, lda: a.shape[1], b: pb.baseAddress!, ldb: b.shape[1], beta: 0,
                        c: pc.baseAddress!, ldc: shape.n)
                }
            }
        }
    }
    OpenBLAS.shared.setThreadCount(1)
    results["gemm_\(shape.name)_tensor_gflops"] = flops / (ours * 1e6)
    results["gemm_\(shape.name)_openblas_direct_gflops"] = flops / (direct * 1e6)
    results["gemm_\(shape.name)_tensor_to_direct_ratio"] = direct / ours
}

// Convolution 32 → 128 channels, 3×3, padding 1, on one 256×256 image: forward + backward
// (input, weight and bias gradients).
do {
    let x = Tensor.normal(shape: [1, 32, 256, 256], generator: &generator)
    let conv = Conv2d(inputChannels: 32, outputChannels: 128, kernelSize: 3, generator: &generator)
    let seed = Tensor.normal(shape: [1, 128, 256, 256], generator: &generator)
    let forward = medianMilliseconds(repeats: 3) { _ = conv(Variable(x), on: nil) }
    let both = medianMilliseconds(repeats: 3) {
        let tape = Tape()
        let y = conv(tape.variable(x), on: tape)
        tape.backward(from: y, seed: seed)
        conv.weight.zeroGradient()
        conv.bias?.zeroGradient()
    }
    results["conv3x3_32to128_256x256_forward_ms"] = forward
    results["conv3x3_32to128_256x256_forward_backward_ms"] = both
}

// GHA-sized per-point MLP [91, 128, 128, 128, 3] on 20k points, LeakyReLU, input skip at layer 2:
// forward + backward to the inputs and all parameters.
do {
    let points = 20_000
    let mlp = MLP(widths: [91, 128, 128, 128, 3], activation: .leakyReLU(slope: 0.01), inputSkipLayers: [2], generator: &generator)
    let x = Tensor.normal(shape: [points, 91], generator: &generator)
    let seed = Tensor.normal(shape: [points, 3], generator: &generator)
    let forward = medianMilliseconds(repeats: 10) { _ = mlp(Variable(x), on: nil) }
    let both = medianMilliseconds(repeats: 10) {
        let tape = Tape()
        let y = mlp(tape.variable(x), on: tape)
        tape.backward(from: y, seed: seed)
        for parameter in mlp.parameters { parameter.zeroGradient() }
    }
    results["mlp_20k_91_128x3_3_forward_ms"] = forward
    results["mlp_20k_91_128x3_3_forward_backward_ms"] = both
}

// Small-tensor overhead: one training iteration of a [2, 64, 64, 64, 1] MLP on 512 points with Adam.
do {
    let mlp = MLP(widths: [2, 64, 64, 64, 1], activation: .tanh, generator: &generator)
    let adam = Adam(groups: [.init(name: "mlp", parameters: mlp.parameters, learningRate: 1e-3)])
    let x = Tensor.normal(shape: [512, 2], generator: &generator), target = Tensor.normal(shape: [512, 1], generator: &generator)
    results["small_mlp_512_training_iteration_ms"] = medianMilliseconds(repeats: 50) {
        adam.zeroGradients()
        let tape = Tape()
        tape.backward(from: Losses.l2(mlp(Variable(x), on: tape), Variable(target)))
        adam.step()
    }
}

let json = try JSONSerialization.data(withJSONObject: results, options: [.sortedKeys])
print(String(decoding: json, as: UTF8.self))
