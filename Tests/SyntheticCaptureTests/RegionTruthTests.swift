import AvatarFlow
import Foundation
import Geometry
import HeadModel
import MediaIO
import Testing

@testable import Evaluation
@testable import SyntheticCapture

@Suite struct RegionTruthTests {
    @Test func regionsPartitionTheAlphaAndRefineTheLabels() {
        let scene = smallScene
        let refines: [SyntheticLabel: Set<SyntheticRegion>] = [
            .background: [.background], .head: [.face, .eyes, .mouth], .hair: [.hair], .body: [.body],
        ]
        for camera in [scene.cameras[0], scene.cameras[2], scene.heldOutCameras[0]] {
            let view = scene.render(.training, frame: 10, camera: camera, plate: scene.backgroundPlate(camera: camera))
            for p in 0..<view.regions.count {
                #expect((view.regions[p] != .background) == (view.alpha.samples[p] == 1))
                #expect(refines[view.labels[p]]!.contains(view.regions[p]))
            }
            let covered = SyntheticRegion.allCases.dropFirst().map { view.mask($0).samples }.reduce(into: [Float](repeating: 0, count: view.regions.count)) {
                for p in $0.indices { $0[p] += $1[p] }
            }
            #expect(covered == view.alpha.samples, "the foreground regions sum to the alpha from \(camera.id)")
        }
    }

    @Test func supersampledRegionsFollowTheMajorityOfCoverage() throws {
        var configuration = smallConfiguration
        configuration.supersampling = 2
        configuration.frameCount = 2
        let scene = try SyntheticScene(configuration: configuration, model: sharedHeadModel)
        let camera = scene.cameras[2]
        let view = scene.render(.training, frame: 1, camera: camera, plate: scene.backgroundPlate(camera: camera))
        for p in 0..<view.regions.count {
            #expect((view.regions[p] != .background) == (view.alpha.samples[p] >= 0.5))
        }
        #expect(view.regions.contains(.eyes) && view.regions.contains(.face) && view.regions.contains(.hair))
    }

    @Test func regionMasksStageWritesALabelMasksArtifactThatPartitionsTheAlpha() throws {
        let harness = try StageHarness(label: "region-masks-test")
        let capture = try runSyntheticStage(harness, tinyOverrides)
        let output = try harness.run(RegionMasksStage.self, inputs: ["capture": capture])["masks"]!
        let masks = try MaskSet.open(output)
        #expect(masks.names == ["hair", "face", "eyes", "mouth", "body"])
        #expect(masks.frames.manifest.cameras == ["cam00", "cam01", "cam02"] && masks.frames.manifest.frameCount == 4)
        let alpha = try PNGFile.read8(capture.appendingPathComponent("groundtruth/training/alpha/cam01/000002.png"))
        let parts = try masks.masks(frame: 2, camera: "cam01")
        for p in 0..<alpha.samples.count {
            let sum = masks.names.reduce(Float(0)) { $0 + parts[$1]![p] }
            #expect(sum == (alpha.samples[p] == 255 ? 1 : 0))
        }
        let heldOut = try harness.run(RegionMasksStage.self, inputs: ["capture": capture], with: ["sequence": "heldout"])["masks"]!
        #expect(try MaskSet.open(heldOut).frames.manifest.frameCount == 2)
        let novel = try harness.run(RegionMasksStage.self, inputs: ["capture": capture], with: ["cameras_file": "groundtruth/cameras.json"])["masks"]!
        #expect(try MaskSet.open(novel).frames.manifest.cameras == ["cam00", "cam01", "cam02", "held00"])
    }

    /// The training frames of `capture`'s cameras as a FrameSet (what video.decode would give):
    /// `frames` are the source frame indices (images of frame `index % 4`, the tiny capture's length).
    func frameSet(
        of capture: URL, in harness: StageHarness, name: String, frames: [Int] = Array(0..<4), alter: (Int, String, inout Image8) -> Void = { _, _, _ in }
    ) throws -> URL {
        let calibrations = try CamerasFile.read(from: capture.appendingPathComponent("cameras.json")).cameras
        let directory = harness.file(name)
        let writer = try FrameSetWriter(
            directory: directory, cameras: calibrations.map(\.id), calibrations: calibrations, size: PixelSize(width: 96, height: 96),
            frameRate: Rational(25, 1))
        for frame in frames {
            let images = try calibrations.map { calibration -> Image8 in
                var image = try PNGFile.read8(capture.appendingPathComponent("\(calibration.id)/\(String(format: "%06d.png", frame % 4))"))
                alter(frame, calibration.id, &image)
                return image
            }
            try writer.append(images, timestamp: Double(frame) / 25, sourceIndex: frame)
        }
        try writer.finish()
        return directory
    }

    @Test func evalImagesScoresEachRegionAndAHairOnlyErrorLowersOnlyHair() throws {
        let harness = try StageHarness(label: "region-eval-test")
        let capture = try runSyntheticStage(harness, tinyOverrides)
        let masks = try harness.run(RegionMasksStage.self, inputs: ["capture": capture])["masks"]!
        let regions = try MaskSet.open(masks)
        let reference = try frameSet(of: capture, in: harness, name: "reference")
        let rendered = try frameSet(of: capture, in: harness, name: "rendered") { frame, camera, image in
            let hair = (try? regions.masks(frame: frame, camera: camera)["hair"]) ?? []
            for p in hair.indices where hair[p] == 1 { image.samples[3 * p] = 255 - image.samples[3 * p] }
        }
        let report = try harness.run(
            ImageMetricsStage.self, inputs: ["rendered": rendered, "reference": reference, "masks": masks],
            with: ["cameras": .list([.string("cam01")]), "grid_frames": .int(0)])["report"]!
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: report.appendingPathComponent("metrics.json"))) as! [String: Any]
        let scores = json["regions"] as! [String: [String: Any]]
        #expect(Set(scores.keys).isSuperset(of: ["hair", "face", "eyes", "body"]))
        func overall(_ region: String, _ key: String) -> Double { (scores[region]!["overall"] as! [String: Double])[key]! }
        #expect(overall("hair", "l1") > 0.05, "the altered hair is scored as wrong")
        #expect(overall("face", "l1") == 0 && overall("body", "l1") == 0, "untouched regions are exact")
        #expect(overall("hair", "psnr_db") < 30 && overall("face", "psnr_db") > 100)
        let markdown = try String(contentsOf: report.appendingPathComponent("metrics.md"), encoding: .utf8)
        #expect(markdown.contains("| hair |"))
        #expect(throws: (any Error).self) {
            try harness.run(
                ImageMetricsStage.self, inputs: ["rendered": rendered, "reference": reference, "masks": masks],
                with: ["regions": .list([.string("beard")])])
        }
    }

    @Test func masksOfTheWholeCaptureFollowTheSourceFramesOfADecodedSubset() throws {
        let harness = try StageHarness(label: "region-eval-test")
        let capture = try runSyntheticStage(harness, tinyOverrides)
        let masks = try MaskSet.open(try harness.run(RegionMasksStage.self, inputs: ["capture": capture])["masks"]!)
        let subset = try FrameSet.open(try frameSet(of: capture, in: harness, name: "subset", frames: [1, 3]))
        #expect(try ImageMetricsStage.maskFrames(masks, reference: subset) == [1, 3])
        let beyond = try FrameSet.open(try frameSet(of: capture, in: harness, name: "beyond", frames: [2, 5]))
        #expect(throws: EvaluationError.self) { try ImageMetricsStage.maskFrames(masks, reference: beyond) }
    }
}
