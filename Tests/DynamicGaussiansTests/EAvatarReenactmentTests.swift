import AvatarFlow
import AvatarFlowStages
import Avatars
import Foundation
import MediaIO
import Rendering
import Testing

@testable import DynamicGaussians

/// Cross-identity reenactment of an EAvatar avatar (issue item 5): an avatar of subject A trained by
/// `gaussians.eavatar` with control Gaussians, driven through `render.reenact` by subject B's
/// tracking. The control settings travel in the avatar, so the reenactment applies eq. 12 to B's
/// expressions exactly as training did to A's.
@Suite(.serialized) struct EAvatarReenactmentTests {
    @Test func anotherSubjectsTrackingDrivesAnEAvatarAvatarWithItsControls() throws {
        let harness = try StageHarness(label: "eavatar-cross-identity")
        let driver = try SeededHeadCapture(seed: 2, in: harness.file("b"), frameCount: 3, headTurn: 0)
        let subject = try SeededHeadCapture(seed: 1, in: harness.file("a"), frameCount: 6, expressionsOf: driver.truth)
        let guidance = try subject.templateGuidance(harness, iterations: 200)
        var training = SeededHeadCapture.quickTraining
        // A low τ_c and a wide radius so the few template Gaussians of this tiny head have controls and followers.
        training.merge(["control_threshold": .double(0.02), "control_radius": .double(0.3), "control_sigma": .double(0.15), "split": .bool(false)]) { $1 }
        let trained = try harness.run(
            EAvatarGaussiansStage.self, name: "train",
            inputs: ["init": guidance, "frames": subject.frames, "tracking": subject.tracking],
            with: training)
        let avatarDirectory = try #require(trained["avatar"])
        let avatar = try DynamicGaussianAvatar.read(from: avatarDirectory)
        #expect(avatar.configuration.control == ControlGaussianSettings(threshold: 0.02, radius: 0.3, sigma: 0.15))

        // The same avatar without its control settings: GHA's deformation of the same parameters.
        var uncontrolled = avatar
        uncontrolled.configuration.control = nil
        let uncontrolledDirectory = harness.file("uncontrolled")
        try FileManager.default.createDirectory(at: uncontrolledDirectory, withIntermediateDirectories: true)
        try uncontrolled.write(to: uncontrolledDirectory)

        func reenact(_ directory: URL, name: String) throws -> FrameSet {
            try FrameSet.open(
                try #require(
                    try harness.run(
                        ReenactStage.self, name: name, inputs: ["avatar": directory, "driving": driver.tracking, "frames": subject.frames])["frames"]))
        }
        let controlled = try reenact(avatarDirectory, name: "reenact")
        let plain = try reenact(uncontrolledDirectory, name: "reenact-uncontrolled")
        #expect(controlled.manifest.frameCount == driver.truth.frames.count && controlled.manifest.cameras == subject.truth.cameras)
        var differing = 0
        for camera in controlled.manifest.cameras {
            for frame in 0..<controlled.manifest.frameCount
            where try controlled.image(frame: frame, camera: camera).samples != plain.image(frame: frame, camera: camera).samples {
                differing += 1
            }
        }
        #expect(differing > 0, "B's expressions move A's controls, so their followers must move the reenacted frames")
        // The controls act per driving frame: the scene render.reenact splats is the avatar's own scene for B's state.
        let scene = try avatar.scene(driving: driver.truth.frames[1]), plainScene = try uncontrolled.scene(driving: driver.truth.frames[1])
        #expect(scene.means.count == plainScene.means.count && scene.means != plainScene.means)
    }
}
