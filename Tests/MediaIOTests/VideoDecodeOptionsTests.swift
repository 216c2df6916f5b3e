import Foundation
import Testing

@testable import MediaIO

@Suite struct VideoDecodeOptionsTests {
    private func clip(_ directory: TemporaryDirectory, frames: Int = 20) throws -> URL {
        let url = directory.file("clip.mp4")
        try makeClip(url, width: 96, height: 64, frames: frames, codecArguments: ["-c:v", "libx264", "-pix_fmt", "yuv420p"])
        return url
    }

    @Test func timestampsAreExactMultiplesOfTheFramePeriod() throws {
        let directory = try TemporaryDirectory()
        let frames = try decodeAll(try clip(directory, frames: 10))
        #expect(frames.map(\.sourceIndex) == Array(0..<10))
        for frame in frames {
            #expect(abs(frame.timeSeconds - Double(frame.sourceIndex) / 25) < 1e-9)
        }
    }

    @Test func frameRangeReturnsOnlyThoseFramesWithTheirPixels() throws {
        let directory = try TemporaryDirectory()
        let url = try clip(directory)
        let all = try decodeAll(url)
        let part = try decodeAll(url, options: VideoDecodeOptions(frameRange: 5..<9))
        #expect(part.map(\.sourceIndex) == [5, 6, 7, 8])
        #expect(part.map(\.image) == Array(all[5..<9]).map(\.image))
    }

    @Test func everyNthFrameSamplesFromTheRangeStart() throws {
        let directory = try TemporaryDirectory()
        let frames = try decodeAll(try clip(directory), options: VideoDecodeOptions(frameRange: 3..<20, sampling: .everyNth(5)))
        #expect(frames.map(\.sourceIndex) == [3, 8, 13, 18])
    }

    @Test func targetFrameRateDropsFramesEvenly() throws {
        let directory = try TemporaryDirectory()
        let frames = try decodeAll(try clip(directory), options: VideoDecodeOptions(sampling: .targetFPS(10)))
        // 25 fps → 10 fps: the first frame of each 0.1 s interval.
        #expect(frames.map(\.sourceIndex) == [0, 3, 5, 8, 10, 13, 15, 18])
    }

    @Test func cropReturnsTheSubRectangleOfTheFullFrame() throws {
        let directory = try TemporaryDirectory()
        let url = try clip(directory, frames: 3)
        let full = try decodeAll(url)
        let rect = PixelRect(x: 10, y: 7, width: 33, height: 21)
        let cropped = try decodeAll(url, options: VideoDecodeOptions(crop: rect))
        #expect(cropped.map(\.image) == full.map { PixelTransforms.crop($0.image, to: rect) })
        #expect(cropped[0].image.width == 33 && cropped[0].image.height == 21)
    }

    @Test func resizeMatchesFFmpegScaleFilter() throws {
        let directory = try TemporaryDirectory()
        let url = try clip(directory, frames: 4)
        let expected = try run(
            "ffmpeg",
            [
                "-hide_banner", "-loglevel", "error", "-i", url.path, "-vf", "scale=48:40",
                "-f", "framemd5", "-pix_fmt", "rgb24", "-",
            ]
        )
        .split(separator: "\n").filter { !$0.hasPrefix("#") }
        .map { String($0.split(separator: ",").last!.trimmingCharacters(in: .whitespaces)) }
        let frames = try decodeAll(url, options: VideoDecodeOptions(outputSize: PixelSize(width: 48, height: 40)))
        #expect(frames.map { MD5.hex($0.image.samples) } == expected)
    }

    @Test func rotationMetadataIsHonouredLikeTheFFmpegCLI() throws {
        let directory = try TemporaryDirectory()
        let url = try clip(directory, frames: 4)
        let unrotated = try decodeAll(url)
        // The muxer's `rotate` tag is counter-clockwise (display matrix angle); display rotation is clockwise.
        for (tag, degrees) in [(90, 270), (180, 180), (270, 90)] {
            let rotated = directory.file("rotated\(tag).mp4")
            try ffmpeg(["-i", url.path, "-c", "copy", "-metadata:s:v:0", "rotate=\(tag)", rotated.path])
            let reader = try VideoReader(url: rotated)
            #expect(reader.info.rotationDegrees == degrees)
            #expect(reader.outputSize == PixelSize(width: degrees == 180 ? 96 : 64, height: degrees == 180 ? 64 : 96))
            var frames: [VideoFrame] = []
            try reader.forEachFrame { frames.append($0) }
            #expect(frames.map { MD5.hex($0.image.samples) } == (try ffmpegFrameMD5s(rotated)))
            #expect(frames.map(\.image) == unrotated.map { PixelTransforms.rotateClockwise($0.image, degrees: degrees) })
        }
    }

    @Test func imageSequencePatternDecodesInOrder() throws {
        let directory = try TemporaryDirectory()
        for index in 0..<3 {
            try PNGFile.write(syntheticImage(width: 20, height: 10, seed: index), to: directory.file(String(format: "%04d.png", index)))
        }
        let frames = try decodeAll(directory.file("%04d.png"))
        #expect(frames.map(\.image) == (0..<3).map { syntheticImage(width: 20, height: 10, seed: $0) })
    }

    @Test func outOfBoundsCropIsRejectedWithTheSizes() throws {
        let directory = try TemporaryDirectory()
        let url = try clip(directory, frames: 2)
        #expect {
            _ = try VideoReader(url: url, options: VideoDecodeOptions(crop: PixelRect(x: 80, y: 0, width: 20, height: 10)))
        } throws: { error in
            let mediaError = error as? MediaIOError
            return mediaError?.kind == .invalidArgument && mediaError!.message.contains("96×64")
        }
    }
}
