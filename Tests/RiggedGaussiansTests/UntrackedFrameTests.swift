import AvatarFlow
import Avatars
import Foundation
import HeadModel
import MediaIO
import Rendering
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

    @Test func reenactmentLeavesFramesWithoutATrackedFaceOutByName() throws {
        let capture = try TinyCapture(size: 32, frameCount: 6, cameraCount: 2)
        let train = try capture.harness.run(
            RiggedGaussiansStage.self, name: "train", inputs: ["frames": capture.frames, "tracking": capture.tracking],
            with: ["iterations": .int(1)])
        var driving = try HeadTracking.read(from: capture.tracking)
        driving.frames[4].observedViews = 0
        let drivingDirectory = capture.harness.file("driving")
        try FileManager.default.createDirectory(at: drivingDirectory, withIntermediateDirectories: true)
        try driving.write(to: drivingDirectory)
        let reenact = try capture.harness.run(
            ReenactStage.self, name: "reenact", inputs: ["avatar": try #require(train["avatar"]), "driving": drivingDirectory, "frames": capture.frames],
            with: ["last_frames": .int(3)])
        let rendered = try FrameSet.open(try #require(reenact["frames"]))
        #expect(rendered.manifest.sourceFrameIndices == [3, 5])
        #expect(capture.harness.events.warnings.contains("1 of 3 driving frames are not rendered: no face was tracked in them (4)"))
    }

    @Test func reenactmentWithoutAnyTrackedFrameIsRefused() throws {
        let capture = try TinyCapture(size: 32, frameCount: 4, cameraCount: 2)
        let train = try capture.harness.run(
            RiggedGaussiansStage.self, name: "train", inputs: ["frames": capture.frames, "tracking": capture.tracking],
            with: ["iterations": .int(1)])
        var driving = try HeadTracking.read(from: capture.tracking)
        for frame in driving.frames.indices { driving.frames[frame].observedViews = 0 }
        let drivingDirectory = capture.harness.file("driving")
        try FileManager.default.createDirectory(at: drivingDirectory, withIntermediateDirectories: true)
        try driving.write(to: drivingDirectory)
        let error = #expect(throws: (any Error).self) {
            try capture.harness.run(
                ReenactStage.self, name: "reenact", inputs: ["avatar": try #require(train["avatar"]), "driving": drivingDirectory, "frames": capture.frames])
        }
        #expect(String(describing: error).contains("no face was tracked in any of the 4 driving frames"))
    }
}
