/// A small, fast, seedable pseudo-random generator (SplitMix64, Steele et al. 2014). Same seed,
/// same sequence on every platform, so procedural content is byte-reproducible.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// Current state.
    public var state: UInt64

    /// Creates a generator from a seed.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform Float in [0, 1) with 24 random bits (platform-independent, unlike `Float.random`).
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1 / Float(1 << 24))
    }

    /// A uniform Float in [lower, upper).
    public mutating func nextFloat(in lower: Float, _ upper: Float) -> Float {
        lower + (upper - lower) * nextUnitFloat()
    }

    /// An approximately standard-normal Float (sum of four uniforms, rescaled; deterministic and
    /// cheap, adequate for procedural variation, not for statistics).
    public mutating func nextGaussianLike() -> Float {
        let sum = nextUnitFloat() + nextUnitFloat() + nextUnitFloat() + nextUnitFloat()
        return (sum - 2) * 1.7320508
    }
}
