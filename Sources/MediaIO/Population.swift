import Foundation

/// The Population artifact: one capture directory per subject, indexed by `population.json`
/// (written by `synthetic.population`; docs/synthetic-capture.md). Multi-identity training
/// stages read it here and open each subject with `Capture.open(population.captureDirectory(of:))`.
///
///     population/
///       population.json   {"format": "avatarflow.synthetic-population", "version": 1, "seed": …,
///                          "subjects": [{"id", "seed", "split": "training"|"heldout", "identity", …}],
///                          "training_expressions": […], "held_out_expressions": […], "cameras": C, "size": S}
///       subject000/ …      captures (their training sequence = training expressions, held-out sequence = held-out ones)
public struct Population: Sendable {
    /// Name of the index file inside the directory.
    public static let indexFileName = "population.json"

    /// One subject of the population.
    public struct Subject: Codable, Sendable, Equatable {
        /// Directory name of the subject's capture ("subject000").
        public var id: String
        /// The seed it was drawn from.
        public var seed: UInt64
        /// "training" or "heldout".
        public var split: String
        /// Identity coefficients of the head model.
        public var identity: [Float]

        /// Whether the subject is held out of training.
        public var isHeldOut: Bool { split == "heldout" }
    }

    /// `population.json` (fields a reader needs; others are ignored).
    public struct Index: Codable, Sendable, Equatable {
        /// The subjects in order.
        public var subjects: [Subject]
        /// Expression names of every subject's training sequence, in frame order.
        public var trainingExpressions: [String]
        /// Expression names of every subject's held-out sequence, in frame order.
        public var heldOutExpressions: [String]

        enum CodingKeys: String, CodingKey {
            case subjects
            case trainingExpressions = "training_expressions"
            case heldOutExpressions = "held_out_expressions"
        }
    }

    /// The population directory.
    public let directory: URL
    /// Its index.
    public let index: Index

    /// The training subjects, in order.
    public var trainingSubjects: [Subject] { index.subjects.filter { !$0.isHeldOut } }
    /// The held-out subjects, in order.
    public var heldOutSubjects: [Subject] { index.subjects.filter(\.isHeldOut) }

    /// Reads `population.json` and checks every subject's capture directory exists.
    public static func open(_ directory: URL) throws -> Population {
        let url = directory.appendingPathComponent(indexFileName)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw MediaIOError(.invalidLayout, path: url.path, "population.json is missing: connect the output of synthetic.population")
        }
        let index: Index
        do {
            index = try JSONDecoder().decode(Index.self, from: data)
        } catch {
            throw MediaIOError(.invalidLayout, path: url.path, "cannot parse the population index (\(error)); re-run synthetic.population")
        }
        let population = Population(directory: directory, index: index)
        for subject in index.subjects where !FileManager.default.fileExists(atPath: population.captureDirectory(of: subject).path) {
            throw MediaIOError(
                .invalidLayout, path: population.captureDirectory(of: subject).path, "the subject's capture is missing; re-run synthetic.population")
        }
        return population
    }

    /// The capture directory of `subject`.
    public func captureDirectory(of subject: Subject) -> URL {
        directory.appendingPathComponent(subject.id)
    }
}
