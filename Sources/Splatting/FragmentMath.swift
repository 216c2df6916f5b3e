/// Vectorised per-fragment arithmetic shared by the forward and backward tile kernels, so both
/// passes make bit-identical α decisions.
enum FragmentMath {
    /// Lane offsets 0…7 (a literal at each use: a `static let` would cost a `swift_once` check per call).
    @inline(__always) static var laneOffsets: SIMD8<Float> { SIMD8(0, 1, 2, 3, 4, 5, 6, 7) }

    /// `exp(x)` for 8 lanes (Cephes `expf` range reduction and polynomial evaluated with fused
    /// multiply-adds, ≈1 ulp on [−87, 88]).
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
        p = SIMD8(repeating: 1.3981999507e-3).addingProduct(p, r)
        p = SIMD8(repeating: 8.3334519073e-3).addingProduct(p, r)
        p = SIMD8(repeating: 4.1665795894e-2).addingProduct(p, r)
        p = SIMD8(repeating: 1.6666665459e-1).addingProduct(p, r)
        p = SIMD8(repeating: 5.0000001201e-1).addingProduct(p, r)
        let polynomial = (r + 1).addingProduct(p, r2)
        let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((integer &+ 127) &<< 23, to: SIMD8<Float>.self)
        return polynomial * scale
    }

    /// The 8 horizontally adjacent fragments starting at pixel column `xStart` in row `y`.
    struct Fragments {
        static let empty = Fragments(
            dx: .zero, power: .zero, gaussian: .zero, rawAlpha: .zero, alpha: .zero,
            valid: SIMDMask(repeating: false))
        var dx: SIMD8<Float>
        var power: SIMD8<Float>
        var gaussian: SIMD8<Float>
        var rawAlpha: SIMD8<Float>
        var alpha: SIMD8<Float>
        var valid: SIMDMask<SIMD8<Int32>>
    }

    /// The per-row part of σ for row offset `dy` (= v − y): `B·dy` and `½C·dy²`.
    struct Row {
        var dy: Float
        var linear: Float
        var constant: Float
        @inline(__always) init(_ g: ProjectedGaussian, y: Int) {
            dy = g.v - Float(y)
            linear = g.conicB * dy
            constant = 0.5 * g.conicC * dy * dy
        }
    }

    /// A Gaussian's column data over the two 8-pixel groups of a 16-pixel tile row: `dx` = u − x
    /// per lane and whether the column lies in the Gaussian's support box. It does not depend on the
    /// row, so it is computed once per (Gaussian, tile) instead of once per group.
    struct Columns {
        var dx: (SIMD8<Float>, SIMD8<Float>)
        var inBox: (SIMDMask<SIMD8<Int32>>, SIMDMask<SIMD8<Int32>>)
        @inline(__always) init(_ g: ProjectedGaussian, tileX x0: Int, columnLow: Float, columnHigh: Float) {
            let offsets = laneOffsets
            let x = (SIMD8<Float>(repeating: Float(x0)) + offsets, SIMD8<Float>(repeating: Float(x0 + 8)) + offsets)
            dx = (SIMD8<Float>(repeating: g.u - Float(x0)) - offsets, SIMD8<Float>(repeating: g.u - Float(x0 + 8)) - offsets)
            inBox = ((x.0 .>= columnLow) .& (x.0 .<= columnHigh), (x.1 .>= columnLow) .& (x.1 .<= columnHigh))
        }
    }

    /// σ = ½(A·dx² + C·dy²) + B·dx·dy with d = u − p; α = min(maxAlpha, o·e^(−σ)); valid where
    /// `inBox` and `candidate` hold, σ ∈ [0, cutoff] and α ≥ threshold. Branch-free: every lane is
    /// evaluated (8 `exp` lanes cost less than a mispredicted early exit), and `f` is written in
    /// place (no large value copied).
    @_transparent
    static func fragments(
        _ g: ProjectedGaussian, dx: SIMD8<Float>, inBox: SIMDMask<SIMD8<Int32>>, row: Row,
        candidate: SIMDMask<SIMD8<Int32>>, threshold: Float, maxAlpha: Float, into f: inout Fragments
    ) {
        // Float comparisons only: they compile to vector compares, integer ones are scalarised.
        let inner = SIMD8<Float>(repeating: row.linear).addingProduct(0.5 * g.conicA, dx)
        let power = SIMD8<Float>(repeating: row.constant).addingProduct(inner, dx)
        let gaussian = exp(-power)
        let raw = g.opacity * gaussian
        let alpha = raw.replacing(with: maxAlpha, where: raw .> maxAlpha)
        f.dx = dx
        f.power = power
        f.gaussian = gaussian
        f.rawAlpha = raw
        f.alpha = alpha
        let inFootprint = candidate .& inBox .& (power .>= 0) .& (power .<= g.cutoffPower)
        let valid = inFootprint .& (alpha .>= threshold)
        f.valid = valid
    }

    /// Sum of the 8 lanes by halving (3 vector adds; `SIMD.sum()` adds the lanes one after another).
    @inline(__always) static func horizontalSum(_ v: SIMD8<Float>) -> Float {
        let quarter = v.lowHalf + v.highHalf
        let pair = quarter.lowHalf + quarter.highHalf
        return pair.x + pair.y
    }

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }
    @inline(__always) static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }
}
