import Foundation
import Geometry
import HeadModel
import MediaIO

/// A population of synthetic subjects (GPHM's multi-identity training data): seeded identities
/// that differ clearly in shape and appearance, each rendered as its own synthetic capture with
/// the `expressions` motion, split into training and held-out identities.
public enum SyntheticPopulation {
    /// Smallest identity-coefficient distance between two subjects of a population.
    public static let minimumShapeDistance: Float = 2
    /// Smallest appearance distance (`appearanceDistance`) between two subjects of a population.
    public static let minimumAppearanceDistance: Float = 0.12

    /// The population's subject seeds: subject k's candidate seeds are drawn from the population
    /// seed, and the first candidate at least `minimumShapeDistance` and
    /// `minimumAppearanceDistance` from every earlier subject is taken (after 64 candidates, the
    /// one farthest from its nearest earlier subject).
    public static func subjectSeeds(seed: UInt64, count: Int, identityCount: Int) -> [UInt64] {
        var generator = SplitMix64(seed: seed ^ 0x504F_5055_4C41_5449)
        var seeds: [UInt64] = []
        var subjects: [SyntheticSubject] = []
        for _ in 0..<count {
            var best: (seed: UInt64, subject: SyntheticSubject, margin: Float)?
            for _ in 0..<64 {
                let candidate = generator.next() % 1_000_000_000
                let subject = SyntheticSubject(seed: candidate, identityCount: identityCount, varied: true)
                let margin =
                    subjects.map {
                        min(
                            shapeDistance(subject, $0) / minimumShapeDistance,
                            appearanceDistance(subject, $0) / minimumAppearanceDistance)
                    }.min() ?? .infinity
                if best == nil || margin > best!.margin { best = (candidate, subject, margin) }
                if margin >= 1 { break }
            }
            seeds.append(best!.seed)
            subjects.append(best!.subject)
        }
        return seeds
    }

    /// Euclidean distance between two subjects' identity coefficients.
    public static func shapeDistance(_ a: SyntheticSubject, _ b: SyntheticSubject) -> Float {
        zip(a.identity, b.identity).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
    }

    /// Appearance distance: skin, hair and iris colour differences (linear RGB, Euclidean) plus
    /// twice the hair-length difference in metres and a tenth of the volume difference.
    public static func appearanceDistance(_ a: SyntheticSubject, _ b: SyntheticSubject) -> Float {
        simdLength(a.skinColor - b.skinColor) + simdLength(a.hairColor - b.hairColor) + 0.5 * simdLength(a.irisColor - b.irisColor)
            + 2 * abs(a.hairLength - b.hairLength) + 0.1 * abs(a.hairVolume - b.hairVolume)
    }
}
