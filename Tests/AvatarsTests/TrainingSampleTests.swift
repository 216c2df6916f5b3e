import Testing

@testable import Avatars

struct TrainingSampleTests {
    @Test func fewViewsAreAllScored() {
        #expect(TrainingSummary.trainingSample(count: 12, cameras: 3) == Array(0..<12))
        #expect(TrainingSummary.trainingSample(count: 0, cameras: 2).isEmpty)
    }

    @Test func manyViewsAreSpreadOverFramesAndCameras() {
        // 32 frames × 2 cameras, stored frame-major: a plain stride of 64 / 16 = 4 would see camera 0 only.
        let sample = TrainingSummary.trainingSample(count: 64, cameras: 2)
        #expect(sample.count == 16 && Set(sample).count == 16)
        #expect(Set(sample.map { $0 % 2 }) == [0, 1], "both cameras are scored")
        #expect(Set(sample.map { $0 / 2 }).count == 16, "16 different frames are scored")
    }
}
