import Foundation
import Tensors

/// Places triangle-bound Gaussians in the world (GaussianAvatars Eq. 1–3) as one Tensors tape
/// operation: μ′ = k·R·μ + T, r′ = q(R) ⊗ r, log s′ = log s + log k, with (T, R, k) the frame of
/// each Gaussian's triangle. The quaternion product is linear in r and q(R) is a unit quaternion,
/// so ‖r′‖ = ‖r‖ and the rasteriser's normalisation commutes with the transform.
///
/// Backward: dL/dμ = k·Rᵀ·dL/dμ′, dL/dr = L(q(R))ᵀ·dL/dr′ (L = left-multiplication matrix),
/// dL/d(log s) = dL/d(log s′). The frames are constants here (the mesh is an input, not a parameter).
public enum RiggedTransform {
    /// World means `[N, 3]`, rotations `[N, 4]` and log-scales `[N, 3]` of Gaussians with local
    /// parameters `means`, `rotations`, `logScales` bound to `binding` (triangle index per Gaussian).
    public static func apply(means: Variable, rotations: Variable, logScales: Variable, binding: [Int32],
                             frames: TriangleFrames) -> (means: Variable, rotations: Variable, logScales: Variable) {
        let n = binding.count
        precondition(means.shape == [n, 3] && rotations.shape == [n, 4] && logScales.shape == [n, 3],
                     "local parameters \(means.shape), \(rotations.shape), \(logScales.shape) do not match \(n) bindings")
        let world = forward(means: means.value, rotations: rotations.value, logScales: logScales.value,
                            binding: binding, frames: frames)
        let outputs = Tape.record(inputs: [means, rotations, logScales], outputs: [world.means, world.rotations, world.logScales]) { g in
            backward(meansGradient: g[0], rotationsGradient: g[1], logScalesGradient: g[2], binding: binding, frames: frames)
        }
        return (outputs[0], outputs[1], outputs[2])
    }

    /// The forward transform on plain tensors.
    public static func forward(means: Tensor, rotations: Tensor, logScales: Tensor, binding: [Int32],
                               frames: TriangleFrames) -> (means: Tensor, rotations: Tensor, logScales: Tensor) {
        let n = binding.count
        var worldMeans = Tensor(zeros: [n, 3]), worldRotations = Tensor(zeros: [n, 4]), worldLogScales = Tensor(zeros: [n, 3])
        means.withUnsafeBufferPointer { mu in
        rotations.withUnsafeBufferPointer { r in
        logScales.withUnsafeBufferPointer { s in
        worldMeans.withUnsafeMutableBufferPointer { outMu in
        worldRotations.withUnsafeMutableBufferPointer { outR in
        worldLogScales.withUnsafeMutableBufferPointer { outS in
        frames.centres.withUnsafeBufferPointer { centres in
        frames.rotations.withUnsafeBufferPointer { matrices in
        frames.quaternions.withUnsafeBufferPointer { quaternions in
        frames.scales.withUnsafeBufferPointer { scales in
            for i in 0..<n {
                let t = Int(binding[i])
                let k = scales[t]
                let x = mu[3 * i], y = mu[3 * i + 1], z = mu[3 * i + 2]
                for a in 0..<3 {
                    let row = 9 * t + 3 * a
                    outMu[3 * i + a] = k * (matrices[row] * x + matrices[row + 1] * y + matrices[row + 2] * z) + centres[3 * t + a]
                }
                let p = SIMD4(quaternions[4 * t], quaternions[4 * t + 1], quaternions[4 * t + 2], quaternions[4 * t + 3])
                let q = SIMD4(r[4 * i], r[4 * i + 1], r[4 * i + 2], r[4 * i + 3])
                let product = hamilton(p, q)
                for a in 0..<4 { outR[4 * i + a] = product[a] }
                let logK = log(k)
                for a in 0..<3 { outS[3 * i + a] = s[3 * i + a] + logK }
            }
        }}}}}}}}}}
        return (worldMeans, worldRotations, worldLogScales)
    }

    static func backward(meansGradient: Tensor, rotationsGradient: Tensor, logScalesGradient: Tensor, binding: [Int32],
                         frames: TriangleFrames) -> [Tensor?] {
        let n = binding.count
        var gMu = Tensor(zeros: [n, 3]), gR = Tensor(zeros: [n, 4])
        meansGradient.withUnsafeBufferPointer { g in
        rotationsGradient.withUnsafeBufferPointer { gq in
        gMu.withUnsafeMutableBufferPointer { outMu in
        gR.withUnsafeMutableBufferPointer { outR in
        frames.rotations.withUnsafeBufferPointer { matrices in
        frames.quaternions.withUnsafeBufferPointer { quaternions in
        frames.scales.withUnsafeBufferPointer { scales in
            for i in 0..<n {
                let t = Int(binding[i])
                let k = scales[t]
                let gx = g[3 * i], gy = g[3 * i + 1], gz = g[3 * i + 2]
                for b in 0..<3 {
                    outMu[3 * i + b] = k * (matrices[9 * t + b] * gx + matrices[9 * t + 3 + b] * gy + matrices[9 * t + 6 + b] * gz)
                }
                let (pw, px, py, pz) = (quaternions[4 * t], quaternions[4 * t + 1], quaternions[4 * t + 2], quaternions[4 * t + 3])
                let (gw, gxq, gyq, gzq) = (gq[4 * i], gq[4 * i + 1], gq[4 * i + 2], gq[4 * i + 3])
                outR[4 * i] = pw * gw + px * gxq + py * gyq + pz * gzq
                outR[4 * i + 1] = -px * gw + pw * gxq + pz * gyq - py * gzq
                outR[4 * i + 2] = -py * gw - pz * gxq + pw * gyq + px * gzq
                outR[4 * i + 3] = -pz * gw + py * gxq - px * gyq + pw * gzq
            }
        }}}}}}}
        return [gMu, gR, logScalesGradient]
    }

    /// Hamilton product p ⊗ q of quaternions (w, x, y, z): the rotation R(p)·R(q).
    @inline(__always) static func hamilton(_ p: SIMD4<Float>, _ q: SIMD4<Float>) -> SIMD4<Float> {
        SIMD4(p[0] * q[0] - p[1] * q[1] - p[2] * q[2] - p[3] * q[3],
              p[0] * q[1] + p[1] * q[0] + p[2] * q[3] - p[3] * q[2],
              p[0] * q[2] - p[1] * q[3] + p[2] * q[0] + p[3] * q[1],
              p[0] * q[3] + p[1] * q[2] - p[2] * q[1] + p[3] * q[0])
    }
}
