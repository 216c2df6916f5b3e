import FaceAnalysis
import Testing

/// Detect-then-track on scripted detections: which box each frame gets, and why frames are untracked.
@Suite struct FaceTrackerTests {
    /// 68 points spread over the middle 80 % of a box, shifted by `drift` pixels.
    static func points(in box: FaceRectangle, drift: Double = 0) -> [SIMD2<Double>] {
        (0..<68).map { k in
            SIMD2(
                Double(box.x) + Double(box.width) * (0.1 + 0.8 * Double(k % 9) / 8) + drift,
                Double(box.y) + Double(box.height) * (0.1 + 0.8 * Double(k / 9) / 7))
        }
    }

    static let flat = [Double](repeating: 1.0 / 32, count: 32)
    static let dark: [Double] = [1] + [Double](repeating: 0, count: 31)

    func run(
        _ detections: [[FaceRectangle]], histograms: [[Double]]? = nil, drift: @escaping (Int) -> Double = { _ in 0 },
        options: FaceTracker.Options = FaceTracker.Options()
    ) -> [FaceTracker.Outcome] {
        track(detections, histograms: histograms, drift: drift, options: options).outcomes
    }

    func track(
        _ detections: [[FaceRectangle]], histograms: [[Double]]? = nil, drift: @escaping (Int) -> Double = { _ in 0 },
        options: FaceTracker.Options = FaceTracker.Options()
    ) -> FaceTracker.Track {
        FaceTracker(options: options).track(
            frameCount: detections.count, detections: { detections[$0] }, histogram: { histograms?[$0] ?? Self.flat },
            landmarks: { frame, box in Self.points(in: box, drift: drift(frame)) })
    }

    let subject = FaceRectangle(x: 100, y: 100, width: 80, height: 80)
    let bystander = FaceRectangle(x: 300, y: 90, width: 120, height: 120)

    @Test func largestFaceStartsTheTrack() {
        let outcomes = run([[subject, FaceRectangle(x: 0, y: 0, width: 40, height: 40)]])
        #expect(outcomes == [.detected(box: subject, landmarks: Self.points(in: subject))])
    }

    @Test func overlapNotSizeKeepsTheSubject() {
        let moved = FaceRectangle(x: 106, y: 102, width: 80, height: 80)
        let outcomes = run([[subject], [bystander, moved]])
        #expect(outcomes[1] == .detected(box: moved, landmarks: Self.points(in: moved)))
    }

    @Test func missedDetectionTakesTheBoxFromThePreviousLandmarks() {
        let outcomes = run([[subject], []])
        guard case .propagated(let box, _) = outcomes[1] else {
            Issue.record("expected a propagated frame, got \(outcomes[1])")
            return
        }
        #expect(box.intersectionOverUnion(subject) > 0.95)
    }

    @Test func jumpToAnotherFaceIsBridgedNotFollowed() {
        let outcomes = run([[subject], [bystander]])
        guard case .propagated(let box, _) = outcomes[1] else {
            Issue.record("expected a propagated frame, got \(outcomes[1])")
            return
        }
        #expect(box.intersectionOverUnion(bystander) == 0)
    }

    @Test func propagationStopsAfterTheLimitWithAReason() {
        let options = FaceTracker.Options(maximumPropagatedFrames: 2)
        let outcomes = run([[subject], [], [], []], options: options)
        #expect(outcomes[3] == .untracked(reason: "no face detected for more than 2 frames"))
    }

    @Test func driftingLandmarksAreNotTrusted() {
        let outcomes = run([[subject], []], drift: { $0 == 1 ? 200 : 0 })
        #expect(outcomes[1] == .untracked(reason: "no face detected; landmarks from the previous frame's box drifted out of it"))
    }

    @Test func shotCutRestartsTheTrackOnTheLargestFace() {
        let moved = FaceRectangle(x: 104, y: 100, width: 80, height: 80)
        let outcomes = run([[subject], [moved, bystander]], histograms: [Self.flat, Self.dark])
        #expect(outcomes[1] == .detected(box: bystander, landmarks: Self.points(in: bystander)))
        let afterCut = run([[subject], []], histograms: [Self.flat, Self.dark])
        #expect(afterCut[1] == .untracked(reason: "no face detected after a shot cut"))
    }

    @Test func shotCutsAreReportedByTheFrameThatBeginsTheNewShot() {
        let sequence = track([[subject], [subject], [subject], [subject]], histograms: [Self.flat, Self.flat, Self.dark, Self.dark])
        #expect(sequence.shotCuts == [2])
    }

    @Test func framesWithSeveralFacesAreReported() {
        let sequence = track([[subject], [subject, bystander], [], [bystander, subject]])
        #expect(sequence.framesWithSeveralFaces == [1, 3])
        #expect(sequence.shotCuts.isEmpty)
    }

    @Test func noFaceAtAllIsUntracked() {
        #expect(run([[]]) == [.untracked(reason: "no face detected")])
    }

    @Test func histogramDistanceIsTotalVariation() {
        #expect(FaceTracker.distance(Self.flat, Self.flat) == 0)
        #expect(abs(FaceTracker.distance(Self.flat, Self.dark) - 31.0 / 32) < 1e-12)
        let grey = GreyImage(width: 2, height: 1, grey: [0, 255])!
        #expect(grey.greyHistogram[0] == 0.5 && grey.greyHistogram[31] == 0.5)
    }
}
