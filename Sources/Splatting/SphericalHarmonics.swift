/// Real spherical-harmonics basis of degree ≤ 3 in the 3DGS sign convention (graphdeco
/// `computeColorFromSH`), with its gradient with respect to the unit direction.
enum SphericalHarmonics {
    static let c0: Float = 0.28209479177387814
    static let c1: Float = 0.4886025119029199
    static let c2: (Float, Float, Float, Float, Float) =
        (1.0925484305920792, -1.0925484305920792, 0.31539156525252005, -1.0925484305920792, 0.5462742152960396)
    static let c3: (Float, Float, Float, Float, Float, Float, Float) =
        (
            -0.5900435899266435, 2.890611442640554, -0.4570457994644658, 0.3731763325901154,
            -0.4570457994644658, 1.445305721320277, -0.5900435899266435
        )

    /// Number of coefficients per channel for a degree.
    static func coefficientCount(degree: Int) -> Int { (degree + 1) * (degree + 1) }

    /// Writes the basis values `b_k(d)` for `k < (degree+1)²` into `basis` (unit `d`).
    @inline(__always)
    static func basis(_ d: SIMD3<Float>, degree: Int, into basis: UnsafeMutablePointer<Float>) {
        basis[0] = c0
        if degree < 1 { return }
        let (x, y, z) = (d.x, d.y, d.z)
        basis[1] = -c1 * y
        basis[2] = c1 * z
        basis[3] = -c1 * x
        if degree < 2 { return }
        let (xx, yy, zz) = (x * x, y * y, z * z)
        basis[4] = c2.0 * x * y
        basis[5] = c2.1 * y * z
        basis[6] = c2.2 * (2 * zz - xx - yy)
        basis[7] = c2.3 * x * z
        basis[8] = c2.4 * (xx - yy)
        if degree < 3 { return }
        basis[9] = c3.0 * y * (3 * xx - yy)
        basis[10] = c3.1 * x * y * z
        basis[11] = c3.2 * y * (4 * zz - xx - yy)
        basis[12] = c3.3 * z * (2 * zz - 3 * xx - 3 * yy)
        basis[13] = c3.4 * x * (4 * zz - xx - yy)
        basis[14] = c3.5 * z * (xx - yy)
        basis[15] = c3.6 * x * (xx - 3 * yy)
    }

    /// `Σ_k weights[k]·∇b_k(d)`: the gradient with respect to the (unnormalised-free) unit
    /// direction of `Σ_k weights[k]·b_k(d)`.
    @inline(__always)
    static func directionGradient(_ d: SIMD3<Float>, degree: Int, weights w: UnsafePointer<Float>) -> SIMD3<Float> {
        if degree < 1 { return .zero }
        let (x, y, z) = (d.x, d.y, d.z)
        var g = SIMD3<Float>(-c1 * w[3], -c1 * w[1], c1 * w[2])
        if degree < 2 { return g }
        let (xx, yy, zz) = (x * x, y * y, z * z)
        g += w[4] * c2.0 * SIMD3(y, x, 0)
        g += w[5] * c2.1 * SIMD3(0, z, y)
        g += w[6] * c2.2 * SIMD3(-2 * x, -2 * y, 4 * z)
        g += w[7] * c2.3 * SIMD3(z, 0, x)
        g += w[8] * c2.4 * SIMD3(2 * x, -2 * y, 0)
        if degree < 3 { return g }
        g += w[9] * c3.0 * SIMD3(6 * x * y, 3 * xx - 3 * yy, 0)
        g += w[10] * c3.1 * SIMD3(y * z, x * z, x * y)
        g += w[11] * c3.2 * SIMD3(-2 * x * y, 4 * zz - xx - 3 * yy, 8 * y * z)
        g += w[12] * c3.3 * SIMD3(-6 * x * z, -6 * y * z, 6 * zz - 3 * xx - 3 * yy)
        g += w[13] * c3.4 * SIMD3(4 * zz - 3 * xx - yy, -2 * x * y, 8 * x * z)
        g += w[14] * c3.5 * SIMD3(2 * x * z, -2 * y * z, xx - yy)
        g += w[15] * c3.6 * SIMD3(3 * xx - 3 * yy, -6 * x * y, 0)
        return g
    }
}
