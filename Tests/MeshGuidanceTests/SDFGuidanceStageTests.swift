import AvatarFlow
import Avatars
import Foundation
import Geometry
import HeadModel
import Testing

@testable import MeshGuidance

/// Ground-truth test of `guidance.sdf-dmtet` on a tiny synthetic capture: the fitted neutral mesh
/// against the true neutral head, and silhouettes on held-out cameras.
struct SDFGuidanceStageTests {
    static let overrides: [String: ConfigValue] = [
        "iterations": .int(400), "pretrain_iterations": .int(200), "grid_resolution": .int(32), "render_size": .int(96),
        "width": .int(32), "feature_width": .int(16), "color_channels": .int(8), "held_out_cameras": .list([.string("held0"), .string("held1")]),
    ]

    @Test func fittedNeutralMeshMatchesTrueHeadAndHeldOutSilhouettes() throws {
        let capture = try GuidanceCapture()
        defer { capture.remove() }
        let start = Date()
        let harness = try StageHarness(label: "guidance")
        let outputs = try harness.run(
            SDFGuidanceStage.self, name: "guide", inputs: ["frames": capture.frames, "tracking": capture.tracking],
            with: Self.overrides)
        let output = try #require(outputs["guidance"])
        let seconds = Date().timeIntervalSince(start)
        let guidance = try GuidanceModel.read(from: output)
        #expect(guidance.manifest.source == "sdf-dmtet")
        #expect(guidance.landmarks.shape == [68, 3])

        let space = guidance.manifest.canonicalSpace
        let truth = try capture.neutralHead()
        let trueCanonical = TriangleMesh(positions: truth.positions.map(space.canonical(fromModel:)), triangles: truth.triangles)
        let scalars = guidance.vertices.scalars
        let fitted = TriangleMesh(
            positions: (0..<guidance.vertices.shape[0]).map { SIMD3(scalars[3 * $0], scalars[3 * $0 + 1], scalars[3 * $0 + 2]) },
            triangles: guidance.faces)
        let chamfer = try ChamferDistance.measure(fitted, trueCanonical, samples: 100_000)
        let heldOutIoU = try #require(guidance.manifest.metrics["held_out_silhouette_iou"])
        print(
            "guidance ground truth: chamfer \(chamfer.symmetric * 100)% of head length (fitted→true \(chamfer.forward * 100)%, true→fitted \(chamfer.backward * 100)%), held-out IoU \(heldOutIoU), training IoU \(guidance.manifest.metrics["training_silhouette_iou"] ?? .nan), \(guidance.faces.count) faces, \(seconds) s"
        )
        // Canonical units: the head is 1 long, so the Chamfer distance is a fraction of head size.
        #expect(chamfer.symmetric < 0.02)
        #expect(heldOutIoU > 0.95)
        // The harness lays a stage out as <stage>/outputs/<port> beside <stage>/work.
        let work = output.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("work")
        let pictures = try FileManager.default.contentsOfDirectory(atPath: work.appendingPathComponent("pictures").path)
        #expect(pictures.contains { $0.hasSuffix("_heldout.png") })
    }
}
