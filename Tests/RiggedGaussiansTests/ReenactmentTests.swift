import Foundation
import HeadModel
import Testing

@testable import Rendering

struct DrivingSequenceTests {
    func frame(_ value: Double) -> HeadTracking.Frame {
        HeadTracking.Frame(
            rotation: [value, 0, 0], translation: [0, value, 0], jaw: [0, 0, value], neck: [0, value, 0], leftEye: [value, 0, 0],
            rightEye: [0, 0, value], expression: [value, 2 * value],
            landmarks: [], meanResidualPixels: 0, observedViews: 1)
    }

    @Test func smoothingAveragesAWindowClampedAtTheEnds() {
        let smoothed = DrivingSequence.smoothed([0, 3, 6, 9].map(frame), radius: 1)
        #expect(smoothed.map { $0.rotation[0] } == [1.5, 3, 6, 7.5])
        #expect(smoothed.map { $0.translation[1] } == [1.5, 3, 6, 7.5])
        #expect(smoothed.map { $0.jaw[2] } == [1.5, 3, 6, 7.5])
        #expect(smoothed.map { $0.neck[1] } == [1.5, 3, 6, 7.5])
        #expect(smoothed.map { $0.leftEye[0] } == [1.5, 3, 6, 7.5] && smoothed.map { $0.rightEye[2] } == [1.5, 3, 6, 7.5])
        #expect(smoothed.map { $0.expression[1] } == [3, 6, 12, 15])
    }

    @Test func radiusZeroLeavesTheSequenceUnchanged() {
        let frames = [1, 5, 2].map(frame)
        #expect(DrivingSequence.smoothed(frames, radius: 0) == frames)
    }
}
