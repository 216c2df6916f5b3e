import Foundation
import MediaIO
import TestSupport
import Testing

@Suite struct MaskSetTests {
    /// A one-camera, one-frame 2×1 FrameSet whose pixels are `samples` (RGB), with `description`.
    func write(_ samples: [UInt8], description: MaskSet.Description, in directory: TemporaryDirectory) throws -> URL {
        let url = directory.file("masks")
        let writer = try FrameSetWriter(directory: url, cameras: ["cam00"], size: PixelSize(width: 2, height: 1), frameRate: Rational(25, 1))
        try writer.append([Image8(width: 2, height: 1, channels: 3, samples: samples)], timestamp: 0, sourceIndex: 0)
        try writer.finish()
        try MaskSet.write(description, to: url)
        return url
    }

    @Test func channelsEncodingReadsOneSoftMaskPerChannel() throws {
        let directory = try TemporaryDirectory()
        let url = try write([255, 0, 0, 0, 51, 204], description: MaskSet.Description(channels: ["head", "hair", "body"]), in: directory)
        let masks = try MaskSet.open(url).masks(frame: 0, camera: "cam00")
        #expect(masks["head"] == [1, 0] && masks["hair"] == [0, 0.2] && masks["body"] == [0, 0.8])
    }

    @Test func labelsEncodingReadsOneHardMaskPerGreyValue() throws {
        let directory = try TemporaryDirectory()
        let url = try write(
            [51, 51, 51, 102, 102, 102],
            description: MaskSet.Description(channels: ["face", "hair", "eyes"], encoding: .labels, labels: ["face": 51, "hair": 102, "eyes": 153]),
            in: directory)
        let set = try MaskSet.open(url)
        #expect(set.names == ["face", "hair", "eyes"])
        let masks = try set.masks(frame: 0, camera: "cam00")
        #expect(masks["face"] == [1, 0] && masks["hair"] == [0, 1] && masks["eyes"] == [0, 0])
    }

    @Test func aLabelsDescriptionWithoutEveryGreyValueIsRejected() throws {
        let directory = try TemporaryDirectory()
        let url = try write(
            [0, 0, 0, 0, 0, 0], description: MaskSet.Description(channels: ["face", "hair"], encoding: .labels, labels: ["face": 51]), in: directory)
        #expect(throws: MediaIOError.self) { try MaskSet.open(url) }
    }

    @Test func moreChannelNamesThanChannelsAreRejected() throws {
        let directory = try TemporaryDirectory()
        let url = try write([0, 0, 0, 0, 0, 0], description: MaskSet.Description(channels: ["a", "b", "c", "d"]), in: directory)
        #expect(throws: MediaIOError.self) { try MaskSet.open(url) }
    }
}
