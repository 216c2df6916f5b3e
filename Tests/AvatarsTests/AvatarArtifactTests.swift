import Foundation
import HeadModel
import Splatting
import Tensors
import Testing

@testable import Avatars

struct AvatarArtifactTests {
    static let model = ProceduralHeadBuilder.build()

    func avatar(seed: UInt64) -> RiggedGaussianAvatar {
        var rng = Tensors.SplitMix64(seed: seed)
        var gaussians = RiggedGaussians.onePerTriangle(triangleCount: Self.model.triangles.count, generator: &rng)
        gaussians.features = gaussians.features.map { $0 + 0.1 * (rng.nextUniform() - 0.5) }
        gaussians.means = gaussians.means.map { $0 + 0.2 * (rng.nextUniform() - 0.5) }
        let manifest = AvatarManifest(
            family: RiggedGaussianAvatar.family, headModel: HeadModelReference(name: Self.model.name, path: ""),
            identity: [], scale: 1, shDegree: 3, gaussianCount: gaussians.count, background: [1, 1, 1],
            trainingCameras: ["cam0"], heldOutCameras: [], iterations: 0)
        return RiggedGaussianAvatar(manifest: manifest, headModel: Self.model, gaussians: gaussians)
    }

    static let frame = HeadTracking.Frame(
        rotation: [0.1, 0.3, 0], translation: [0.01, 0, 0.02], jaw: [0.2, 0, 0],
        expression: [0.5, 0.2], landmarks: [], meanResidualPixels: 0, observedViews: 1)

    @Test func avatarArtifactRoundTripsThroughTheLoader() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("avatar-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let original = avatar(seed: 3)
        try original.write(to: directory)
        let loaded = try AvatarLoader.load(from: directory)
        #expect(type(of: loaded).family == RiggedGaussianAvatar.family)
        #expect(try loaded.scene(driving: Self.frame) == original.scene(driving: Self.frame))
    }

    @Test func unknownFamilyIsRefusedWithItsName() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("avatar-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var manifest = avatar(seed: 3).manifest
        manifest.family = "not-a-family"
        try manifest.write(to: directory)
        #expect { try AvatarLoader.load(from: directory) } throws: { ($0 as? AvatarError)?.description.contains("not-a-family") == true }
    }

    @Test func exportedPLYReadsBackIdenticallyInTheStandardLayoutWithBinding() throws {
        let scene = try avatar(seed: 4).scene(driving: Self.frame)
        let data = try GaussianPLY.encode(scene)
        let header = String(decoding: data.prefix(4096), as: UTF8.self).components(separatedBy: "end_header")[0]
        let properties = header.split(separator: "\n").filter { $0.hasPrefix("property") }.map { $0.split(separator: " ").map(String.init) }
        let standard =
            ["x", "y", "z", "nx", "ny", "nz", "f_dc_0", "f_dc_1", "f_dc_2"] + (0..<45).map { "f_rest_\($0)" }
            + ["opacity", "scale_0", "scale_1", "scale_2", "rot_0", "rot_1", "rot_2", "rot_3"]
        #expect(properties.map { $0[2] } == standard + ["binding"])
        #expect(properties.dropLast().allSatisfy { $0[1] == "float" })
        #expect(properties.last?[1] == "int")
        let decoded = try GaussianPLY.decode(data)
        #expect(decoded == scene)
    }

    @Test func drivingUsesTheAvatarsIdentityAndTheDriversMotion() throws {
        var subject = avatar(seed: 5)
        subject.manifest.identity = [0.8, -0.5, 0.3]
        subject.manifest.scale = 1.1
        // Another subject's tracking: different identity and scale, same per-frame motion.
        let driver = HeadTracking(model: Self.model.name, cameras: [], identity: [-1, 1, 0], scale: 0.9, frames: [Self.frame])
        let own = HeadTracking(model: Self.model.name, cameras: [], identity: subject.manifest.identity, scale: 1.1, frames: driver.frames)
        let expected = subject.gaussians.worldScene(
            frames: TriangleFrames(
                vertices: try own.vertices(frame: 0, model: Self.model),
                triangles: Self.model.triangles), shDegree: 3)
        #expect(try subject.scene(driving: driver.frames[0]) == expected)
    }
}
