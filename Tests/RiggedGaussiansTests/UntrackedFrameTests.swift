import AvatarFlow
import Foundation
import HeadModel
import Testing

@testable import RiggedGaussians

/// Frames in which no face was tracked never supervise the avatar, and the stage says which.
@Suite struct UntrackedFrameTests {
    @Test func framesWithoutATrackedFaceAreLeftOutOfTrainingByName() throws {
        let capture = try TinyCapture(size: 32, frameCount: 8, cameraCount: 2)
        var tracking = try HeadTracking.read(from: capture.tracking)
        for frame in [2, 3] { tracking.frames[frame].observedViews = 0 }
        try tracking.write(to: capture.tracking)
        _ = try capture.harness.run(
            RiggedGaussiansStage.self, name: "train", inputs: ["frames": capture.frames, "tracking": capture.tracking],
            with: ["iterations": .int(1), "held_out_frames": .int(2)])
        #expect(capture.harness.events.warnings.contains("2 of 6 training frames are left out: no face was tracked in them (2–3)"))
    }
}
