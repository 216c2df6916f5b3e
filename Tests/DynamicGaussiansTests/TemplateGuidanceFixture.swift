import AvatarFlow
import Avatars
import Foundation
import HeadModel
import Tensors

/// TEST FIXTURE, not GHA's guidance: a Guidance artifact made without any fitting — the tracked
/// subject's neutral head-model mesh in canonical units, zero features, the landmarks of the mesh
/// and freshly initialised networks. It stands in for `guidance.sdf-dmtet` / `guidance.template`
/// so that `gaussians.dynamic` can be tested on its own.
enum TemplateGuidanceFixture {
    static let model = ProceduralHeadBuilder.build()

    /// The fixture guidance of `tracking` with narrow networks.
    static func guidance(tracking: HeadTracking, width: Int = 32, featureWidth: Int = 16, colorChannels: Int = 8) throws -> GuidanceModel {
        let space = try CanonicalHeadSpace.of(tracking: tracking, model: model)
        let neutral = try model.shapedVertices(identity: tracking.identity.map(Float.init),
                                               expression: [Float](repeating: 0, count: model.expressionCount))
        let canonical = neutral.map(space.canonical(fromModel:))
        let landmarks = model.landmarkPositions(vertices: neutral).map(space.canonical(fromModel:))
        let configuration = DynamicHeadNetworkConfiguration.uniform(width: width, featureWidth: featureWidth, colorChannels: colorChannels,
                                                                    expressionWidth: model.expressionCount + 3)
        var generator = Tensors.SplitMix64(seed: 5)
        let manifest = GuidanceManifest(source: "test-fixture", headModel: HeadModelReference(name: model.name, path: ""),
                                        identity: tracking.identity, scale: tracking.scale, canonicalSpace: space,
                                        blend: ExpressionBlend(), networks: configuration)
        return try GuidanceModel(manifest: manifest, vertices: Tensor(shape: [canonical.count, 3], scalars: canonical.flatMap { [$0.x, $0.y, $0.z] }),
                                 faces: model.triangles, features: Tensor(zeros: [canonical.count, featureWidth]),
                                 landmarks: Tensor(shape: [landmarks.count, 3], scalars: landmarks.flatMap { [$0.x, $0.y, $0.z] }),
                                 networks: DynamicHeadNetworks(configuration: configuration, generator: &generator))
    }
}

/// TEST FIXTURE stage `test.template-guidance-fixture`: writes `TemplateGuidanceFixture.guidance`
/// for a tracking, so pipeline tests can replace the guidance stage of gaussian-head-avatar.yaml.
struct TemplateGuidanceFixtureStage: Stage {
    struct Parameters: StageParameters {
        var width: Int
        var featureWidth: Int
        var colorChannels: Int

        enum CodingKeys: String, CodingKey {
            case width
            case featureWidth = "feature_width"
            case colorChannels = "color_channels"
        }

        static let fields: [ParameterField] = [
            .int("width", 32, range: 1...1024, doc: "Hidden width of the four MLPs."),
            .int("feature_width", 16, range: 1...1024, doc: "Width of the per-vertex features."),
            .int("color_channels", 8, range: 3...256, doc: "Channels of the rendered feature image."),
        ]
    }

    static let id = "test.template-guidance-fixture"
    static let version = 1
    static let summary = "Test fixture: the tracked neutral template as an unfitted Guidance."
    static let inputs = [StagePort("tracking", .tracking, doc: "Tracking of the capture.")]
    static let outputs = [StagePort("guidance", .guidance, doc: "Fixture guidance.")]

    func run(_ context: StageContext, _ parameters: Parameters) throws {
        let tracking = try HeadTracking.read(from: try context.input("tracking"))
        try TemplateGuidanceFixture.guidance(tracking: tracking, width: parameters.width, featureWidth: parameters.featureWidth,
                                             colorChannels: parameters.colorChannels).write(to: try context.output("guidance"))
    }
}
