import Foundation
import Testing

@testable import MediaIO

@Suite struct VideoDecodingTests {
    @Test func md5MatchesKnownVectors() {
        #expect(MD5.hex([]) == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(MD5.hex(Array("abc".utf8)) == "900150983cd24fb0d6963f7d28e17f72")
        #expect(MD5.hex(Array(repeating: 0x61, count: 1000)) == "cabe45dcc9ae5b66ba86600cca6b8ba8")
    }

    @Test(arguments: [
        ("h264.mp4", ["-c:v", "libx264", "-pix_fmt", "yuv420p"]),
        ("vp9.mkv", ["-c:v", "libvpx-vp9", "-pix_fmt", "yuv420p", "-deadline", "realtime"]),
        ("mpeg4.avi", ["-c:v", "mpeg4", "-q:v", "4"]),
        ("h264-422.mov", ["-c:v", "libx264", "-pix_fmt", "yuv422p"]),
        ("ffv1.mkv", ["-c:v", "ffv1"]),
        ("mjpeg-full-range.avi", ["-c:v", "mjpeg", "-pix_fmt", "yuvj420p"]),
    ])
    func decodedFramesMatchFFmpegFramemd5(name: String, codecArguments: [String]) throws {
        let directory = try TemporaryDirectory()
        let clip = directory.file(name)
        try makeClip(clip, width: 96, height: 64, frames: 12, codecArguments: codecArguments)
        let expected = try ffmpegFrameMD5s(clip)
        let frames = try decodeAll(clip)
        #expect(frames.count == expected.count)
        #expect(frames.map { MD5.hex($0.image.samples) } == expected)
    }
}
