/// Smooth scalar helpers used by the procedural head.
enum Shape {
    /// Hermite smoothstep from `edge0` (0) to `edge1` (1); edges may be given in either order.
    @inline(__always) static func smoothstep(_ edge0: Float, _ edge1: Float, _ x: Float) -> Float {
        let t = min(max((x - edge0) / (edge1 - edge0), 0), 1)
        return t * t * (3 - 2 * t)
    }

    /// Compact C¹ bump `(1 − r²)²` of the elliptical radius r = |(dx/rx, dy/ry)|; 0 outside.
    @inline(__always) static func bump(_ dx: Float, _ dy: Float, _ rx: Float, _ ry: Float) -> Float {
        let r2 = (dx / rx) * (dx / rx) + (dy / ry) * (dy / ry)
        return r2 < 1 ? (1 - r2) * (1 - r2) : 0
    }

    /// Smooth maximum `log(Σ exp(k·a_i)) / k` (a soft union of radial distances).
    @inline(__always) static func smoothMax(_ values: [Float], sharpness k: Float) -> Float {
        let top = values.max() ?? 0
        var sum: Float = 0
        for value in values { sum += expf(k * (value - top)) }
        return top + logf(sum) / k
    }

    /// Linear interpolation.
    @inline(__always) static func mix(_ a: Float, _ b: Float, _ t: Float) -> Float {
        a + (b - a) * t
    }

    /// Exit distance along a ray (origin o, unit direction d) of the ellipsoid with centre c and
    /// radii r; 0 when the ray misses it.
    static func ellipsoidExit(origin o: SIMD3<Float>, direction d: SIMD3<Float>, center c: SIMD3<Float>, radii r: SIMD3<Float>) -> Float {
        let oo = (o - c) / r, dd = d / r
        let a = (dd * dd).sum(), b = (oo * dd).sum(), cc = (oo * oo).sum() - 1
        let disc = b * b - a * cc
        if disc < 0 || a == 0 { return 0 }
        return max(0, (-b + disc.squareRoot()) / a)
    }

    /// Exit distance along a ray of the vertical elliptic cylinder x²/rx² + (z − cz)²/rz² = 1; 0 on a miss.
    static func cylinderExit(origin o: SIMD3<Float>, direction d: SIMD3<Float>, centerZ cz: Float, radiusX rx: Float, radiusZ rz: Float) -> Float {
        let ox = o.x / rx, oz = (o.z - cz) / rz, dx = d.x / rx, dz = d.z / rz
        let a = dx * dx + dz * dz, b = ox * dx + oz * dz, c = ox * ox + oz * oz - 1
        let disc = b * b - a * c
        if disc < 0 || a < 1e-9 { return 0 }
        return max(0, (-b + disc.squareRoot()) / a)
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
