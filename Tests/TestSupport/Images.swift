import Foundation
import MediaIO

/// A smooth, deterministic RGB test image with some texture: per pixel, with u = x / width and
/// v = y / height and phase = 0.3·seed, R = 127.5 + 100·sin(6u + phase)·cos(3v),
/// G = 127.5 + 100·cos(5v − phase), B = 127.5 + 100·sin(4(u + v) + phase), truncated to UInt8.
public func syntheticImage(width: Int, height: Int, seed: Int = 0) -> Image8 {
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

/// Peak signal-to-noise ratio in dB (peak 255) between two 8-bit images of equal shape, over all
/// samples of all channels; +∞ for identical images.
public func psnr(_ a: Image8, _ b: Image8) -> Double {
    var squared = 0.0
    for index in 0..<a.samples.count {
        let difference = Double(a.samples[index]) - Double(b.samples[index])
        squared += difference * difference
    }
    let mse = squared / Double(a.samples.count)
    return mse == 0 ? .infinity : 10 * log10(255 * 255 / mse)
}

/// Writes a FrameSet at `directory` with `frames[f][c]` as camera "cam<c>"'s image of frame f
/// (all images the size and channel count of the first), at 25 fps with timestamps f / 25 and
/// source indices f, without calibrations. Returns `directory`.
@discardableResult
public func writeFrameSet(_ frames: [[Image8]], to directory: URL) throws -> URL {
    let first = frames[0][0]
    let writer = try FrameSetWriter(
        directory: directory, cameras: (0..<frames[0].count).map { "cam\($0)" },
        size: PixelSize(width: first.width, height: first.height), channels: first.channels,
        frameRate: Rational(25, 1))
    for (index, images) in frames.enumerated() { try writer.append(images, timestamp: Double(index) / 25, sourceIndex: index) }
    _ = try writer.finish()
    return directory
}
