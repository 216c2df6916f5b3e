import AvatarFlow
import AvatarFlowStages
import FaceAnalysis
import Foundation
import HeadModel
import TestSupport
import Testing

/// examples/detected-landmarks-photometric.yaml on 20 frames of the synthetic capture: dlib's CNN
/// detector and 68 landmarks on every camera, the landmark fit, then face.refine-photometric, with
/// the neck compared against the capture's ground truth.
@Suite struct DetectedLandmarkTrackingTests {
    @Test func photometricRefinementOfDetectedLandmarksTracksTheNeckWithinTwoDegrees() async throws {
        let root = uniqueTemporaryURL("detected-landmark-tracking")
        defer { try? FileManager.default.removeItem(at: root) }
        let (result, store) = try await QuickstartPipelineTests.run(
            in: root, pipeline: "examples/detected-landmarks-photometric.yaml", overrides: ["frames=20"])
        #expect(result.succeeded, "\(result.outcomes)")
        let truth = try GroundTruth(capture: try QuickstartPipelineTests.output(result, "capture", "capture", store: store))
        let landmarks = try FaceLandmarkSet.read(from: try QuickstartPipelineTests.output(result, "points", "landmarks", store: store))
        for (c, camera) in landmarks.cameras.enumerated() {
            let detected = landmarks.frames.filter { $0[c] != nil }.count
            #expect(detected >= 18, "camera \(camera): landmarks in \(detected) of 20 frames")
        }
        let fit = try truth.neckErrorsDegrees(of: try HeadTracking.read(from: try QuickstartPipelineTests.output(result, "track", "tracking", store: store)))
        let refined = try truth.neckErrorsDegrees(
            of: try HeadTracking.read(from: try QuickstartPipelineTests.output(result, "refine", "tracking", store: store)))
        let mean = refined.reduce(0, +) / Double(refined.count)
        #expect(fit.reduce(0, +) / Double(fit.count) > 5, "the landmark fit alone is far off (15.8° measured)")
        #expect(mean < 2, "mean neck error \(mean)° (measured 0.99°)")
        #expect(refined.max()! < 3, "worst neck error \(refined.max()!)° (measured 1.89°)")
    }
}
