import AvatarFlow
import Foundation
import Geometry
import HeadModel
import MediaIO
import Testing

@testable import SyntheticCapture

/// Runs `synthetic.capture` with its defaults merged with `overrides` in `harness` and returns the capture directory.
func runSyntheticStage(_ harness: StageHarness, _ overrides: [String: ConfigValue]) throws -> URL {
    try harness.run(SyntheticCaptureStage.self, with: overrides)["capture"]!
}

let tinyOverrides: [String: ConfigValue] = [
    "cameras": .int(3), "held_out_cameras": .int(1), "width": .int(96), "height": .int(96),
    "frames": .int(4), "held_out_frames": .int(2),
]

func relativeFiles(_ root: URL) -> [String] {
    let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])!
    var files: [String] = []
    for case let url as URL in enumerator where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
        files.append(String(url.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count)))
    }
    return files.sorted()
}

@Suite struct SyntheticCaptureStageTests {
    @Test func stageWritesACaptureThatMediaIOOpens() throws {
        let harness = try StageHarness(label: "synthetic-capture-test")
        let directory = try runSyntheticStage(harness, tinyOverrides)
        let capture = try Capture.open(directory)
        #expect(capture.cameras.map(\.calibration.id) == ["cam00", "cam01", "cam02"])
        #expect(capture.frameCount == 4)
        #expect(capture.cameras.allSatisfy { $0.backgroundPlate != nil })
        #expect(capture.groundTruthDirectory != nil)
        let model = try HeadModelFormat.read(from: directory.appendingPathComponent("groundtruth/head_model"))
        #expect(model.vertexCount == sharedHeadModel.vertexCount)
        let manifest =
            try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("groundtruth/groundtruth.json"))) as! [String: Any]
        #expect(manifest["held_out_cameras"] as? [String] == ["held00"])
        let sequences = manifest["sequences"] as! [String: [String: Any]]
        #expect(
            sequences["training"]?["images"] as? [String: String] == [
                "cam00": "../cam00", "cam01": "../cam01", "cam02": "../cam02",
                "held00": "training/images/held00",
            ])
        #expect(sequences["heldout"]?["frames"] as? Int == 2)
        let heldOutFrame = directory.appendingPathComponent("groundtruth/training/images/held00/000003.png")
        #expect(try PNGFile.read8(heldOutFrame).width == 96)
        let reenactment = directory.appendingPathComponent("groundtruth/heldout/images/cam01/000001.png")
        #expect(FileManager.default.fileExists(atPath: reenactment.path))
    }

    @Test func sameSeedWritesByteIdenticalFiles() throws {
        let harness = try StageHarness(label: "synthetic-capture-test")
        let first = try runSyntheticStage(harness, tinyOverrides)
        let second = try runSyntheticStage(harness, tinyOverrides)
        let files = relativeFiles(first)
        #expect(files == relativeFiles(second))
        #expect(files.count > 40)
        for file in files {
            let a = try Data(contentsOf: URL(fileURLWithPath: first.path + file)), b = try Data(contentsOf: URL(fileURLWithPath: second.path + file))
            #expect(a == b, "\(file) differs between runs")
        }
    }

    @Test func writtenLabelsAgreeWithWrittenAlphaAndLandmarksReproject() throws {
        let harness = try StageHarness(label: "synthetic-capture-test")
        let directory = try runSyntheticStage(harness, tinyOverrides)
        let groundTruth = directory.appendingPathComponent("groundtruth")
        for camera in ["cam00", "cam01", "held00"] {
            let alpha = try PNGFile.read8(groundTruth.appendingPathComponent("training/alpha/\(camera)/000002.png"))
            let labels = try PNGFile.read8(groundTruth.appendingPathComponent("training/labels/\(camera)/000002.png"))
            #expect(alpha.channels == 1 && labels.channels == 1)
            #expect(zip(alpha.samples, labels.samples).allSatisfy { ($0 == 255) == ($1 != 0) })
            #expect(Set(labels.samples).isSubset(of: [0, 85, 170, 255]))
        }
        let capture = try Capture.open(directory, camerasFile: "groundtruth/cameras.json")
        #expect(capture.cameras.count == 4, "groundtruth/cameras.json lists all cameras, media inside the capture")
        let landmarks3D = try Data(contentsOf: groundTruth.appendingPathComponent("training/landmarks3d.f32"))
        let landmarks2D = try Data(contentsOf: groundTruth.appendingPathComponent("training/landmarks2d.f32"))
        #expect(landmarks3D.count == 4 * 68 * 3 * 4 && landmarks2D.count == 4 * 4 * 68 * 2 * 4)
        func float(_ data: Data, _ index: Int) -> Float {
            data.withUnsafeBytes { Float(bitPattern: UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 4 * index, as: UInt32.self))) }
        }
        for (c, camera) in capture.cameras.enumerated() {
            let k = camera.calibration
            let pinhole = PinholeCamera(
                id: k.id, width: k.width, height: k.height, fx: Float(k.fx), fy: Float(k.fy), cx: Float(k.cx), cy: Float(k.cy),
                worldToCamera: try RigidTransform(rowMajor4x4: k.worldToCamera.map(Float.init)))
            for frame in 0..<4 {
                for landmark in stride(from: 0, to: 68, by: 7) {
                    let base = (frame * 68 + landmark) * 3
                    let projected = pinhole.project(SIMD3(float(landmarks3D, base), float(landmarks3D, base + 1), float(landmarks3D, base + 2)))
                    let stored = ((c * 4 + frame) * 68 + landmark) * 2
                    #expect(abs(projected.x - float(landmarks2D, stored)) < 1e-3 && abs(projected.y - float(landmarks2D, stored + 1)) < 1e-3)
                }
            }
        }
    }

    @Test func outOfRangeParametersAreRejectedBeforeRendering() throws {
        var parameters = SyntheticCaptureStage.Parameters()
        (parameters.cameras, parameters.heldOutCameras, parameters.width, parameters.height) = (20, 0, 64, 64)
        (parameters.frames, parameters.heldOutFrames) = (3, 0)
        #expect(throws: SyntheticCaptureError.self) { try parameters.configuration.validate() }
        parameters.cameras = 2
        #expect(throws: Never.self) { try parameters.configuration.validate() }
    }
}
