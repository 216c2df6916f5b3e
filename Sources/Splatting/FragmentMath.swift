/// Vectorised per-fragment arithmetic shared by the forward and backward tile kernels, so both
/// passes make bit-identical α decisions.
enum FragmentMath {
    /// Lane offsets 0…7 (a literal at each use: a `static let` would cost a `swift_once` check per call).
    @inline(__always) static var laneOffsets: SIMD8<Float> { SIMD8(0, 1, 2, 3, 4, 5, 6, 7) }

    /// `exp(x)` for 8 lanes (Cephes `expf` range reduction and polynomial, ≈1 ulp on [−87, 88]).
    /// Rounding and the float→int step use the 1.5·2²³ shifter, which stays in vector registers.
    @inline(__always)
    static func exp(_ input: SIMD8<Float>) -> SIMD8<Float> {
        let low = SIMD8<Float>(repeating: -87), high = SIMD8<Float>(repeating: 88)
        var x = input.replacing(with: low, where: input .< low)
        x = x.replacing(with: high, where: x .> high)
        let shifter: Float = 12582912
        let shifted = x * 1.44269504088896341 + shifter
        let n = shifted - shifter
        let r = x - n * 0.693359375 + n * 2.12194440e-4
        let r2 = r * r
        var p = SIMD8<Float>(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let polynomial = p * r2 + r + 1
        let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((integer &+ 127) &<< 23, to: SIMD8<Float>.self)
        return polynomial * scale
    }

    /// The pixel columns of row offset `dy` (= v − y) where σ ≤ cutoff, intersected with `columns`
    /// (solving ½A·dx² + B·dy·dx + ½C·dy² = cutoff for dx), or nil when the row misses the ellipse.
    /// Widened by 0.01 px so rounding never drops a fragment the exact α test would keep.
    @inline(__always)
    static func rowSpan(_ g: ProjectedGaussian, dy: Float, columns: ClosedRange<Int>) -> ClosedRange<Int>? {
        let a = 0.5 * g.conicA, b = g.conicB * dy, c = 0.5 * g.conicC * dy * dy - g.cutoffPower
        let discriminant = b * b - 4 * a * c
        if !(discriminant >= 0) { return nil }
        let root = discriminant.squareRoot()
        let dxLow = (-b - root) / (2 * a), dxHigh = (-b + root) / (2 * a)
        let low = max(Float(columns.lowerBound), (g.u - dxHigh - 0.01).rounded(.up))
        let high = min(Float(columns.upperBound), (g.u - dxLow + 0.01).rounded(.down))
        if !(low <= high) { return nil }
        return Int(low)...Int(high)
    }

    /// The 8 horizontally adjacent fragments starting at pixel column `xStart` in row `y`.
    struct Fragments {
        static let empty = Fragments(dx: .zero, power: .zero, gaussian: .zero, rawAlpha: .zero, alpha: .zero,
                                     valid: SIMDMask(repeating: false))
        var dx: SIMD8<Float>
        var power: SIMD8<Float>
        var gaussian: SIMD8<Float>
        var rawAlpha: SIMD8<Float>
        var alpha: SIMD8<Float>
        var valid: SIMDMask<SIMD8<Int32>>
    }

    /// σ = ½(A·dx² + C·dy²) + B·dx·dy with d = u − p; α = min(maxAlpha, o·e^(−σ)); valid where the
    /// column is inside `columns`, `candidate` holds, σ ∈ [0, cutoff] and α ≥ threshold.
    /// Writes into `f` (no large return value to copy) and returns false when no lane is valid.
    @_transparent
    static func fragments(_ g: ProjectedGaussian, xStart: Int, dy: Float, columns: ClosedRange<Int>,
                          candidate: SIMDMask<SIMD8<Int32>>, threshold: Float, maxAlpha: Float,
                          into f: inout Fragments) -> Bool {
        // Float comparisons only: they compile to vector compares, integer ones are scalarised.
        let x = SIMD8<Float>(repeating: Float(xStart)) + laneOffsets
        var valid = candidate .& (x .>= Float(columns.lowerBound)) .& (x .<= Float(columns.upperBound))
        if !any(valid) { return false }
        let dx = SIMD8<Float>(repeating: g.u - Float(xStart)) - laneOffsets
        let power = (0.5 * g.conicA * dx + g.conicB * dy) * dx + 0.5 * g.conicC * dy * dy
        valid .&= (power .>= 0) .& (power .<= g.cutoffPower)
        if !any(valid) { return false }
        let gaussian = exp(-power)
        let raw = g.opacity * gaussian
        let alpha = raw.replacing(with: maxAlpha, where: raw .> maxAlpha)
        valid .&= alpha .>= threshold
        if !any(valid) { return false }
        f.dx = dx
        f.power = power
        f.gaussian = gaussian
        f.rawAlpha = raw
        f.alpha = alpha
        f.valid = valid
        return true
    }

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }
    @inline(__always) static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }
}
