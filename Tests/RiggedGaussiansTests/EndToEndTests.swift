import AvatarFlow
import Avatars
import Evaluation
import Foundation
import HeadModel
import MediaIO
import Rendering
import Splatting
import Testing

@testable import RiggedGaussians

/// `training.json` fields the tests read.
struct TrainingRecord: Decodable {
    var gaussian_count: Int
    var training_psnr_db: Double
    var held_out_camera_psnr_db: Double?
    var iterations_per_second: Double
}

/// The `eval.images` report fields the tests read.
struct ReportRecord: Decodable {
    struct Metrics: Decodable {
        var psnr_db: Double
        var ssim: Double
        var l1: Double
        var masked_psnr_db: Double?
    }
    var frames: Int
    var overall: Metrics
    var per_camera: [String: Metrics]
}

@Suite(.serialized) struct GaussianAvatarsEndToEndTests {
    static let training: [String: ConfigValue] = [
        "iterations": .int(400), "held_out_cameras": .list([.string("cam1")]), "held_out_frames": .int(2),
        "densify_start": .int(100), "densify_interval": .int(100), "densify_until": .int(300), "opacity_reset_interval": .int(0),
        "sh_increase_interval": .int(150), "checkpoint_interval": .int(200), "feature_lr": .double(0.01), "export_ply_frames": .list([.int(0), .int(7)]),
    ]

    @Test func trainReenactAndEvaluateATinyCapture() throws {
        let capture = try TinyCapture(size: 64, frameCount: 8, cameraCount: 4)
        let inputs = ["frames": capture.frames, "tracking": capture.tracking]
        // The untrained avatar (one step) is the baseline for the held-out camera.
        var untrained = Self.training
        untrained["iterations"] = .int(1)
        let baseline = try capture.harness.run(RiggedGaussiansStage.self, name: "baseline", inputs: inputs, with: untrained)
        let before = try JSONDecoder().decode(TrainingRecord.self, from: Data(contentsOf: baseline["avatar"]!.appendingPathComponent("training.json")))

        let train = try capture.harness.run(RiggedGaussiansStage.self, name: "train", inputs: inputs, with: Self.training)
        let after = try JSONDecoder().decode(TrainingRecord.self, from: Data(contentsOf: train["avatar"]!.appendingPathComponent("training.json")))
        let heldOut = try #require(after.held_out_camera_psnr_db), heldOutBefore = try #require(before.held_out_camera_psnr_db)
        print(
            "rigged e2e: held-out camera PSNR \(heldOutBefore) → \(heldOut) dB, training \(after.training_psnr_db) dB, \(after.gaussian_count) Gaussians, \(after.iterations_per_second) it/s"
        )
        #expect(heldOut >= heldOutBefore + 4, "novel-view PSNR must improve clearly: \(heldOutBefore) → \(heldOut) dB")
        #expect(heldOut >= 20)
        #expect(after.gaussian_count > TinyCapture.model.triangles.count, "density control must add Gaussians")
        let trainingFigures = capture.harness.events.events.filter { $0.stage == "train" }.compactMap(\.metrics)
        #expect(
            !trainingFigures.isEmpty && trainingFigures.allSatisfy { $0["psnr_db"] != nil && $0["loss"] != nil && $0["iterations_per_second"] != nil },
            "training reports loss, PSNR and it/s as progress events")

        // Self-reenactment of the two held-out frames from every camera, scored against the capture.
        let reenact = try capture.harness.run(
            ReenactStage.self, name: "reenact", inputs: ["avatar": train["avatar"]!, "driving": train["tracking"]!, "frames": capture.frames],
            with: ["last_frames": .int(2)])
        let rendered = try FrameSet.open(reenact["frames"]!)
        #expect(rendered.manifest.frameCount == 2 && rendered.manifest.cameras == capture.cameras && rendered.manifest.channels == 4)
        let score = try capture.harness.run(ImageMetricsStage.self, name: "score", inputs: ["rendered": reenact["frames"]!, "reference": capture.frames])
        let report = try JSONDecoder().decode(ReportRecord.self, from: Data(contentsOf: score["report"]!.appendingPathComponent("metrics.json")))
        print(
            "rigged e2e: self-reenactment PSNR \(report.overall.psnr_db) dB, SSIM \(report.overall.ssim), masked PSNR \(report.overall.masked_psnr_db ?? .nan) dB"
        )
        #expect(report.frames == 2 && report.per_camera.count == 4)
        #expect(report.overall.psnr_db >= 20)
        #expect(report.overall.ssim > 0.7)
        let markdown = try String(contentsOf: score["report"]!.appendingPathComponent("metrics.md"), encoding: .utf8)
        #expect(markdown.contains("| overall |"))
        let grid = try PNGFile.read8(score["report"]!.appendingPathComponent("grids/cam0.png"))
        #expect(grid.width == 3 * 64 && grid.height == 2 * 64)

        // PLY exports of frames 0 and 7 carry the binding and match the posed avatar.
        let avatar = try RiggedGaussianAvatar.read(from: train["avatar"]!)
        let ply = try GaussianPLY.read(from: train["avatar"]!.appendingPathComponent("ply/frame_000007.ply"))
        let refined = try HeadTracking.read(from: train["tracking"]!)
        #expect(ply == (try avatar.scene(driving: refined.frames[7])))
        #expect(ply.attributes["binding"] == GaussianAttribute(width: 1, values: .int32(avatar.gaussians.binding)))
    }

    @Test func orbitRendersOneNovelCameraPerFrame() throws {
        let capture = try TinyCapture(size: 32, frameCount: 3, cameraCount: 2)
        var settings = Self.training
        settings["iterations"] = .int(20)
        settings["held_out_cameras"] = .list([])
        settings["held_out_frames"] = .int(0)
        settings["export_ply_frames"] = .list([])
        let train = try capture.harness.run(
            RiggedGaussiansStage.self, name: "train", inputs: ["frames": capture.frames, "tracking": capture.tracking], with: settings)
        let orbit = try capture.harness.run(
            ReenactStage.self, name: "orbit", inputs: ["avatar": train["avatar"]!, "driving": train["tracking"]!, "frames": capture.frames],
            with: ["orbit": .bool(true), "smoothing": .int(1)])
        let frames = try FrameSet.open(orbit["frames"]!)
        #expect(frames.manifest.cameras == ["orbit"] && frames.manifest.frameCount == 3)
        let first = try frames.image(frame: 0, camera: "orbit"), last = try frames.image(frame: 2, camera: "orbit")
        #expect(first.samples != last.samples, "the orbit camera must move")
        #expect(first.samples.enumerated().contains { $0.offset % 4 == 3 && $0.element > 128 }, "the head must be visible")
    }
}
