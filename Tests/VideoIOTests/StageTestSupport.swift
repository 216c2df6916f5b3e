import AvatarFlow
import Foundation
import MediaIO
import Testing

@testable import VideoIO

struct CommandFailure: Error, CustomStringConvertible {
    let description: String
}

/// Runs the ffmpeg CLI quietly.
func ffmpeg(_ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y"] + arguments
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw CommandFailure(description: "ffmpeg \(arguments) failed") }
}

/// A smooth, deterministic RGB test image.
func syntheticImage(width: Int, height: Int, seed: Int = 0) -> Image8 {
    var image = Image8(width: width, height: height, channels: 3)
    for y in 0..<height {
        for x in 0..<width {
            let u = Double(x) / Double(width), v = Double(y) / Double(height), phase = Double(seed) * 0.3
            image[x, y, 0] = UInt8(127.5 + 100 * sin(6 * u + phase) * cos(3 * v))
            image[x, y, 1] = UInt8(127.5 + 100 * cos(5 * v - phase))
            image[x, y, 2] = UInt8(127.5 + 100 * sin(4 * (u + v) + phase))
        }
    }
    return image
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

/// A capture of `cameras` FFV1 videos (exact) of `frames` frames, 32×24 at 25 fps.
func makeCapture(_ root: URL, cameras: Int = 2, frames: Int = 6) throws {
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    var calibrations: [[String: Any]] = []
    for camera in 0..<cameras {
        let writer = try VideoWriter(
            url: root.appendingPathComponent("cam\(camera).mkv"), frameSize: PixelSize(width: 32, height: 24),
            options: VideoEncodeOptions(codec: .ffv1))
        for index in 0..<frames { try writer.append(captureFrame(camera: camera, index: index)) }
        try writer.finish()
        calibrations.append([
            "id": "cam\(camera)", "width": 32, "height": 24, "fx": 40.0, "fy": 40.0, "cx": 15.5, "cy": 11.5,
            "world_to_camera": [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2, 0, 0, 0, 1],
        ])
    }
    let json = try JSONSerialization.data(withJSONObject: ["cameras": calibrations])
    try json.write(to: root.appendingPathComponent("cameras.json"))
}

func captureFrame(camera: Int, index: Int) -> Image8 {
    syntheticImage(width: 32, height: 24, seed: camera * 10 + index)
}

/// A FrameSet of `cameras` cameras × `frames` frames of 20×10 (RGB or RGBA).
func makeFrameSet(_ url: URL, cameras: Int = 2, frames: Int = 3, channels: Int = 3) throws -> [[Image8]] {
    let writer = try FrameSetWriter(
        directory: url, cameras: (0..<cameras).map { "cam\($0)" }, size: PixelSize(width: 20, height: 10),
        channels: channels, frameRate: Rational(25, 1))
    var written: [[Image8]] = []
    for frame in 0..<frames {
        let images = (0..<cameras).map { syntheticImage(width: 20, height: 10, seed: frame * 7 + $0).withChannels(channels, opaque: 128) }
        try writer.append(images, timestamp: Double(frame) / 25, sourceIndex: frame)
        written.append(images)
    }
    try writer.finish()
    return written
}

/// All frames of a video file.
func decodeAll(_ url: URL) throws -> [Image8] {
    let reader = try VideoReader(url: url)
    var frames: [Image8] = []
    while let frame = try reader.nextFrame() { frames.append(frame.image) }
    return frames
}
