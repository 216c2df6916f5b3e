import Foundation
import Geometry
import Tensors

/// A per-frame rigid correction of the tracked head pose, applied to posed Gaussians as one
/// Tensors tape operation (GaussianAvatars' joint fine-tuning of pose and translation, §3.4):
/// μ″ = R(δ)·(μ′ − P) + P + τ and r″ = q(δ) ⊗ r′, where δ is an axis-angle rotation offset of the
/// head about the pivot P (the scaled, translated root joint) and τ a translation offset.
///
/// Composing R(δ) with the tracked root rotation gives the refined pose exactly: the root joint
/// rotates the whole head about P, so `rotation ← log(R(δ)·R_root)`, `translation ← translation + τ`.
///
/// Backward uses the right Jacobian J_r of SO(3) (R(δ + dδ) ≈ R(δ)·Exp(J_r(δ)·dδ)):
/// dL/dδ = J_rᵀ·Σᵢ [xᵢ × (Rᵀ gμᵢ) + ½·(⟨g_rᵢ, q(δ) ⊗ eₐ ⊗ r′ᵢ⟩)ₐ] with xᵢ = μ′ᵢ − P,
/// dL/dμ′ = Rᵀ gμ, dL/dr′ = L(q(δ))ᵀ g_r, dL/dτ = Σᵢ gμᵢ.
public enum RigidOffset {
    /// Applies the offset: `means [N, 3]`, `rotations [N, 4]`, `rotationOffset [1, 3]` (axis-angle),
    /// `translationOffset [1, 3]`; `pivot` in world units.
    public static func apply(
        means: Variable, rotations: Variable, rotationOffset: Variable, translationOffset: Variable,
        pivot: SIMD3<Float>
    ) -> (means: Variable, rotations: Variable) {
        let n = means.shape[0]
        precondition(
            means.shape == [n, 3] && rotations.shape == [n, 4] && rotationOffset.shape == [1, 3]
                && translationOffset.shape == [1, 3], "rigid offset shapes do not match")
        let delta = SIMD3(rotationOffset.value[flat: 0], rotationOffset.value[flat: 1], rotationOffset.value[flat: 2])
        let tau = SIMD3(translationOffset.value[flat: 0], translationOffset.value[flat: 1], translationOffset.value[flat: 2])
        let rotation = Matrix3x3(rotationVector: delta)
        let q = quaternion(delta)
        let mu = means.value, r = rotations.value
        var outMeans = Tensor(zeros: [n, 3]), outRotations = Tensor(zeros: [n, 4])
        mu.withUnsafeBufferPointer { m in
            r.withUnsafeBufferPointer { rr in
                outMeans.withUnsafeMutableBufferPointer { om in
                    outRotations.withUnsafeMutableBufferPointer { orr in
                        ThreadPool.shared.forEachPart(n, minimumPart: partSize) { _, range in
                            for i in range {
                                let x = SIMD3(m[3 * i], m[3 * i + 1], m[3 * i + 2]) - pivot
                                let y = rotation * x + pivot + tau
                                for a in 0..<3 { om[3 * i + a] = y[a] }
                                let product = RiggedTransform.hamilton(q, SIMD4(rr[4 * i], rr[4 * i + 1], rr[4 * i + 2], rr[4 * i + 3]))
                                for a in 0..<4 { orr[4 * i + a] = product[a] }
                            }
                        }
                    }
                }
            }
        }
        let outputs = Tape.record(inputs: [means, rotations, rotationOffset, translationOffset], outputs: [outMeans, outRotations]) { g in
            var gMeans = Tensor(zeros: [n, 3]), gRotations = Tensor(zeros: [n, 4])
            // Per-part sums of dL/dω and dL/dτ, added in part order afterwards (deterministic).
            var partialDelta = [SIMD3<Double>](repeating: .zero, count: ThreadPool.shared.defaultPartCount)
            var partialTau = partialDelta
            let transposed = rotation.transposed
            g[0].withUnsafeBufferPointer { gm in
                g[1].withUnsafeBufferPointer { gr in
                    mu.withUnsafeBufferPointer { m in
                        r.withUnsafeBufferPointer { rr in
                            gMeans.withUnsafeMutableBufferPointer { outM in
                                gRotations.withUnsafeMutableBufferPointer { outR in
                                    partialDelta.withUnsafeMutableBufferPointer { partialDelta in
                                        partialTau.withUnsafeMutableBufferPointer { partialTau in
                                            ThreadPool.shared.forEachPart(n, minimumPart: partSize) { part, range in
                                                var gDelta = SIMD3<Double>.zero, gTau = SIMD3<Double>.zero
                                                for i in range {
                                                    let gy = SIMD3(gm[3 * i], gm[3 * i + 1], gm[3 * i + 2])
                                                    let back = transposed * gy
                                                    for a in 0..<3 { outM[3 * i + a] = back[a] }
                                                    gTau += SIMD3<Double>(gy)
                                                    let x = SIMD3(m[3 * i], m[3 * i + 1], m[3 * i + 2]) - pivot
                                                    gDelta += SIMD3<Double>(crossProduct(x, back))
                                                    // dL/dr′ = L(q)ᵀ·g_r = q̄ ⊗ g_r. The rotation part of dL/dω is
                                                    // ½⟨g_r, q ⊗ eₐ ⊗ r′⟩ = ½⟨q̄ ⊗ g_r, eₐ ⊗ r′⟩ = ½(q̄ ⊗ g_r ⊗ r̄′)ₐ:
                                                    // right multiplication by r′ transposes to that by r̄′.
                                                    let gq = SIMD4(gr[4 * i], gr[4 * i + 1], gr[4 * i + 2], gr[4 * i + 3])
                                                    let local = SIMD4(rr[4 * i], rr[4 * i + 1], rr[4 * i + 2], rr[4 * i + 3])
                                                    let back4 = RiggedTransform.hamilton(conjugate(q), gq)
                                                    for a in 0..<4 { outR[4 * i + a] = back4[a] }
                                                    let angular = RiggedTransform.hamilton(back4, conjugate(local))
                                                    gDelta += 0.5 * SIMD3<Double>(SIMD3(angular[1], angular[2], angular[3]))
                                                }
                                                partialDelta[part] = gDelta
                                                partialTau[part] = gTau
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            let gDelta = partialDelta.reduce(.zero, +), gTau = partialTau.reduce(.zero, +)
            let jacobian = rightJacobian(delta)
            let gW = SIMD3<Float>(gDelta)
            let gRotationOffset = jacobian.transposed * gW
            return [
                gMeans, gRotations, Tensor(shape: [1, 3], scalars: [gRotationOffset.x, gRotationOffset.y, gRotationOffset.z]),
                Tensor(shape: [1, 3], scalars: [Float(gTau.x), Float(gTau.y), Float(gTau.z)]),
            ]
        }
        return (outputs[0], outputs[1])
    }

    /// The unit quaternion (w, x, y, z) of an axis-angle vector.
    static func quaternion(_ r: SIMD3<Float>) -> SIMD4<Float> {
        let angle = (r * r).sum().squareRoot()
        if angle < 1e-8 { return SIMD4(1, r.x / 2, r.y / 2, r.z / 2) / (1 + (r * r).sum() / 4).squareRoot() }
        let axis = r / angle
        return SIMD4(cos(angle / 2), axis.x * sin(angle / 2), axis.y * sin(angle / 2), axis.z * sin(angle / 2))
    }

    /// The right Jacobian of SO(3): J_r(δ) = I − (1 − cos θ)/θ²·[δ]× + (θ − sin θ)/θ³·[δ]×².
    static func rightJacobian(_ r: SIMD3<Float>) -> Matrix3x3 {
        let angle = (r * r).sum().squareRoot()
        let k = Matrix3x3.crossProductMatrix(r)
        if angle < 1e-4 { return .identity + (-0.5) * k + (1.0 / 6.0) * (k * k) }
        let a = (1 - cos(angle)) / (angle * angle), b = (angle - sin(angle)) / (angle * angle * angle)
        return .identity + (-a) * k + b * (k * k)
    }

    /// Gaussians per parallel part (the per-Gaussian work is a few dozen flops).
    private static let partSize = 4096

    /// The conjugate (w, −x, −y, −z).
    @inline(__always) static func conjugate(_ q: SIMD4<Float>) -> SIMD4<Float> { SIMD4(q[0], -q[1], -q[2], -q[3]) }

    @inline(__always) static func crossProduct(_ a: SIMD3<Float>, _ b: SIMD3<Float>) -> SIMD3<Float> {
        SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
    }
}
