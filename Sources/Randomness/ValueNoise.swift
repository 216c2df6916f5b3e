import Foundation

/// Seeded lattice value noise in 2D and 3D with smooth (quintic) interpolation, values in [−1, 1].
/// Used for procedural skin, hair and backdrop textures; identical results on every platform.
///
/// Every integer lattice point gets a pseudo-random value from a 64-bit hash of (seed, x, y, z)
/// (SplitMix64's finaliser); between lattice points the values are blended trilinearly with the
/// quintic fade 6t⁵ − 15t⁴ + 10t³, so the noise is C² continuous. 2D noise is the z = 0 slice.
/// Unlike `SplitMix64` it is stateless: the value at a point depends only on the seed and the point.
public struct ValueNoise: Sendable {
    /// The seed; different seeds give uncorrelated noise.
    public let seed: UInt64

    /// Noise with the given seed.
    public init(seed: UInt64) {
        self.seed = seed
    }

    /// The value at an integer lattice point, uniform-ish in [−1, 1] (24 bits of the hash).
    @inlinable @inline(__always) public func lattice(_ x: Int32, _ y: Int32, _ z: Int32) -> Float {
        var h = seed &+ UInt64(bitPattern: Int64(x)) &* 0x9E37_79B9_7F4A_7C15
        h ^= UInt64(bitPattern: Int64(y)) &* 0xC2B2_AE3D_27D4_EB4F
        h ^= UInt64(bitPattern: Int64(z)) &* 0x1656_67B1_9E37_79F9
        h = (h ^ (h >> 31)) &* 0xBF58_476D_1CE4_E5B9
        h = (h ^ (h >> 29)) &* 0x94D0_49BB_1331_11EB
        h ^= h >> 32
        return Float(h & 0xFF_FFFF) / Float(0x7F_FFFF) - 1
    }

    /// The quintic fade 6t⁵ − 15t⁴ + 10t³ (zero first and second derivatives at t = 0 and 1).
    @inlinable @inline(__always) public static func fade(_ t: Float) -> Float { t * t * t * (t * (t * 6 - 15) + 10) }

    /// Noise at a 3D point (lattice spacing 1); equals `lattice` at integer points.
    @inlinable public func value(_ p: SIMD3<Float>) -> Float {
        let f = p.rounded(.down)
        let x0 = Int32(f.x), y0 = Int32(f.y), z0 = Int32(f.z)
        let t = p - f
        let u = Self.fade(t.x), v = Self.fade(t.y), w = Self.fade(t.z)
        func mix(_ a: Float, _ b: Float, _ s: Float) -> Float { a + (b - a) * s }
        let c00 = mix(lattice(x0, y0, z0), lattice(x0 + 1, y0, z0), u)
        let c10 = mix(lattice(x0, y0 + 1, z0), lattice(x0 + 1, y0 + 1, z0), u)
        let c01 = mix(lattice(x0, y0, z0 + 1), lattice(x0 + 1, y0, z0 + 1), u)
        let c11 = mix(lattice(x0, y0 + 1, z0 + 1), lattice(x0 + 1, y0 + 1, z0 + 1), u)
        return mix(mix(c00, c10, v), mix(c01, c11, v), w)
    }

    /// Three octaves of noise (fractal sum with weights 0.57, 0.29, 0.14 at frequencies 1, 2.03,
    /// 4.01, offset so the octaves' lattices do not align), still roughly in [−1, 1].
    @inlinable public func fractal(_ p: SIMD3<Float>) -> Float {
        0.57 * value(p) + 0.29 * value(p * 2.03 + 17.1) + 0.14 * value(p * 4.01 + 41.7)
    }
}
