import Foundation
import Testing

@testable import MediaIO

@Suite struct FrameSetTests {
    private func writeSet(_ url: URL, channels: Int = 3, frames: Int = 3) throws -> [[Image8]] {
        let writer = try FrameSetWriter(
            directory: url, cameras: ["a", "b"], size: PixelSize(width: 20, height: 10),
            channels: channels, frameRate: Rational(30, 1))
        var written: [[Image8]] = []
        for index in 0..<frames {
            let images = (0..<2).map { camera in
                syntheticImage(width: 20, height: 10, seed: index * 2 + camera).withChannels(channels, opaque: UInt8(100 + index))
            }
            try writer.append(images, timestamp: Double(index) / 30, sourceIndex: index)
            written.append(images)
        }
        try writer.finish()
        return written
    }

    @Test(arguments: [3, 4])
    func writtenFrameSetReadsBackExactly(channels: Int) throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("set")
        let written = try writeSet(url, channels: channels)
        let set = try FrameSet.open(url)
        #expect(set.manifest.frameCount == 3 && set.manifest.channels == channels)
        #expect(set.manifest.cameras == ["a", "b"])
        for frame in 0..<3 {
            #expect(try set.image(frame: frame, camera: "a") == written[frame][0])
            #expect(try set.image(frame: frame, camera: "b") == written[frame][1])
        }
        #expect(try set.floatImage(frame: 0, camera: "a") == FloatImage(written[0][0]))
    }

    @Test func unfinishedFrameSetIsRejected() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("set")
        let writer = try FrameSetWriter(directory: url, cameras: ["a"], size: PixelSize(width: 4, height: 4), frameRate: Rational(25, 1))
        try writer.append([syntheticImage(width: 4, height: 4)], timestamp: 0, sourceIndex: 0)
        #expect(throws: MediaIOError.self) { _ = try FrameSet.open(url) }
    }

    @Test func missingFrameFileIsNamed() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("set")
        _ = try writeSet(url)
        try FileManager.default.removeItem(at: url.appendingPathComponent("b/000001.png"))
        do {
            _ = try FrameSet.open(url)
            Issue.record("expected an error")
        } catch let error as MediaIOError {
            #expect(error.kind == .invalidLayout)
            #expect(error.path.hasSuffix("b/000001.png"))
        }
    }

    @Test func wrongImageSizeIsRejectedOnAppend() throws {
        let directory = try TemporaryDirectory()
        let writer = try FrameSetWriter(
            directory: directory.file("set"), cameras: ["a"], size: PixelSize(width: 4, height: 4),
            frameRate: Rational(25, 1))
        #expect(throws: MediaIOError.self) {
            try writer.append([syntheticImage(width: 5, height: 4)], timestamp: 0, sourceIndex: 0)
        }
    }

    @Test func encodingTilesCamerasSideBySide() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("set")
        let written = try writeSet(url)
        let video = directory.file("tiled.mkv")
        let writer = try FrameSetConversion.encode(try FrameSet.open(url), to: video, options: VideoEncodeOptions(codec: .ffv1))
        #expect(writer.frameSize == PixelSize(width: 40, height: 10))
        let frames = try decodeAll(video)
        #expect(frames.count == 3)
        for (index, frame) in frames.enumerated() {
            #expect(PixelTransforms.crop(frame.image, to: PixelRect(x: 0, y: 0, width: 20, height: 10)) == written[index][0])
            #expect(PixelTransforms.crop(frame.image, to: PixelRect(x: 20, y: 0, width: 20, height: 10)) == written[index][1])
        }
    }

    @Test func encodingInColumnsStacksRows() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("set")
        _ = try writeSet(url, channels: 4, frames: 1)
        let writer = try FrameSetConversion.encode(try FrameSet.open(url), columns: 1, to: directory.file("stack.mp4"))
        #expect(writer.frameSize == PixelSize(width: 20, height: 20))
    }
}
