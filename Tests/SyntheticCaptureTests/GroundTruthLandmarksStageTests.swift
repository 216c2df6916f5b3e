import AvatarFlow
import FaceAnalysis
import Foundation
import Testing

@testable import SyntheticCapture

@Suite struct GroundTruthLandmarksStageTests {
    @Test func aFrameWindowGivesTheSameNoisyLandmarksAsTheWholeSequence() throws {
        let harness = try StageHarness(label: "landmark-window-test")
        let capture = try runSyntheticStage(harness, tinyOverrides)
        let noisy: [String: ConfigValue] = ["noise_pixels": .double(0.5)]
        let whole = try FaceLandmarkSet.read(
            from: try harness.run(GroundTruthLandmarksStage.self, inputs: ["capture": capture], with: noisy)["landmarks"]!)
        let window = try FaceLandmarkSet.read(
            from: try harness.run(
                GroundTruthLandmarksStage.self, inputs: ["capture": capture],
                with: noisy.merging(["first_frame": .int(1), "frame_count": .int(2)]) { $1 })["landmarks"]!)
        #expect(whole.frames.count == 4 && window.frames.count == 2)
        #expect(window.frames == Array(whole.frames[1...2]))
    }

    @Test func aWindowPastTheEndIsRefusedNamingTheParameter() throws {
        let harness = try StageHarness(label: "landmark-window-test")
        let capture = try runSyntheticStage(harness, tinyOverrides)
        for first in [4, 10] {
            #expect {
                try harness.run(GroundTruthLandmarksStage.self, inputs: ["capture": capture], with: ["first_frame": .int(first)])
            } throws: { "\($0)".contains("first_frame \(first) is past the capture's 4 frames") }
        }
    }
}
