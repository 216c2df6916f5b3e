import Avatars
import Foundation
import HeadModel
import Tensors

/// TEST FIXTURE, not GHA's guidance: a Guidance artifact made without any fitting — the tracked
/// subject's neutral head-model mesh in canonical units, zero features, the landmarks of the mesh
/// and freshly initialised networks. It stands in for `guidance.sdf-dmtet` / `guidance.template`
/// so that the trainer can be tested without running a guidance stage.
enum TemplateGuidanceFixture {
    static let model = ProceduralHeadBuilder.build()

    /// The fixture guidance of `tracking` with narrow networks.
    static func guidance(tracking: HeadTracking, width: Int = 32, featureWidth: Int = 16, colorChannels: Int = 8) throws -> GuidanceModel {
        let space = try CanonicalHeadSpace.of(tracking: tracking, model: model)
        let neutral = try model.shapedVertices(
            identity: tracking.identity.map(Float.init),
            expression: [Float](repeating: 0, count: model.expressionCount))
        let canonical = neutral.map(space.canonical(fromModel:))
        let landmarks = model.landmarkPositions(vertices: neutral).map(space.canonical(fromModel:))
        let configuration = DynamicHeadNetworkConfiguration.uniform(
            width: width, featureWidth: featureWidth, colorChannels: colorChannels,
            expressionWidth: model.expressionCount + 3)
        var generator = Tensors.SplitMix64(seed: 5)
        let manifest = GuidanceManifest(
            source: "test-fixture", headModel: HeadModelReference(name: model.name, path: ""),
            identity: tracking.identity, scale: tracking.scale, canonicalSpace: space,
            blend: ExpressionBlend(), networks: configuration)
        return try GuidanceModel(
            manifest: manifest, vertices: Tensor(shape: [canonical.count, 3], scalars: canonical.flatMap { [$0.x, $0.y, $0.z] }),
            faces: model.triangles, features: Tensor(zeros: [canonical.count, featureWidth]),
            landmarks: Tensor(shape: [landmarks.count, 3], scalars: landmarks.flatMap { [$0.x, $0.y, $0.z] }),
            networks: DynamicHeadNetworks(configuration: configuration, generator: &generator))
    }
}
