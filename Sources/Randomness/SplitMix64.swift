import Foundation

/// Seeded pseudo-random generator (SplitMix64, Steele et al. 2014): same seed, same sequence
/// on every platform. Pass it explicitly (`inout`) so randomness is reproducible. One type for
/// the numeric code (Tensors) and the procedural content (Geometry, HeadModel, the synthetic
/// capture); both modules re-export it.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// Internal 64-bit state; advanced by the golden-ratio increment on every draw.
    public private(set) var state: UInt64
    private var spareNormal: Float?

    /// A generator whose sequence is fully determined by `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// Next 64 uniformly distributed bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform Float32 in [0, 1) from the top 24 bits (exactly representable steps of 2^-24).
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Standard normal Float32 via the Box–Muller transform (pairs are generated, the second cached).
    public mutating func nextNormal() -> Float {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        let u1 = (Double(next() >> 11) + 1.0) * (1.0 / 9_007_199_254_740_993.0)
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        let radius = (-2.0 * log(u1)).squareRoot()
        let angle = 2.0 * Double.pi * u2
        spareNormal = Float(radius * sin(angle))
        return Float(radius * cos(angle))
    }

    /// A uniform Float in [lower, upper).
    public mutating func nextFloat(in lower: Float, _ upper: Float) -> Float {
        lower + (upper - lower) * nextUniform()
    }

    /// An approximately standard-normal Float (sum of four uniforms, rescaled; deterministic and
    /// cheap, adequate for procedural variation, not for statistics — use `nextNormal` there).
    public mutating func nextGaussianLike() -> Float {
        let sum = nextUniform() + nextUniform() + nextUniform() + nextUniform()
        return (sum - 2) * 1.7320508
    }
}
