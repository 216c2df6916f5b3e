import AvatarFlow
import Avatars
import Foundation
import Geometry
import Testing
@testable import MeshGuidance

/// Short runs of `guidance.sdf-dmtet` checking its plumbing: the prior-mesh option and resuming.
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
        let run = try runStage(SDFGuidanceStage.self, inputs: ["frames": capture.frames, "tracking": capture.tracking],
                               overrides: overrides, in: capture.root, name: "prior")
        let metrics = try GuidanceModel.read(from: try #require(run.outputs["guidance"])).manifest.metrics
        let residual = try #require(metrics["prior_alignment_rms"])
        let loss = try #require(metrics["loss_prior"])
        // Canonical units (head length 1): after 10 steps from the pretraining sphere the ICP residual
        // is the sphere-to-head shape gap, well under a quarter of the head.
        #expect(residual.isFinite && residual < 0.25)
        #expect(loss.isFinite && loss >= 0)
    }

    @Test func aFitResumesFromItsCheckpoint() throws {
        let capture = try GuidanceCapture(size: 32, frameCount: 2, ringCameras: 4, heldOut: 0)
        defer { capture.remove() }
        var overrides = Self.quick
        overrides["checkpoint_interval"] = .int(6)
        try runStage(SDFGuidanceStage.self, inputs: ["frames": capture.frames, "tracking": capture.tracking],
                     overrides: overrides, in: capture.root, name: "resume")
        let again = try runStage(SDFGuidanceStage.self, inputs: ["frames": capture.frames, "tracking": capture.tracking],
                                 overrides: overrides, in: capture.root, name: "resume")
        let log = try String(contentsOf: again.work.appendingPathComponent("log.txt"), encoding: .utf8)
        #expect(log.contains("resumed from the checkpoint at iteration 6"))
        #expect(try GuidanceModel.read(from: try #require(again.outputs["guidance"])).manifest.metrics["iterations_run"] == 4)
    }
}
