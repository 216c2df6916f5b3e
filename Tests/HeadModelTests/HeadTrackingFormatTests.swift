import Foundation
import Geometry
import Testing

@testable import HeadModel

/// tracking.json: the per-frame neck and eye rotations, and files written before they existed.
struct HeadTrackingFormatTests {
    /// A one-frame tracking as the first version of the format wrote it (no neck, no eyes).
    static let trackingWithoutNeck = """
        {"cameras": ["cam00"], "format": "avatarflow.tracking", "identity": [0.1], "model": "avatarflow-procedural-v1",
         "scale": 1, "version": 1,
         "frames": [{"rotation": [0.1, 0.2, 0.0], "translation": [0, 0, 0.5], "jaw": [0.05, 0, 0], "expression": [0.3],
                     "landmarks": [], "meanResidualPixels": 0.4, "observedViews": 1}]}
        """

    @Test func trackingWithoutNeckAndEyesDecodesWithThemAtRest() throws {
        let tracking = try JSONDecoder().decode(HeadTracking.self, from: Data(Self.trackingWithoutNeck.utf8))
        let frame = tracking.frames[0]
        #expect(frame.neck == [0, 0, 0] && frame.leftEye == [0, 0, 0] && frame.rightEye == [0, 0, 0])
        #expect(frame.rotation == [0.1, 0.2, 0.0] && frame.jaw == [0.05, 0, 0])
    }

    @Test func neckAndEyeRotationsSurviveAWriteAndRead() throws {
        var tracking = try JSONDecoder().decode(HeadTracking.self, from: Data(Self.trackingWithoutNeck.utf8))
        tracking.frames[0].neck = [0.01, -0.2, 0.03]
        tracking.frames[0].leftEye = [0.04, 0.05, 0]
        tracking.frames[0].rightEye = [0.06, 0.07, 0]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tracking-format-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try tracking.write(to: directory)
        #expect(try HeadTracking.read(from: directory) == tracking)
        let text = try String(contentsOf: directory.appendingPathComponent(HeadTracking.fileName), encoding: .utf8)
        #expect(text.contains("\"neck\"") && text.contains("\"left_eye\"") && text.contains("\"right_eye\""))
    }

    @Test func jointRotationsCarryRootNeckJawAndEyes() throws {
        var tracking = try JSONDecoder().decode(HeadTracking.self, from: Data(Self.trackingWithoutNeck.utf8))
        tracking.frames[0].neck = [0.01, -0.2, 0.03]
        tracking.frames[0].leftEye = [0.04, 0.05, 0]
        tracking.frames[0].rightEye = [0.06, 0.07, 0]
        let model = sharedModel
        let rotations = tracking.jointRotations(frame: 0, model: model)
        let expected: [(String, SIMD3<Float>)] = [
            ("root", SIMD3(0.1, 0.2, 0)), ("neck", SIMD3(0.01, -0.2, 0.03)), ("jaw", SIMD3(0.05, 0, 0)),
            ("left_eye", SIMD3(0.04, 0.05, 0)), ("right_eye", SIMD3(0.06, 0.07, 0)),
        ]
        for (name, value) in expected {
            #expect(rotations[try #require(model.jointIndex(name))] == value, "\(name)")
        }
    }

    @Test func aNeckTurnMovesTheFaceAndLeavesTheRootVerticesInPlace() throws {
        var tracking = try JSONDecoder().decode(HeadTracking.self, from: Data(Self.trackingWithoutNeck.utf8))
        let model = sharedModel
        let still = try tracking.vertices(frame: 0, model: model)
        tracking.frames[0].neck = [0, 0.3, 0]
        let turned = try tracking.vertices(frame: 0, model: model)
        let root = try #require(model.jointIndex("root")), joints = model.jointCount
        let rootOnly = still.indices.filter { model.skinningWeights[$0 * joints + root] == 1 }
        let carried = still.indices.filter { model.skinningWeights[$0 * joints + root] == 0 }
        #expect(!rootOnly.isEmpty && !carried.isEmpty)
        #expect(rootOnly.allSatisfy { still[$0] == turned[$0] })
        #expect(carried.map { simdLength(still[$0] - turned[$0]) }.max()! > 0.01)
    }
}
