import Foundation
import Testing

@testable import MediaIO

@Suite struct BadInputTests {
    private func expectMediaError(_ kind: MediaIOError.Kind, _ body: () throws -> Void) -> MediaIOError? {
        do {
            try body()
        } catch let error as MediaIOError {
            #expect(error.kind == kind, "\(error)")
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
        Issue.record("expected a \(kind) error")
        return nil
    }

    @Test func missingVideoFileNamesThePath() throws {
        let error = expectMediaError(.fileNotFound) { _ = try VideoReader(url: URL(fileURLWithPath: "/nonexistent/cam0.mp4")) }
        #expect(error?.description.contains("/nonexistent/cam0.mp4") == true)
    }

    @Test func codecWithoutDecoderIsUnsupported() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("a.avi")
        try makeClip(url, width: 32, height: 32, frames: 3, codecArguments: ["-c:v", "mpeg4"])
        var bytes = try Data(contentsOf: url)
        // Replace the FourCC so no FFmpeg decoder claims the stream.
        let tag = Data("FMP4".utf8)
        while let range = bytes.range(of: tag) { bytes.replaceSubrange(range, with: Data("QQQQ".utf8)) }
        try bytes.write(to: url)
        _ = expectMediaError(.unsupportedFormat) { _ = try VideoReader(url: url) }
    }

    @Test func truncatedVideoDecodesReadableFramesThenNamesTheFrame() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("t.mp4")
        try makeClip(
            url, width: 96, height: 64, frames: 30,
            codecArguments: ["-c:v", "libx264", "-g", "5", "-movflags", "+faststart"])
        let bytes = try Data(contentsOf: url)
        try bytes.prefix(bytes.count * 6 / 10).write(to: url)
        let reader = try VideoReader(url: url)
        var returned = 0
        let error = expectMediaError(.corruptData) { while try reader.nextFrame() != nil { returned += 1 } }
        #expect(returned > 0 && returned < 30)
        #expect(error?.frameIndex == returned)
    }

    @Test func truncatedMatroskaIsDetectedFromItsDeclaredDuration() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("t.mkv")
        try makeClip(url, width: 96, height: 64, frames: 30, codecArguments: ["-c:v", "libx264", "-g", "5"])
        let bytes = try Data(contentsOf: url)
        try bytes.prefix(bytes.count * 6 / 10).write(to: url)
        let reader = try VideoReader(url: url)
        #expect(reader.info.declaredFrameCount == nil)
        var returned = 0
        let error = expectMediaError(.corruptData) { while try reader.nextFrame() != nil { returned += 1 } }
        #expect(returned > 0 && returned < 30)
        #expect(error?.frameIndex == returned)
    }

    @Test func parsesMatroskaDurationTags() {
        #expect(VideoReader.parseClockDuration("00:01:02.500000000") == 62.5)
        #expect(VideoReader.parseClockDuration("garbage") == nil)
    }

    @Test func corruptedBitstreamStopsAtTheDamagedFrame() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("c.avi")
        try makeClip(url, width: 96, height: 64, frames: 20, codecArguments: ["-c:v", "mpeg4", "-g", "1", "-q:v", "2"])
        var bytes = try Data(contentsOf: url)
        let middle = bytes.count / 2
        for offset in 0..<600 { bytes[middle + offset] = UInt8(truncatingIfNeeded: offset &* 97 &+ 13) }
        try bytes.write(to: url)
        let reader = try VideoReader(url: url)
        var returned = 0
        let error = expectMediaError(.corruptData) { while try reader.nextFrame() != nil { returned += 1 } }
        #expect(returned > 0 && returned < 20)
        #expect(error?.frameIndex == returned)
    }

    @Test func zeroFrameVideoFromTheFFmpegCLIIsReportedAsEmpty() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("zero.mp4")
        try makeClip(url, width: 32, height: 32, frames: 0, codecArguments: ["-c:v", "libx264"])
        _ = expectMediaError(.noFrames) {
            let reader = try VideoReader(url: url)
            while try reader.nextFrame() != nil {}
        }
    }

    @Test(arguments: [("zero.mp4", VideoEncodeOptions.Codec.h264), ("zero.avi", .ffv1)])
    // (FFmpeg 5.1's Matroska muxer writes an unreadable file when no frame arrives, so MKV is not used here.)
    func zeroFrameVideoWithAStreamIsReportedAsEmpty(name: String, codec: VideoEncodeOptions.Codec) throws {
        let directory = try TemporaryDirectory()
        let url = directory.file(name)
        let writer = try VideoWriter(url: url, frameSize: PixelSize(width: 32, height: 32), options: VideoEncodeOptions(codec: codec))
        try writer.finish()
        _ = expectMediaError(.noFrames) {
            let reader = try VideoReader(url: url)
            while try reader.nextFrame() != nil {}
        }
    }

    @Test func garbageFileIsNotAVideo() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("noise.mp4")
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }).write(to: url)
        _ = expectMediaError(.unsupportedFormat) { _ = try VideoReader(url: url) }
    }

    @Test func pngWithBadCRCIsRejected() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("bad.png")
        try PNGFile.write(syntheticImage(width: 16, height: 16), to: url)
        var bytes = try Data(contentsOf: url)
        // The IHDR chunk's CRC sits at bytes 29...32 (8 signature + 4 length + 4 type + 13 data).
        bytes[30] ^= 0xFF
        try bytes.write(to: url)
        let error = expectMediaError(.corruptData) { _ = try PNGFile.read(url) }
        #expect(error?.message.contains("CRC") == true)
    }

    @Test func missingPNGIsFileNotFound() {
        _ = expectMediaError(.fileNotFound) { _ = try PNGFile.read(URL(fileURLWithPath: "/nonexistent/x.png")) }
    }

    @Test func truncatedPNGIsRejected() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("short.png")
        try PNGFile.write(syntheticImage(width: 64, height: 64), to: url)
        let bytes = try Data(contentsOf: url)
        try bytes.prefix(bytes.count / 2).write(to: url)
        _ = expectMediaError(.corruptData) { _ = try PNGFile.read(url) }
    }
}
