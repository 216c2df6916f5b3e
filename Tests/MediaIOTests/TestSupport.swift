import Foundation
import Testing

@testable import MediaIO

/// A unique temporary directory, removed when the value is deinitialised.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("mediaio-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    deinit { try? FileManager.default.removeItem(at: url) }
}

struct CommandFailure: Error, CustomStringConvertible {
    let description: String
}

/// Runs a command line tool and returns its standard output.
@discardableResult
func run(_ executable: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [executable] + arguments
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw CommandFailure(description: "\(executable) \(arguments.joined(separator: " ")) failed: \(String(decoding: errorData, as: UTF8.self).suffix(800))")
    }
    return String(decoding: data, as: UTF8.self)
}

/// Runs the ffmpeg CLI quietly.
func ffmpeg(_ arguments: [String]) throws {
    try run("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y"] + arguments)
}

/// Generates a test clip with ffmpeg's testsrc2 source: `frames` frames of `width`×`height` at `fps`.
func makeClip(_ url: URL, width: Int, height: Int, frames: Int, fps: Int = 25, codecArguments: [String]) throws {
    try ffmpeg(
        ["-f", "lavfi", "-i", "testsrc2=size=\(width)x\(height):rate=\(fps)", "-frames:v", "\(frames)"]
            + codecArguments + [url.path])
}

/// The per-frame MD5s of `ffmpeg -f framemd5 -pix_fmt rgb24`.
func ffmpegFrameMD5s(_ url: URL) throws -> [String] {
    let text = try run("ffmpeg", ["-hide_banner", "-loglevel", "error", "-i", url.path, "-f", "framemd5", "-pix_fmt", "rgb24", "-"])
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

/// Peak signal-to-noise ratio in dB between two 8-bit images of equal shape.
func psnr(_ a: Image8, _ b: Image8) -> Double {
    var squared = 0.0
    for index in 0..<a.samples.count {
        let difference = Double(a.samples[index]) - Double(b.samples[index])
        squared += difference * difference
    }
    let mse = squared / Double(a.samples.count)
    return mse == 0 ? .infinity : 10 * log10(255 * 255 / mse)
}

/// A smooth, deterministic RGB test image with some texture.
func syntheticImage(width: Int, height: Int, seed: Int = 0) -> Image8 {
    var image = Image8(width: width, height: height, channels: 3)
    for y in 0..<height {
        for x in 0..<width {
            let u = Double(x) / Double(width), v = Double(y) / Double(height)
            let phase = Double(seed) * 0.3
            image[x, y, 0] = UInt8(127.5 + 100 * sin(6 * u + phase) * cos(3 * v))
            image[x, y, 1] = UInt8(127.5 + 100 * cos(5 * v - phase))
            image[x, y, 2] = UInt8(127.5 + 100 * sin(4 * (u + v) + phase))
        }
    }
    return image
}
