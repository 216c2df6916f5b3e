import AvatarFlow
import Avatars
import DifferentiableMesh
import Foundation
import Geometry
import HeadModel
import MediaIO
import Testing

@testable import MeshGuidance

/// EAvatar's prior-mesh stand-ins (`mesh.visual-hull`, `mesh.load`) and the guidance's `prior` port,
/// on the tiny capture of the procedural head (frame 0 is the neutral head at rest pose).
struct PriorMeshStageTests {
    @Test func visualHullContainsTheTrueHeadAndStaysCloseToIt() throws {
        let capture = try GuidanceCapture()
        defer { capture.remove() }
        let harness = try StageHarness(label: "hull")
        let outputs = try harness.run(
            VisualHullStage.self, name: "hull", inputs: ["frames": capture.frames, "tracking": capture.tracking],
            with: ["frames": .list([.int(0)]), "resolution": .int(48)])
        let hull = try PriorMeshArtifact.read(from: try #require(outputs["mesh"]))
        let space = try CanonicalHeadSpace.of(tracking: capture.truth, model: GuidanceCapture.model)
        let truth = try capture.neutralHead()
        let canonicalHull = TriangleMesh(positions: hull.positions.map(space.canonical(fromModel:)), triangles: hull.triangles)
        let canonicalTruth = TriangleMesh(positions: truth.positions.map(space.canonical(fromModel:)), triangles: truth.triangles)
        let chamfer = try ChamferDistance.measure(canonicalHull, canonicalTruth, samples: 50_000)

        // Containment: the true head's surface, 2% of the head length (≈ 1.5 px) inside, is foreground in every
        // view of frame 0. The neck is left out: its open lower end leaves the images and the grid.
        let frameSet = try FrameSet.open(capture.frames)
        let transform = space.worldTransform(of: capture.truth.frames[0], scale: capture.truth.scale)
        let views = try zip(frameSet.manifest.cameras, try #require(frameSet.manifest.calibrations)).map { camera, calibration in
            let image = try frameSet.floatImage(frame: 0, camera: camera)
            return VisualHull.View(
                camera: try calibration.pinholeCamera(), alpha: (0..<(image.width * image.height)).map { image.samples[$0 * image.channels + 3] },
                worldFromGrid: transform.apply)
        }
        let normals = canonicalTruth.vertexNormals()
        let head = GuidanceCapture.model.vertexRegions.indices.filter { GuidanceCapture.model.vertexRegions[$0] != .neck }
        let inner = head.map { canonicalTruth.positions[$0] - 0.02 * normals[$0] }
        let containment = Double(VisualHull.occupancy(inner, views: views).filter { $0 >= 0.5 }.count) / Double(inner.count)
        print(
            "visual hull vs true head (canonical, head length 1): hull→true \(chamfer.forward), true→hull \(chamfer.backward), head (no neck) contained \(containment), \(hull.vertexCount) vertices"
        )
        #expect(containment == 1)
        #expect(chamfer.backward < 0.02, "the true surface lies near the hull's")
        #expect(chamfer.forward < 0.04, "the hull hugs the head (8 cameras leave some excess in concavities)")
    }

    @Test func loadedMeshRoundTripsIntoAMeshArtifact() throws {
        let harness = try StageHarness(label: "load")
        let mesh = PriorMeshAlignmentTests.ellipsoid()
        let file = harness.file("head.obj")
        try OBJFormat.write(mesh, to: file)
        let outputs = try harness.run(LoadMeshStage.self, name: "prior", inputs: [:], with: ["path": .string(file.path)])
        let loaded = try PriorMeshArtifact.read(from: try #require(outputs["mesh"]))
        #expect(loaded.triangles == mesh.triangles)
        #expect(zip(loaded.positions, mesh.positions).allSatisfy { (($0 - $1) * ($0 - $1)).sum() < 1e-10 })
    }

    @Test func aMeshFileOfUnknownFormatIsRefusedNamingIt() throws {
        let harness = try StageHarness(label: "load")
        let file = harness.file("head.stl")
        try Data("solid".utf8).write(to: file)
        #expect(throws: MeshGuidanceError.self) {
            try harness.run(LoadMeshStage.self, name: "prior", inputs: [:], with: ["path": .string(file.path)])
        }
    }

    @Test func guidanceTakesThePriorFromItsInputPort() throws {
        let capture = try GuidanceCapture(size: 64, frameCount: 2, ringCameras: 6, heldOut: 0)
        defer { capture.remove() }
        let harness = try StageHarness(label: "prior-port")
        let hull = try harness.run(
            VisualHullStage.self, name: "hull", inputs: ["frames": capture.frames, "tracking": capture.tracking],
            with: ["resolution": .int(24)])
        let outputs = try harness.run(
            SDFGuidanceStage.self, name: "guide",
            inputs: ["frames": capture.frames, "tracking": capture.tracking, "prior": try #require(hull["mesh"])],
            with: [
                "iterations": .int(10), "pretrain_iterations": .int(10), "grid_resolution": .int(16), "render_size": .int(64),
                "width": .int(16), "feature_width": .int(8), "color_channels": .int(4),
            ])
        let guidance = try GuidanceModel.read(from: try #require(outputs["guidance"]))
        let residual = try #require(guidance.manifest.metrics["prior_alignment_rms"], "the prior took part")
        #expect(residual.isFinite)
    }
}
