import AvatarFlow
import FaceAnalysis
import Foundation
import MediaIO
import TestSupport
import Testing

@testable import Evaluation

/// `eval.identity` on a real photograph with three people (dlib's examples/faces): the same face
/// is at distance 0, another person beyond dlib's 0.6, a frame without a face is listed, not scored.
@Suite struct IdentityDistanceStageTests {
    static let photoPath = "/usr/share/doc/libdlib19.1/examples/faces/2008_001322.jpg"

    static func photo() throws -> Image8 {
        try ensureDebianPackage("libdlib19.1", probe: photoPath)
        guard let frame = try VideoReader(url: URL(fileURLWithPath: photoPath)).nextFrame() else {
            throw StageHarnessError("\(photoPath) has no picture")
        }
        return frame.image
    }

    /// The photo with its largest face painted black, so that the largest face left is another person.
    static func withoutLargestFace(_ photo: Image8) throws -> Image8 {
        let detections = try MMODFaceDetector.cached().detect(rgb: photo.samples, width: photo.width, height: photo.height, channels: photo.channels)
        let largest = try #require(detections.max { $0.rectangle.area < $1.rectangle.area }).rectangle
        var image = photo
        for y in max(0, largest.y - 20)..<min(photo.height, largest.bottom + 20) {
            for x in max(0, largest.x - 20)..<min(photo.width, largest.right + 20) {
                for c in 0..<photo.channels { image.samples[(y * photo.width + x) * photo.channels + c] = 0 }
            }
        }
        return image
    }

    static func metrics(_ report: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: report.appendingPathComponent("metrics.json"))) as! [String: Any]
    }

    @Test func sameFaceIsAtZeroOtherPersonBeyondThresholdMissingFaceListed() throws {
        let harness = try StageHarness(label: "identity-test")
        let photo = try Self.photo()
        let blank = Image8(width: photo.width, height: photo.height, channels: 3, filledWith: 128)
        let rendered = try writeFrameSet([[photo], [try Self.withoutLargestFace(photo)], [blank]], to: harness.file("rendered"))
        let reference = try writeFrameSet([[photo]], to: harness.file("reference"))
        let report = try harness.run(
            IdentityDistanceStage.self, inputs: ["rendered": rendered, "reference": reference],
            with: ["reference_frame": .int(0), "upsample": .int(0)])["report"]!
        let json = try Self.metrics(report)
        let distances = (json["per_frame"] as! [String: [Any]])["cam0"]!
        #expect(distances[0] as? Double == 0)
        #expect(try #require(distances[1] as? Double) > FaceDescriptor.sameIdentityThreshold)
        #expect(distances[2] is NSNull)
        let overall = json["overall"] as! [String: Any]
        #expect(overall["scored_pairs"] as? Int == 2 && overall["missing_pairs"] as? Int == 1)
        #expect(overall["same_identity_rate"] as? Double == 0.5)
        let missing = json["missing"] as! [[String: Any]]
        #expect(missing.count == 1 && missing[0]["frame"] as? Int == 2 && missing[0]["side"] as? String == "rendered")
        #expect(harness.events.warnings.contains { $0.contains("no face") })
        #expect(try String(contentsOf: report.appendingPathComponent("metrics.md"), encoding: .utf8).contains("| overall |"))
    }

    @Test func landmarkInputsReplaceDetection() throws {
        let harness = try StageHarness(label: "identity-test")
        let photo = try Self.photo()
        let finder = try LargestFaceLandmarks(
            detector: try MMODFaceDetector.cached(), predictor: try ShapePredictor.cached(contentsOf: URL(fileURLWithPath: ShapePredictor.defaultModelPath)),
            upsample: 0)
        let points = try #require(try finder.landmarks(in: photo))
        let detection = FaceLandmarkSet.Detection(points: points.map { [$0.x, $0.y] }, confidence: Array(repeating: 1, count: 68))
        let landmarks = harness.file("landmarks")
        try FileManager.default.createDirectory(at: landmarks, withIntermediateDirectories: true)
        try FaceLandmarkSet(cameras: ["cam0"], frames: [[detection]]).write(to: landmarks)
        // A grey frame has no face to detect, but with landmarks its chip is described and scored.
        let blank = Image8(width: photo.width, height: photo.height, channels: 3, filledWith: 128)
        let rendered = try writeFrameSet([[blank]], to: harness.file("rendered"))
        let reference = try writeFrameSet([[photo]], to: harness.file("reference"))
        let report = try harness.run(
            IdentityDistanceStage.self,
            inputs: ["rendered": rendered, "reference": reference, "rendered_landmarks": landmarks, "reference_landmarks": landmarks],
            with: ["upsample": .int(0)])["report"]!
        let overall = try Self.metrics(report)["overall"] as! [String: Any]
        #expect(overall["scored_pairs"] as? Int == 1)
        let descriptor = try FaceDescriptor.cached()
        let expected = try FaceDescriptor.distance(
            try descriptor.describe(image: blank, landmarks: points), try descriptor.describe(image: photo, landmarks: points))
        #expect(abs(try #require(overall["identity_distance"] as? Double) - expected) < 1e-12)
    }

    @Test func noComparableFaceFailsNamingTheFix() throws {
        let harness = try StageHarness(label: "identity-test")
        let blank = Image8(width: 96, height: 96, channels: 3, filledWith: 128)
        let frames = try writeFrameSet([[blank]], to: harness.file("frames"))
        #expect {
            try harness.run(IdentityDistanceStage.self, inputs: ["rendered": frames, "reference": frames], with: ["upsample": .int(0)])
        } throws: { error in
            (error as? EvaluationError)?.description.contains("landmarks") == true
        }
    }

    @Test func landmarksOfOtherFramesAreRejected() throws {
        let harness = try StageHarness(label: "identity-test")
        let blank = Image8(width: 96, height: 96, channels: 3, filledWith: 128)
        let frames = try writeFrameSet([[blank], [blank]], to: harness.file("frames"))
        let landmarks = harness.file("landmarks")
        try FileManager.default.createDirectory(at: landmarks, withIntermediateDirectories: true)
        try FaceLandmarkSet(cameras: ["cam0"], frames: [[nil]]).write(to: landmarks)
        #expect(throws: EvaluationError.self) {
            try harness.run(IdentityDistanceStage.self, inputs: ["rendered": frames, "reference": frames, "rendered_landmarks": landmarks])
        }
    }

    @Test func unknownReferenceCameraIsRejected() throws {
        let harness = try StageHarness(label: "identity-test")
        let blank = Image8(width: 96, height: 96, channels: 3, filledWith: 128)
        let frames = try writeFrameSet([[blank]], to: harness.file("frames"))
        #expect(throws: EvaluationError.self) {
            try harness.run(
                IdentityDistanceStage.self, inputs: ["rendered": frames, "reference": frames],
                with: ["reference_frame": .int(0), "reference_camera": .string("front")])
        }
    }

    @Test func stageIsRegistered() {
        #expect(EvaluationStages.all.contains { $0.id == "eval.identity" })
    }
}
