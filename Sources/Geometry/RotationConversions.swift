import Foundation

/// Axis-angle (rotation vector) and 6D conversions of rotation matrices.
extension Matrix3x3 {
    /// The rotation matrix of a rotation vector `r` (unit axis × angle in radians), by
    /// Rodrigues' formula `R = I + sinθ [k]× + (1 − cosθ) [k]×²`.
    public init(rotationVector r: SIMD3<Float>) {
        let angle = simdLength(r)
        if angle < 1e-8 {
            self = .identity + Matrix3x3.crossProductMatrix(r)
            return
        }
        let k = Matrix3x3.crossProductMatrix(r / angle)
        self = .identity + sin(angle) * k + (1 - cos(angle)) * (k * k)
    }

    /// The rotation vector of this rotation matrix (angle in [0, π]); robust near π through
    /// the quaternion form.
    public var rotationVector: SIMD3<Float> {
        Quaternion(rotationMatrix: self).rotationVector
    }

    /// The rotation matrix of the continuous 6D representation of Zhou et al. (CVPR 2019, Eq. 15–16):
    /// the first two columns `a1 = r[0..<3]`, `a2 = r[3..<6]` are orthonormalised by Gram–Schmidt
    /// and the third is their cross product. Any 6 numbers with non-parallel halves give a rotation.
    public init(rotation6D r: [Float]) {
        precondition(r.count == 6, "a 6D rotation has 6 values")
        let a1 = SIMD3(r[0], r[1], r[2]), a2 = SIMD3(r[3], r[4], r[5])
        let b1 = simdNormalize(a1)
        let b2 = simdNormalize(a2 - simdDot(b1, a2) * b1)
        self.init(columns: b1, b2, simdCross(b1, b2))
    }

    /// The 6D representation (first column then second column) of this rotation matrix.
    public var rotation6D: [Float] {
        let c0 = column(0), c1 = column(1)
        return [c0.x, c0.y, c0.z, c1.x, c1.y, c1.z]
    }
}
