import AvatarFlow
import Avatars
import Foundation
import Geometry
import HeadModel
import Tensors
import Testing

@testable import MeshGuidance

struct TemplateGuidanceStageTests {
    @Test func templateGuidanceIsTheSubdividedNeutralHeadWithFittedExpressions() throws {
        let capture = try GuidanceCapture(size: 32, frameCount: 6, ringCameras: 2, heldOut: 1)
        defer { capture.remove() }
        let harness = try StageHarness(label: "template-guidance")
        let outputs = try harness.run(
            TemplateGuidanceStage.self, name: "template", inputs: ["tracking": capture.tracking],
            with: ["iterations": .int(300), "width": .int(32), "feature_width": .int(8), "color_channels": .int(4)])
        let guidance = try GuidanceModel.read(from: try #require(outputs["guidance"]))
        let model = GuidanceCapture.model
        #expect(guidance.manifest.source == "template")
        #expect(guidance.faces.count == 4 * model.triangles.count)
        #expect(guidance.features.scalars.allSatisfy { $0 == 0 })
        // The first vertices of a midpoint subdivision are the template's own, in canonical units.
        let space = guidance.manifest.canonicalSpace
        let truth = try capture.neutralHead().positions
        let v = guidance.vertices.scalars
        for i in stride(from: 0, to: truth.count, by: 97) {
            let expected = space.canonical(fromModel: truth[i])
            #expect(simdLength(SIMD3(v[3 * i], v[3 * i + 1], v[3 * i + 2]) - expected) < 1e-5)
        }
        // The fitted expression MLP explains most of the model's expression displacement of the last frame.
        let template = try TemplateGuidance.build(model: model, tracking: capture.truth, subdivisions: 1)
        let last = capture.truth.frames.count - 1
        let condition = CanonicalHeadSpace.expressionCondition(of: capture.truth.frames[last])
        let predicted = guidance.networks.expressionDisplacement(
            points: Variable(guidance.vertices),
            expression: Variable(Tensor(shape: [1, condition.count], scalars: condition)), on: nil
        ).value.scalars
        var residual = 0.0, signal = 0.0
        for (i, d) in template.displacements[last].enumerated() {
            let e = SIMD3(predicted[3 * i], predicted[3 * i + 1], predicted[3 * i + 2]) - d
            residual += Double((e * e).sum())
            signal += Double((d * d).sum())
        }
        #expect(signal > 0)
        #expect(residual < 0.25 * signal)
    }
}
