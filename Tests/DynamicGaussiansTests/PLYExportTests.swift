import AvatarFlow
import Avatars
import Foundation
import HeadModel
import Splatting
import Testing

@testable import DynamicGaussians

/// `export_ply_frames`: the posed Gaussians of the chosen frames as 3DGS PLY files in the avatar folder.
@Suite(.serialized) struct DynamicPLYExportTests {
    @Test func exportedFrameReadsBackAsThePosedGaussiansTheRendererSplats() throws {
        let harness = try StageHarness(label: "gha-ply")
        let capture = try SeededHeadCapture(seed: 3, in: harness.file("capture"))
        var settings = SeededHeadCapture.quickTraining
        settings["export_ply_frames"] = .list([.int(0), .int(2)])
        let outputs = try harness.run(DynamicGaussiansStage.self, name: "train", inputs: capture.stageInputs, with: settings)
        let folder = try #require(outputs["avatar"])
        let avatar = try DynamicGaussianAvatar.read(from: folder)
        let refined = try HeadTracking.read(from: try #require(outputs["tracking"]))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("ply/frame_000000.ply").path))
        let ply = try GaussianPLY.read(from: folder.appendingPathComponent("ply/frame_000002.ply"))
        let posed = try avatar.scene(driving: refined.frames[2])
        #expect(ply.count == posed.count && ply.appearance == posed.appearance)
        let worst = zip(ply.means, posed.means).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 1e-5, "PLY positions differ from the posed Gaussians by \(worst)")
        #expect(ply == posed, "opacity, scales, rotations and all feature channels round-trip")
        let neutral = try avatar.scene(driving: capture.truth.frames[2])
        #expect(neutral.means != posed.means, "the export uses the tracking refined by the learnt rigid correction")
    }

    @Test func aFrameOutsideTheTrackingIsRefusedNamingItAndTheValidRange() throws {
        let harness = try StageHarness(label: "gha-ply-range")
        let capture = try SeededHeadCapture(seed: 4, in: harness.file("capture"))
        var settings = SeededHeadCapture.quickTraining
        settings["export_ply_frames"] = .list([.int(1), .int(9)])
        #expect { try harness.run(DynamicGaussiansStage.self, inputs: capture.stageInputs, with: settings) } throws: { error in
            let message = (error as? DynamicGaussiansError)?.description ?? ""
            return message.contains("export_ply_frames") && message.contains("frame 9") && message.contains("0…3")
        }
    }
}
