import AvatarFlow
import Testing

/// Frame numbers in stage messages.
@Suite struct FrameListTests {
    @Test func runsCollapseIntoRanges() {
        #expect(FrameList.describe([4, 0, 1, 2, 9, 12, 13]) == "0–2, 4, 9, 12–13")
    }

    @Test func longListsStopAfterTwelveItems() {
        #expect(FrameList.describe(Array(stride(from: 0, to: 40, by: 2))) == "0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, …")
    }
}
