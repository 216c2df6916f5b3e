import AvatarFlow
import Foundation
import HeadModel

/// `synthetic.population`: N seeded identities × E expressions × C cameras with the full ground
/// truth, identities and expressions split into training and held-out — GPHM's multi-identity data.
///
/// One Capture per subject (`subject000/` …, each exactly what `synthetic.capture` writes with
/// `motion: expressions` and `identity_variety: true`: its training sequence holds the training
/// expressions, one frame each, its held-out sequence the held-out expressions), indexed by
/// `population.json`: subjects with their seed, split and identity coefficients, and the
/// expression names of each split. A training stage iterates subject by subject with `Capture.open`.
public struct PopulationStage: Stage {
    /// Parameters of `synthetic.population`.
    public struct Parameters: StageParameters {
        @Param("Population seed: which subjects are drawn. Same seed, same bytes.", range: 0...1_000_000_000)
        public var seed: Int = 1
        @Param("Identities (subjects).", range: 2...64)
        public var identities: Int = 20
        @Param("Of them, held out of training (the last ones).", range: 1...32)
        public var heldOutIdentities: Int = 4
        @Param("Expressions per subject (the first ones of the fixed expression set).", range: 2...16)
        public var expressions: Int = 12
        @Param("Of them, held out of training (the last ones).", range: 1...8)
        public var heldOutExpressions: Int = 2
        @Param("Cameras on the 120° arc.", range: 1...16)
        public var cameras: Int = 8
        @Param("Image width and height, pixels.", range: 32...1024)
        public var size: Int = 128
        @Param("Supersampling per axis (antialiased edges, fractional alpha).", range: 1...4)
        public var supersampling: Int = 1

        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "synthetic.population"
    public static let version = 1
    public static let summary = "Render a population of seeded synthetic identities × expressions × cameras with ground truth, split for training and held-out."
    /// No inputs: the subjects are procedural.
    public static let inputs: [StagePort] = []
    /// The population directory.
    public static let outputs: [StagePort] = [
        StagePort("population", .population, doc: "population.json and one synthetic capture per subject (subject000/ …).")
    ]

    public init() {}

    struct SubjectEntry: Encodable {
        var id: String
        var seed: UInt64
        var split: String
        var identity: [Float]
        var hairLength: Float
        var hairVolume: Float
        var hairParting: Float?

        enum CodingKeys: String, CodingKey {
            case id, seed, split, identity
            case hairLength = "hair_length"
            case hairVolume = "hair_volume"
            case hairParting = "hair_parting"
        }
    }

    struct Index: Encodable {
        var format = "avatarflow.synthetic-population"
        var version = 1
        var seed: Int
        var subjects: [SubjectEntry]
        var trainingExpressions: [String]
        var heldOutExpressions: [String]
        var cameras: Int
        var size: Int

        enum CodingKeys: String, CodingKey {
            case format, version, seed, subjects, cameras, size
            case trainingExpressions = "training_expressions"
            case heldOutExpressions = "held_out_expressions"
        }
    }

    /// Renders every subject into its own capture directory, then writes the index.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        guard parameters.heldOutIdentities < parameters.identities, parameters.heldOutExpressions < parameters.expressions else {
            throw SyntheticCaptureError(
                "synthetic.population: held_out_identities (\(parameters.heldOutIdentities)) and held_out_expressions (\(parameters.heldOutExpressions)) must be smaller than identities (\(parameters.identities)) and expressions (\(parameters.expressions)); lower them"
            )
        }
        let model = ProceduralHeadBuilder.build()
        let seeds = SyntheticPopulation.subjectSeeds(seed: UInt64(parameters.seed), count: parameters.identities, identityCount: model.identityCount)
        let output = try context.output("population")
        let trainingExpressions = parameters.expressions - parameters.heldOutExpressions
        var subjects: [SubjectEntry] = []
        let views = parameters.identities * parameters.expressions * parameters.cameras
        var rendered = 0
        for (k, seed) in seeds.enumerated() {
            var configuration = SyntheticCaptureConfiguration()
            configuration.seed = seed
            configuration.cameraCount = parameters.cameras
            configuration.heldOutCameraCount = 0
            configuration.width = parameters.size
            configuration.height = parameters.size
            configuration.frameCount = trainingExpressions
            configuration.heldOutFrameCount = parameters.heldOutExpressions
            configuration.supersampling = parameters.supersampling
            configuration.motion = .expressions
            configuration.identityVariety = true
            let scene = try SyntheticScene(configuration: configuration, model: model)
            let id = String(format: "subject%03d", k)
            let directory = output.appendingPathComponent(id)
            try SyntheticCaptureWriter.createDirectory(directory)
            try SyntheticCaptureWriter.write(scene, to: directory)
            rendered += parameters.expressions * parameters.cameras
            context.reportProgress(completed: rendered, total: views, unit: "views")
            subjects.append(
                SubjectEntry(
                    id: id, seed: seed, split: k < parameters.identities - parameters.heldOutIdentities ? "training" : "heldout",
                    identity: scene.subject.identity, hairLength: scene.subject.hairLength, hairVolume: scene.subject.hairVolume,
                    hairParting: scene.subject.hairParting))
        }
        let names = SyntheticPerformance.expressionSet.map(\.name)
        try SyntheticCaptureWriter.writeJSON(
            Index(
                seed: parameters.seed, subjects: subjects, trainingExpressions: Array(names[0..<trainingExpressions]),
                heldOutExpressions: Array(names[trainingExpressions..<parameters.expressions]), cameras: parameters.cameras, size: parameters.size),
            to: output.appendingPathComponent("population.json"))
        context.log("rendered \(parameters.identities) subjects × \(parameters.expressions) expressions × \(parameters.cameras) cameras")
    }
}
