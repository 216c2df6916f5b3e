import Foundation
@_exported import Randomness

// Deterministic random inputs for tests. Tests draw from `SplitMix64` (the project's generator)
// through the helpers below, or from `LinearCongruentialGenerator` where a test's fixtures were
// generated with that sequence; either way, same seed, same inputs on every run and platform.

extension SplitMix64 {
    /// A uniform Float in `range` drawn with the standard library's `Float.random(in:using:)`
    /// (the sequence the splatting tests' scenes were built with; not `nextUniform()`'s mapping).
    public mutating func uniform(_ range: ClosedRange<Float>) -> Float { Float.random(in: range, using: &self) }

    /// A standard normal Float by the Box–Muller transform of two `Float.random(in: 0..<1)` draws
    /// (the first clamped to ≥ 1e-7), the second value of the pair discarded: two draws per call.
    /// A different sequence from `nextNormal()`, which works in Double and caches the pair.
    public mutating func normal() -> Float {
        let u1 = max(Float.random(in: 0..<1, using: &self), 1e-7), u2 = Float.random(in: 0..<1, using: &self)
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    /// A uniform Float in [−1, 1) from the top 24 bits of one draw: `2 · nextUniform() − 1`.
    public mutating func signedUnit() -> Float { nextUniform() * 2 - 1 }
}

/// Knuth's MMIX linear congruential generator, xₙ₊₁ = 6364136223846793005·xₙ + 1442695040888963407
/// (mod 2⁶⁴), for the test fixtures that were generated with it (matting scenes, marching
/// tetrahedra and mesh renderer inputs). Only the high bits are used: the low bits of an LCG are
/// weak, so it deliberately does not conform to `RandomNumberGenerator`.
public struct LinearCongruentialGenerator: Sendable {
    /// The current state xₙ (the seed before the first draw).
    public var state: UInt64

    /// A generator starting from `seed` (the first draw is the state after one step).
    public init(seed: UInt64) { state = seed }

    /// Advances one step and returns the new state.
    public mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state
    }

    /// A uniform Float in [0, 1) from bits 40…63 of the next state (steps of 2⁻²⁴).
    public mutating func nextUnitFloat() -> Float { Float((next() >> 40) & 0xFFFFFF) / Float(1 << 24) }

    /// A uniform Double in [0, 1) from the top 53 bits of the next state.
    public mutating func nextUnitDouble() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// A uniform Float in `range`: lower + (upper − lower) · `nextUnitFloat()`.
    public mutating func uniform(_ range: ClosedRange<Float>) -> Float {
        range.lowerBound + (range.upperBound - range.lowerBound) * nextUnitFloat()
    }
}
