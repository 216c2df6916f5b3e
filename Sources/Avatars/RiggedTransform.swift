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
    public static func apply(
        means: Variable, rotations: Variable, logScales: Variable, binding: [Int32],
        frames: TriangleFrames
    ) -> (means: Variable, rotations: Variable, logScales: Variable) {
        let n = binding.count
        precondition(
            means.shape == [n, 3] && rotations.shape == [n, 4] && logScales.shape == [n, 3],
            "local parameters \(means.shape), \(rotations.shape), \(logScales.shape) do not match \(n) bindings")
        let world = forward(
            means: means.value, rotations: rotations.value, logScales: logScales.value,
            binding: binding, frames: frames)
        let outputs = Tape.record(inputs: [means, rotations, logScales], outputs: [world.means, world.rotations, world.logScales]) { g in
            backward(meansGradient: g[0], rotationsGradient: g[1], logScalesGradient: g[2], binding: binding, frames: frames)
        }
        return (outputs[0], outputs[1], outputs[2])
    }

    /// The same transform with the triangle frames computed from mesh `vertices` `[V, 3]` (a variable),
    /// so gradients also reach the mesh — the path of GaussianAvatars' per-frame expression and jaw
    /// fine-tuning. Returns the frames too (density control needs their scales).
    ///
    /// Mesh backward: with ∂L/∂R expressed as an angular gradient g_ω (R ← Exp(ω)·R changes μ′ by
    /// ω × kRμ and r′ by ½·(0, ω) ⊗ r′), each frame axis a_c receives ∂L/∂a_c = k·Σᵢ μᵢ_c ∂L/∂μ′ᵢ + ½ g_ω × a_c;
    /// then a₂ = a₀ × a₁, a₀ = e₁/‖e₁‖, a₁ = n/‖n‖ with n = e₁ × e₂, k = ½(‖e₁‖ + |a₂·e₂|), T = mean of
    /// the vertices are differentiated in turn (degenerate triangles pass no gradient to the mesh).
    public static func apply(
        means: Variable, rotations: Variable, logScales: Variable, binding: [Int32], vertices: Variable,
        triangles: [SIMD3<Int32>]
    ) -> (means: Variable, rotations: Variable, logScales: Variable, frames: TriangleFrames) {
        let n = binding.count, vertexCount = vertices.shape[0]
        precondition(
            means.shape == [n, 3] && rotations.shape == [n, 4] && logScales.shape == [n, 3] && vertices.shape == [vertexCount, 3],
            "local parameters \(means.shape), \(rotations.shape), \(logScales.shape) or vertices \(vertices.shape) do not match \(n) bindings")
        let mesh = vertices.value.scalars
        let positions = (0..<vertexCount).map { SIMD3(mesh[3 * $0], mesh[3 * $0 + 1], mesh[3 * $0 + 2]) }
        let frames = TriangleFrames(vertices: positions, triangles: triangles)
        let localMeans = means.value, localRotations = rotations.value
        let world = forward(means: localMeans, rotations: localRotations, logScales: logScales.value, binding: binding, frames: frames)
        let worldRotations = world.rotations
        let outputs = Tape.record(
            inputs: [means, rotations, logScales, vertices],
            outputs: [world.means, world.rotations, world.logScales]
        ) { g in
            var local = backward(meansGradient: g[0], rotationsGradient: g[1], logScalesGradient: g[2], binding: binding, frames: frames)
            local.append(
                meshGradient(
                    meansGradient: g[0], rotationsGradient: g[1], logScalesGradient: g[2], localMeans: localMeans,
                    worldRotations: worldRotations, binding: binding, frames: frames, positions: positions,
                    triangles: triangles))
            return local
        }
        return (outputs[0], outputs[1], outputs[2], frames)
    }

    /// The forward transform on plain tensors.
    public static func forward(
        means: Tensor, rotations: Tensor, logScales: Tensor, binding: [Int32],
        frames: TriangleFrames
    ) -> (means: Tensor, rotations: Tensor, logScales: Tensor) {
        let n = binding.count
        var worldMeans = Tensor(zeros: [n, 3]), worldRotations = Tensor(zeros: [n, 4]), worldLogScales = Tensor(zeros: [n, 3])
        let scales = frames.scales, logK = frames.scales.map { log($0) }
        means.withUnsafeBufferPointer { mu in
            rotations.withUnsafeBufferPointer { r in
                logScales.withUnsafeBufferPointer { s in
                    worldMeans.withUnsafeMutableBufferPointer { outMu in
                        worldRotations.withUnsafeMutableBufferPointer { outR in
                            worldLogScales.withUnsafeMutableBufferPointer { outS in
                                frames.centres.withUnsafeBufferPointer { centres in
                                    frames.rotations.withUnsafeBufferPointer { matrices in
                                        frames.quaternions.withUnsafeBufferPointer { quaternions in
                                            logK.withUnsafeBufferPointer { logK in
                                                ThreadPool.shared.forEachPart(n, minimumPart: partSize) { _, range in
                                                    for i in range {
                                                        let t = Int(binding[i])
                                                        let k = scales[t]
                                                        let x = mu[3 * i], y = mu[3 * i + 1], z = mu[3 * i + 2]
                                                        for a in 0..<3 {
                                                            let row = 9 * t + 3 * a
                                                            outMu[3 * i + a] =
                                                                k * (matrices[row] * x + matrices[row + 1] * y + matrices[row + 2] * z) + centres[3 * t + a]
                                                        }
                                                        let p = SIMD4(
                                                            quaternions[4 * t], quaternions[4 * t + 1], quaternions[4 * t + 2], quaternions[4 * t + 3])
                                                        let q = SIMD4(r[4 * i], r[4 * i + 1], r[4 * i + 2], r[4 * i + 3])
                                                        let product = hamilton(p, q)
                                                        for a in 0..<4 { outR[4 * i + a] = product[a] }
                                                        for a in 0..<3 { outS[3 * i + a] = s[3 * i + a] + logK[t] }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (worldMeans, worldRotations, worldLogScales)
    }

    static func backward(
        meansGradient: Tensor, rotationsGradient: Tensor, logScalesGradient: Tensor, binding: [Int32],
        frames: TriangleFrames
    ) -> [Tensor?] {
        let n = binding.count
        var gMu = Tensor(zeros: [n, 3]), gR = Tensor(zeros: [n, 4])
        meansGradient.withUnsafeBufferPointer { g in
            rotationsGradient.withUnsafeBufferPointer { gq in
                gMu.withUnsafeMutableBufferPointer { outMu in
                    gR.withUnsafeMutableBufferPointer { outR in
                        frames.rotations.withUnsafeBufferPointer { matrices in
                            frames.quaternions.withUnsafeBufferPointer { quaternions in
                                frames.scales.withUnsafeBufferPointer { scales in
                                    ThreadPool.shared.forEachPart(n, minimumPart: partSize) { _, range in
                                        for i in range {
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
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return [gMu, gR, logScalesGradient]
    }

    /// ∂L/∂vertices `[V, 3]` of the rigging transform (see `apply(…vertices:triangles:)`).
    static func meshGradient(
        meansGradient: Tensor, rotationsGradient: Tensor, logScalesGradient: Tensor, localMeans: Tensor,
        worldRotations: Tensor, binding: [Int32], frames: TriangleFrames, positions: [SIMD3<Float>],
        triangles: [SIMD3<Int32>]
    ) -> Tensor {
        let triangleCount = triangles.count
        var centreGradient = [SIMD3<Float>](repeating: .zero, count: triangleCount)
        var axisGradient = [SIMD3<Float>](repeating: .zero, count: 3 * triangleCount)
        var angularGradient = [SIMD3<Float>](repeating: .zero, count: triangleCount)
        var scaleGradient = [Float](repeating: 0, count: triangleCount)
        meansGradient.withUnsafeBufferPointer { g in
            rotationsGradient.withUnsafeBufferPointer { gq in
                logScalesGradient.withUnsafeBufferPointer { gs in
                    localMeans.withUnsafeBufferPointer { mu in
                        worldRotations.withUnsafeBufferPointer { r in
                            for i in 0..<binding.count {
                                let t = Int(binding[i])
                                let k = frames.scales[t]
                                let gMean = SIMD3(g[3 * i], g[3 * i + 1], g[3 * i + 2])
                                let local = SIMD3(mu[3 * i], mu[3 * i + 1], mu[3 * i + 2])
                                centreGradient[t] += gMean
                                var rotated = SIMD3<Float>.zero
                                for c in 0..<3 {
                                    let axis = frameAxis(frames, t, c)
                                    axisGradient[3 * t + c] += (k * local[c]) * gMean
                                    rotated += local[c] * axis
                                }
                                scaleGradient[t] += (rotated * gMean).sum() + (gs[3 * i] + gs[3 * i + 1] + gs[3 * i + 2]) / k
                                let gRotation = SIMD4(gq[4 * i], gq[4 * i + 1], gq[4 * i + 2], gq[4 * i + 3])
                                let worldRotation = SIMD4(r[4 * i], r[4 * i + 1], r[4 * i + 2], r[4 * i + 3])
                                // ½⟨g_r, eₐ ⊗ r′⟩ for a = 1, 2, 3 is ½(g_r ⊗ r̄′)ₐ (right multiplication
                                // by r′ transposes to that by its conjugate).
                                let angular = hamilton(gRotation, SIMD4(worldRotation[0], -worldRotation[1], -worldRotation[2], -worldRotation[3]))
                                angularGradient[t] += 0.5 * SIMD3(angular[1], angular[2], angular[3])
                            }
                        }
                    }
                }
            }
        }
        var gradient = Tensor(zeros: [positions.count, 3])
        gradient.withUnsafeMutableBufferPointer { out in
            func add(_ vertex: Int32, _ value: SIMD3<Float>) {
                for a in 0..<3 { out[3 * Int(vertex) + a] += value[a] }
            }
            for t in 0..<triangleCount {
                let tri = triangles[t]
                let third = centreGradient[t] / 3
                add(tri.x, third)
                add(tri.y, third)
                add(tri.z, third)
                let v0 = positions[Int(tri.x)], e1 = positions[Int(tri.y)] - v0, e2 = positions[Int(tri.z)] - v0
                let edgeLength = length(e1), normalRaw = cross(e1, e2), normalLength = length(normalRaw)
                guard edgeLength > 1e-12 && normalLength > 1e-12 * edgeLength else { continue }
                let a0 = frameAxis(frames, t, 0), a1 = frameAxis(frames, t, 1), a2 = frameAxis(frames, t, 2)
                let gw = angularGradient[t]
                var g0 = axisGradient[3 * t] + 0.5 * cross(gw, a0)
                var g1 = axisGradient[3 * t + 1] + 0.5 * cross(gw, a1)
                var g2 = axisGradient[3 * t + 2] + 0.5 * cross(gw, a2)
                var ge1 = SIMD3<Float>.zero, ge2 = SIMD3<Float>.zero
                let height = dot(a2, e2)
                if 0.5 * (edgeLength + Swift.abs(height)) > 1e-6 {
                    let gk = 0.5 * scaleGradient[t], sign: Float = height < 0 ? -1 : 1
                    ge1 += gk * a0
                    ge2 += (gk * sign) * a2
                    g2 += (gk * sign) * e2
                }
                g0 += cross(a1, g2)
                g1 += cross(g2, a0)
                ge1 += (g0 - dot(a0, g0) * a0) / edgeLength
                let gn = (g1 - dot(a1, g1) * a1) / normalLength
                ge1 += cross(e2, gn)
                ge2 += cross(gn, e1)
                add(tri.y, ge1)
                add(tri.z, ge2)
                add(tri.x, -(ge1 + ge2))
            }
        }
        return gradient
    }

    /// Gaussians per parallel part (the per-Gaussian work is a few dozen flops).
    private static let partSize = 4096

    /// Column `c` of triangle `t`'s frame rotation (a₀ edge, a₁ normal, a₂ = a₀ × a₁).
    @inline(__always) static func frameAxis(_ frames: TriangleFrames, _ t: Int, _ c: Int) -> SIMD3<Float> {
        SIMD3(frames.rotations[9 * t + c], frames.rotations[9 * t + 3 + c], frames.rotations[9 * t + 6 + c])
    }

    /// Hamilton product p ⊗ q of quaternions (w, x, y, z): the rotation R(p)·R(q).
    @inline(__always) static func hamilton(_ p: SIMD4<Float>, _ q: SIMD4<Float>) -> SIMD4<Float> {
        SIMD4(
            p[0] * q[0] - p[1] * q[1] - p[2] * q[2] - p[3] * q[3],
            p[0] * q[1] + p[1] * q[0] + p[2] * q[3] - p[3] * q[2],
            p[0] * q[2] - p[1] * q[3] + p[2] * q[0] + p[3] * q[1],
            p[0] * q[3] + p[1] * q[2] - p[2] * q[1] + p[3] * q[0])
    }
}
