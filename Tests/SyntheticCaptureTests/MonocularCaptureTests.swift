import AvatarFlow
import Foundation
import Geometry
import HeadModel
import MediaIO
import Testing

@testable import SyntheticCapture

let monocularOverrides: [String: ConfigValue] = [
    "cameras": .int(1), "held_out_cameras": .int(0), "width": .int(64), "height": .int(64),
    "frames": .int(6), "held_out_frames": .int(2), "video": .bool(true), "handheld": .double(0.03),
]

@Suite struct MonocularCaptureTests {
    @Test func handheldCamerasMoveSlowlyAndSmoothlyAroundTheTripod() throws {
        var configuration = smallConfiguration
        configuration.handheld = 0.03
        configuration.frameCount = 50
        let scene = try SyntheticScene(configuration: configuration, model: sharedHeadModel)
        let tripod = scene.cameras[2]
        let path = (0..<50).map { scene.camera(tripod, frame: $0, kind: .training).center }
        let steps = zip(path, path.dropFirst()).map { simdLength($1 - $0) }
        #expect(steps.max()! < 0.005, "at most 5 mm per frame at 25 fps")
        #expect(path.map { simdLength($0 - tripod.center) }.max()! > 0.01, "it does move")
        #expect(path.map { simdLength($0 - tripod.center) }.max()! <= 0.03 * Float(3).squareRoot() + 1e-4)
        #expect(scene.camera(scene.heldOutCameras[0], frame: 7, kind: .training) == scene.heldOutCameras[0], "held-out cameras stay on tripods")
        #expect(scene.camera(tripod, frame: 7, kind: .training) == scene.camera(tripod, frame: 7, kind: .training))
    }

    @Test func monocularVideoCaptureIsAPlainMP4WithItsTruthAside() throws {
        let harness = try StageHarness(label: "monocular-test")
        let directory = try runSyntheticStage(harness, monocularOverrides)
        let top = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0 != "artifact.json" }.sorted()
        #expect(top == ["cam00.mp4", "cameras.json", "groundtruth"])
        let capture = try Capture.open(directory)
        #expect(capture.cameras.count == 1 && capture.frameCount == 6)
        #expect(capture.cameras[0].backgroundPlate == nil, "no plate beside the clip")
        let groundTruth = directory.appendingPathComponent("groundtruth")
        for part in ["alpha", "regions", "images"] {
            #expect(FileManager.default.fileExists(atPath: groundTruth.appendingPathComponent("training/\(part)/cam00/000005.png").path))
        }
        let cameras = try Data(contentsOf: groundTruth.appendingPathComponent("training/cameras.f32"))
        #expect(cameras.count == 1 * 6 * 16 * 4)
        func float(_ index: Int) -> Float {
            cameras.withUnsafeBytes { Float(bitPattern: UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 4 * index, as: UInt32.self))) }
        }
        let first = (0..<16).map(float), last = (0..<16).map { float(5 * 16 + $0) }
        #expect(first != last, "the true camera moves between frames")
        #expect(FileManager.default.fileExists(atPath: groundTruth.appendingPathComponent("background/cam00.png").path))
        let truthCapture = try Capture.open(groundTruth)
        #expect(truthCapture.frameCount == 6, "groundtruth/ opens as a capture of the lossless frames")
    }

    @Test func sameSeedWritesAByteIdenticalVideo() throws {
        let harness = try StageHarness(label: "monocular-test")
        let a = try runSyntheticStage(harness, monocularOverrides), b = try runSyntheticStage(harness, monocularOverrides)
        #expect(try Data(contentsOf: a.appendingPathComponent("cam00.mp4")) == Data(contentsOf: b.appendingPathComponent("cam00.mp4")))
    }
}
