import Geometry
import HeadModel

/// The appearance and identity of one synthetic subject, all drawn from its seed.
public struct SyntheticSubject: Sendable {
    /// Identity coefficients of the head model (about ±1.5 standard deviations).
    public let identity: [Float]
    /// Linear RGB skin albedo (palettes are given in sRGB-like values and linearised).
    public private(set) var skinColor: SIMD3<Float>
    /// Linear RGB hair albedo.
    public private(set) var hairColor: SIMD3<Float>
    /// Linear RGB iris albedo.
    public private(set) var irisColor: SIMD3<Float>
    /// Linear RGB lip albedo.
    public private(set) var lipColor: SIMD3<Float>
    /// Linear RGB shirt albedo.
    public let shirtColor: SIMD3<Float>
    /// Length of the hair cards, metres.
    public private(set) var hairLength: Float
    /// Seed for noise fields derived from the subject.
    public let noiseSeed: UInt64
    /// Hair volume: scales the cards' width and lift and their density (1 = the talking capture's).
    public private(set) var hairVolume: Float
    /// Parting of the hair: x of the parting line on the scalp in metres (negative = subject's
    /// right), nil for no parting.
    public private(set) var hairParting: Float?
    /// Strength of the skin's blotches and freckles (1 = the talking capture's blotches, no freckles).
    public private(set) var skinTexture: Float

    /// Draws a subject from a seed for a model with `identityCount` coefficients. `varied` draws
    /// the wider appearance of a population (continuous skin tones with texture and freckles,
    /// seven hair colours, five eye colours, hair from 4 to 30 cm with volume and parting) from a
    /// second stream, so the default subject (`varied` false) is unchanged.
    public init(seed: UInt64, identityCount: Int, varied: Bool = false) {
        var generator = SplitMix64(seed: seed &* 0x2545_F491_4F6C_DD1D &+ 0x1234_5678)
        identity = (0..<identityCount).map { _ in max(-1.8, min(1.8, 0.8 * generator.nextGaussianLike())) }
        let skinTones: [SIMD3<Float>] = [
            SIMD3(0.93, 0.72, 0.60), SIMD3(0.80, 0.57, 0.43), SIMD3(0.62, 0.42, 0.30),
            SIMD3(0.45, 0.30, 0.21), SIMD3(0.96, 0.80, 0.70),
        ]
        let hairTones: [SIMD3<Float>] = [
            SIMD3(0.10, 0.07, 0.05), SIMD3(0.30, 0.19, 0.10), SIMD3(0.55, 0.40, 0.22),
            SIMD3(0.04, 0.035, 0.03), SIMD3(0.45, 0.20, 0.08),
        ]
        let irisTones: [SIMD3<Float>] = [SIMD3(0.25, 0.15, 0.07), SIMD3(0.20, 0.35, 0.55), SIMD3(0.25, 0.40, 0.22), SIMD3(0.12, 0.08, 0.05)]
        let shirtTones: [SIMD3<Float>] = [SIMD3(0.15, 0.25, 0.45), SIMD3(0.55, 0.12, 0.12), SIMD3(0.2, 0.4, 0.25), SIMD3(0.35, 0.35, 0.38)]
        func pick(_ palette: [SIMD3<Float>]) -> SIMD3<Float> {
            let base = palette[Int(generator.next() % UInt64(palette.count))]
            let jitter = SIMD3(generator.nextFloat(in: 0.93, 1.07), generator.nextFloat(in: 0.93, 1.07), generator.nextFloat(in: 0.93, 1.07))
            let encoded = pointwiseMin(base * jitter, SIMD3(repeating: 1))
            return encoded * encoded * (0.2 + 0.8 * encoded)
        }
        skinColor = pick(skinTones)
        hairColor = pick(hairTones)
        irisColor = pick(irisTones)
        shirtColor = pick(shirtTones)
        lipColor = skinColor * SIMD3(0.85, 0.55, 0.55)
        hairLength = generator.nextFloat(in: 0.07, 0.13)
        noiseSeed = generator.next()
        guard varied else {
            (hairVolume, hairParting, skinTexture) = (1, nil, 1)
            return
        }
        var style = SplitMix64(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ 0x5641_5259)
        func linear(_ encoded: SIMD3<Float>) -> SIMD3<Float> {
            let clamped = pointwiseMin(pointwiseMax(encoded, .zero), SIMD3(repeating: 1))
            return clamped * clamped * (0.2 + 0.8 * clamped)
        }
        func jitter(_ amount: Float) -> SIMD3<Float> {
            SIMD3(style.nextFloat(in: 1 - amount, 1 + amount), style.nextFloat(in: 1 - amount, 1 + amount), style.nextFloat(in: 1 - amount, 1 + amount))
        }
        let tone = style.nextUniform()
        let lightest = SIMD3<Float>(0.97, 0.82, 0.72), darkest = SIMD3<Float>(0.36, 0.23, 0.16)
        skinColor = linear((lightest + (darkest - lightest) * tone) * jitter(0.04))
        let hairPalette: [SIMD3<Float>] = [
            SIMD3(0.05, 0.04, 0.035), SIMD3(0.18, 0.11, 0.06), SIMD3(0.36, 0.23, 0.12), SIMD3(0.55, 0.25, 0.1),
            SIMD3(0.85, 0.7, 0.42), SIMD3(0.93, 0.88, 0.75), SIMD3(0.62, 0.6, 0.58),
        ]
        hairColor = linear(hairPalette[Int(style.next() % UInt64(hairPalette.count))] * jitter(0.06))
        let irisPalette: [SIMD3<Float>] = [
            SIMD3(0.25, 0.15, 0.07), SIMD3(0.2, 0.38, 0.62), SIMD3(0.25, 0.42, 0.22), SIMD3(0.42, 0.33, 0.15), SIMD3(0.5, 0.55, 0.58),
        ]
        irisColor = linear(irisPalette[Int(style.next() % UInt64(irisPalette.count))] * jitter(0.06))
        lipColor = skinColor * SIMD3(style.nextFloat(in: 0.8, 0.9), style.nextFloat(in: 0.45, 0.6), style.nextFloat(in: 0.5, 0.6))
        hairLength = style.nextFloat(in: 0.04, 0.30)
        hairVolume = style.nextFloat(in: 0.6, 1.5)
        let parting = style.next() % 4
        hairParting = parting == 0 ? nil : (parting == 1 ? -0.025 : (parting == 2 ? 0 : 0.025)) + style.nextFloat(in: -0.005, 0.005)
        skinTexture = style.nextFloat(in: 0.5, 2.5)
    }
}

/// How the hair cards of a capture are simulated: length, volume, parting, settling and collisions,
/// from the subject and the motion preset.
struct HairStyle: Sendable {
    /// Card length, metres.
    var length: Float
    /// Volume (card width, lift and density scale).
    var volume: Float = 1
    /// x of the parting line, metres, or nil.
    var parting: Float?
    /// Seconds of settling in the first frame's pose before frame 0.
    var settlingSeconds: Float
    /// Whether the cards collide with the shoulders (long hair).
    var collidesWithShoulders: Bool
    /// Whether the simulation runs stabilised (`HairSimulation.stabilised`; long hair).
    var stabilised: Bool

    /// The talking and expressive presets keep the subject's hair as drawn; the hair-swing preset
    /// grows it to 0.24–0.30 m (to the shoulders) and settles it for two seconds. Hair longer than
    /// 16 cm collides with the shoulders and is simulated stabilised (`HairSimulation.stabilised`).
    init(subject: SyntheticSubject, motion: SyntheticMotion) {
        volume = subject.hairVolume
        parting = subject.hairParting
        if motion == .hairSwing {
            length = 0.24 + 0.06 * min(1, max(0, (subject.hairLength - 0.04) / 0.26))
            settlingSeconds = 2
            collidesWithShoulders = true
            stabilised = true
        } else {
            length = subject.hairLength
            settlingSeconds = 1
            collidesWithShoulders = subject.hairLength > 0.16
            stabilised = subject.hairLength > 0.16
        }
    }
}
