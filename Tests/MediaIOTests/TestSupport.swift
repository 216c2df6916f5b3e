import Foundation
import TestSupport
import Testing

@testable import MediaIO

/// Generates a test clip with ffmpeg's testsrc2 source: `frames` frames of `width`×`height` at `fps`.
func makeClip(_ url: URL, width: Int, height: Int, frames: Int, fps: Int = 25, codecArguments: [String]) throws {
    try ffmpeg(
        ["-f", "lavfi", "-i", "testsrc2=size=\(width)x\(height):rate=\(fps)", "-frames:v", "\(frames)"]
            + codecArguments + [url.path])
}

/// The per-frame MD5s of `ffmpeg -f framemd5 -pix_fmt rgb24`.
func ffmpegFrameMD5s(_ url: URL) throws -> [String] {
    let text = try runCommand("ffmpeg", ["-hide_banner", "-loglevel", "error", "-i", url.path, "-f", "framemd5", "-pix_fmt", "rgb24", "-"])
    return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map {
        String($0.split(separator: ",").last!.trimmingCharacters(in: .whitespaces))
    }
}

/// Decodes every frame of a file with VideoReader.
func decodeAll(_ url: URL, options: VideoDecodeOptions = VideoDecodeOptions()) throws -> [VideoFrame] {
    let reader = try VideoReader(url: url, options: options)
    var frames: [VideoFrame] = []
    try reader.forEachFrame { frames.append($0) }
    return frames
}
