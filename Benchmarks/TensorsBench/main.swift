// TensorsBench: GEMM throughput (our matmul vs OpenBLAS called directly), a 32→128 3×3 conv and a
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

// GEMM: n×n · n×n through Variable.matmul (pool-partitioned, OpenBLAS single-threaded) versus one
// OpenBLAS sgemm call with OpenBLAS's own threads (set to the core count only for that measurement).
for n in [512, 2048] {
    let a = Tensor.normal(shape: [n, n], generator: &generator), b = Tensor.normal(shape: [n, n], generator: &generator)
    let flops = 2 * Double(n) * Double(n) * Double(n)
    let repeats = n >= 2048 ? 5 : 20
    let ours = medianMilliseconds(repeats: repeats) { _ = Variable(a).matmul(Variable(b)) }
    var c = Tensor(zeros: [n, n])
    OpenBLAS.shared.setThreadCount(cores)
    let direct = medianMilliseconds(repeats: repeats) {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    OpenBLAS.shared.sgemm(
                        transposeA: false, transposeB: false, m: n, n: n, k: n, alpha: 1,
                        a: pa.baseAddress!, lda: n, b: pb.baseAddress!, ldb: n, beta: 0, c: pc.baseAddress!, ldc: n)
                }
            }
        }
    }
    OpenBLAS.shared.setThreadCount(1)
    results["gemm_\(n)_tensor_gflops"] = flops / (ours * 1e6)
    results["gemm_\(n)_openblas_direct_gflops"] = flops / (direct * 1e6)
    results["gemm_\(n)_tensor_to_direct_ratio"] = direct / ours
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
