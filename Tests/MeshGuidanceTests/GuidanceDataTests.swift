import Foundation
import MediaIO
import Testing

@testable import MeshGuidance

struct GuidanceDataTests {
    @Test func heldOutFramesContributeNoTrainingViews() throws {
        let capture = try GuidanceCapture(size: 32, frameCount: 4, ringCameras: 3, heldOut: 1)
        defer { capture.remove() }
        let data = try GuidanceData.load(
            frameSet: try FrameSet.open(capture.frames), tracking: capture.truth, model: GuidanceCapture.model,
            renderSize: 32, heldOutCameras: capture.heldOutCameras, heldOutFrames: 1)
        #expect(data.trainingByFrame.map(\.count) == [3, 3, 3, 0])
        #expect(data.heldOut.map(\.frame) == [0, 1, 2, 3], "held-out cameras still see every frame (for the held-out IoU)")
    }

    @Test func holdingOutEveryFrameIsRefused() throws {
        let capture = try GuidanceCapture(size: 32, frameCount: 2, ringCameras: 2, heldOut: 1)
        defer { capture.remove() }
        let error = #expect(throws: MeshGuidanceError.self) {
            try GuidanceData.load(
                frameSet: try FrameSet.open(capture.frames), tracking: capture.truth, model: GuidanceCapture.model,
                renderSize: 32, heldOutCameras: [], heldOutFrames: 2)
        }
        #expect(error?.description.contains("held_out_frames 2 leaves none of the 2 frames") == true)
    }
}
