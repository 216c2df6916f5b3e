// SplattingBench: forward and forward+backward times of the CPU Gaussian rasteriser on the
// standard scene of shared/reference/gaussian-splatting.md (256×256, f = 1.2·W, centred principal
// point, N Gaussians uniform in a ball of radius 0.5 two units in front of the camera, log-scales
// log(0.01) + 0.3·N(0,1), random quaternions, features U(0,1), opacity logits N(0,1),
// loss = sum of the image). Prints one JSON object; times are the best of `runs` runs, in ms.
import Foundation
import Splatting

struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func normal() -> Float {
        let u1 = max(Float.random(in: 0..<1, using: &self), 1e-7), u2 = Float.random(in: 0..<1, using: &self)
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}

func standardScene(count: Int, channels: Int, seed: UInt64) -> GaussianScene {
    var rng = SplitMix64(state: seed)
    var scene = GaussianScene(appearance: .features(channels: channels))
    scene.means.reserveCapacity(count * 3)
    while scene.count < count {
        let p = SIMD3<Float>(
            Float.random(in: -1...1, using: &rng), Float.random(in: -1...1, using: &rng),
            Float.random(in: -1...1, using: &rng))
        if (p * p).sum() > 1 { continue }
        scene.means += [p.x * 0.5, p.y * 0.5, 2 + p.z * 0.5]
        scene.rotations += [rng.normal(), rng.normal(), rng.normal(), rng.normal()]
        scene.logScales += (0..<3).map { _ in log(0.01) + 0.3 * rng.normal() }
        scene.opacityLogits.append(rng.normal())
        scene.features += (0..<channels).map { _ in Float.random(in: 0...1, using: &rng) }
    }
    return scene
}

/// Wall-clock and CPU milliseconds of `body`: CPU time of the calling thread for single-worker
/// runs, of the whole process (all workers) otherwise. On a shared machine the CPU time is the
/// stable figure (wall time includes waiting for a core).
func milliseconds(workers: Int, _ body: () throws -> Void) rethrows -> (wall: Double, cpu: Double) {
    func cpu() -> Double {
        var time = timespec()
        clock_gettime(workers == 1 ? CLOCK_THREAD_CPUTIME_ID : CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) * 1e3 + Double(time.tv_nsec) / 1e6
    }
    let start = DispatchTime.now().uptimeNanoseconds, cpuStart = cpu()
    try body()
    return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6, cpu() - cpuStart)
}

let size = 256
let camera = PinholeCamera(
    width: size, height: size, fx: 1.2 * Float(size), fy: 1.2 * Float(size),
    cx: Float(size - 1) / 2, cy: Float(size - 1) / 2)
// `SplattingBench <gaussians> <channels> <workers> <runs>` measures one configuration only (for
// profilers such as callgrind); without arguments the full grid below runs.
let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let single = arguments.count == 4 ? arguments : nil
let runs = single?[3] ?? 5
var report: [String: Double] = [:]
for workers in single.map({ [$0[2]] }) ?? [2, 1] {
    let rasterizer = GaussianRasterizer(workers: workers)
    for count in single.map({ [$0[0]] }) ?? [10_000, 50_000, 200_000] {
        if single == nil && workers == 1 && count != 50_000 { continue }
        for channels in single.map({ [$0[1]] }) ?? [3, 32] {
            let scene = standardScene(count: count, channels: channels, seed: 42)
            let ones = RasterOutputGradient(image: [Float](repeating: 1, count: size * size * channels))
            var forward = Double.infinity, backward = Double.infinity
            var forwardCPU = Double.infinity, backwardCPU = Double.infinity
            for _ in 0..<runs {
                var result: RasterResult?
                let f = try milliseconds(workers: workers) { result = try rasterizer.render(scene: scene, camera: camera) }
                let b = try milliseconds(workers: workers) { _ = try rasterizer.backward(result!, outputGradient: ones) }
                forward = min(forward, f.wall)
                backward = min(backward, b.wall)
                forwardCPU = min(forwardCPU, f.cpu)
                backwardCPU = min(backwardCPU, b.cpu)
            }
            let key = "\(count / 1000)k_\(channels)ch_\(size)px_\(workers)threads"
            report["forward_\(key)_ms"] = forward
            report["backward_\(key)_ms"] = backward
            report["forward_backward_\(key)_ms"] = forward + backward
            report["forward_\(key)_cpu_ms"] = forwardCPU
            report["backward_\(key)_cpu_ms"] = backwardCPU
        }
    }
}
// Memory per Gaussian held during a training step with C feature channels on 2 workers: parameters
// and their gradients (2·(14 + C) floats), the depth-sorted projected record (48 bytes) and its
// rank→index entry (4 bytes), the per-worker screen-gradient buffers kept by the rasteriser
// (2·(7 + C) floats) and the measured tile-list entries (4 bytes each). Rendered features are the
// scene's own array (no copy) for feature appearances.
for channels in single == nil ? [3, 32] : [] {
    let scene = standardScene(count: 50_000, channels: channels, seed: 42)
    let result = try GaussianRasterizer(workers: 2).render(scene: scene, camera: camera)
    let floats = Double(2 * (14 + channels) + 2 * (7 + channels))
    report["bytes_per_gaussian_50k_\(channels)ch"] = floats * 4 + 48 + 4 + 4 * Double(result.tileEntryCount) / Double(scene.count)
    report["tiles_per_gaussian_50k_\(channels)ch"] = Double(result.tileEntryCount) / Double(scene.count)
}

// The machine is shared: record its 1-minute load average so wall-clock figures can be judged.
if let loadAverage = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8).split(separator: " ").first.flatMap({ Double($0) }) {
    report["load_average_1min"] = loadAverage
}
let json = report.keys.sorted().map { "  \"\($0)\": \((report[$0]! * 1000).rounded() / 1000)" }.joined(separator: ",\n")
print("{\n\(json)\n}")
