import AvatarFlow
import Avatars
import Foundation
import Geometry
import MediaIO
import Tensors
import Testing

@testable import MeshGuidance

/// Short runs of the `guidance.sdf-dmtet` machinery: the prior-mesh option and checkpoints.
struct SDFGuidanceRunTests {
    static let quick: [String: ConfigValue] = [
        "iterations": .int(10), "pretrain_iterations": .int(30), "grid_resolution": .int(16), "render_size": .int(32),
        "width": .int(16), "feature_width": .int(4), "color_channels": .int(4), "views_per_step": .int(2),
    ]

    @Test func priorMeshIsAlignedAndItsLossReported() throws {
        let capture = try GuidanceCapture(size: 32, frameCount: 2, ringCameras: 4, heldOut: 1)
        defer { capture.remove() }
        let prior = capture.root.appendingPathComponent("prior.obj")
        try OBJFormat.write(try capture.neutralHead(), to: prior)
        var overrides = Self.quick
        overrides["prior_mesh"] = .string(prior.path)
        let harness = try StageHarness(label: "guidance-prior")
        let outputs = try harness.run(
            SDFGuidanceStage.self, name: "prior", inputs: ["frames": capture.frames, "tracking": capture.tracking],
            with: overrides)
        let metrics = try GuidanceModel.read(from: try #require(outputs["guidance"])).manifest.metrics
        let residual = try #require(metrics["prior_alignment_rms"])
        let loss = try #require(metrics["loss_prior"])
        // Canonical units (head length 1): after 10 steps from the pretraining sphere the ICP residual
        // is the sphere-to-head shape gap, well under a quarter of the head.
        #expect(residual.isFinite && residual < 0.25)
        #expect(loss.isFinite && loss >= 0)
    }

    @Test func aResumedFitContinuesExactlyWhereItsCheckpointLeftOff() throws {
        let capture = try GuidanceCapture(size: 32, frameCount: 2, ringCameras: 4, heldOut: 0)
        defer { capture.remove() }
        let data = try GuidanceData.load(
            frameSet: try FrameSet.open(capture.frames), tracking: capture.truth, model: GuidanceCapture.model,
            renderSize: 32, heldOutCameras: [])
        let settings = SDFGuidanceSettings(
            iterations: 10, pretrainIterations: 20, gridResolution: 16, gridHalfExtent: 0.7, sphereRadius: 0.45, viewsPerStep: 2,
            fullEvaluationInterval: 1, bandRings: 4, geometryHidden: [16, 16],
            networks: .uniform(width: 16, featureWidth: 4, colorChannels: 4, expressionWidth: GuidanceCapture.model.expressionCount + 3),
            blend: ExpressionBlend(), learningRate: 1e-3, landmarkLearningRate: 1e-4, rgbWeight: 1, silhouetteWeight: 0.1,
            deformationWeight: 1, offsetWeight: 0.01, landmarkSDFWeight: 0.1, laplacianWeight: 100 * 0.015625, seed: 3,
            priorMesh: nil, priorWeight: 1)
        let original = try SDFGuidanceTrainer(settings: settings, data: data)
        original.pretrain()
        for _ in 0..<3 { _ = try original.step() }
        let checkpoint = capture.root.appendingPathComponent("checkpoint")
        try original.saveCheckpoint(to: checkpoint)

        let resumed = try SDFGuidanceTrainer(settings: settings, data: data)
        #expect(try resumed.loadCheckpoint(from: checkpoint) == 3)
        let next = try original.step(), again = try resumed.step()
        #expect(next.total == again.total)
        #expect(original.landmarks.value.scalars == resumed.landmarks.value.scalars)
    }
}
