import MediaIO

/// Background plates: checks a recorded plate, or estimates one as the per-pixel temporal median
/// of a static camera's frames (the subject must move, or the median contains it).
enum BackgroundEstimator {
    /// Rejects plates that cannot be a background: all (near) black, e.g. a capped lens.
    static func check(_ plate: Image8, camera: String, path: String) throws {
        let brightest = plate.samples.max() ?? 0
        if brightest < 6 {
            throw MattingError(
                camera: camera, path: path,
                "the background plate is all black (brightest value \(brightest)/255): was the lens capped? Record a real plate or remove it to estimate one from the frames"
            )
        }
    }

    /// The per-pixel, per-channel median of `frames` (RGB8, ≥ 3 frames).
    /// Throws when the frames barely differ anywhere: then the subject never moved and the median is the subject.
    static func temporalMedian(_ frames: [Image8], camera: String, path: String) throws -> Image8 {
        guard let first = frames.first, frames.count >= 3 else {
            throw MattingError(
                camera: camera, path: path,
                "cannot estimate a background from \(frames.count) frame(s); at least 3 are needed — provide a background plate (background/\(camera).png in the capture)"
            )
        }
        let count = first.samples.count
        var median = [UInt8](repeating: 0, count: count)
        var changing = 0
        var column = [UInt8](repeating: 0, count: frames.count)
        for index in 0..<count {
            for (frame, image) in frames.enumerated() { column[frame] = image.samples[index] }
            column.sort()
            median[index] = column[column.count / 2]
            if Int(column[column.count - 1]) - Int(column[0]) > 25 { changing += 1 }
        }
        if Double(changing) < 0.002 * Double(count) {
            throw MattingError(
                camera: camera, path: path,
                "the subject never moves in camera \(camera) (only \(changing) of \(count) samples change over \(frames.count) frames), so the temporal median would contain the subject — provide a background plate (background/\(camera).png in the capture)"
            )
        }
        return Image8(width: first.width, height: first.height, channels: 3, samples: median)
    }
}

extension BackgroundEstimator {
    /// Refines an estimated plate: per pixel, the median over only the frames in which that pixel
    /// was background according to `mattes` (alpha dilated by `margin` pixels), keeping the previous
    /// value where the pixel was never background. Repeating matte → refine recovers pixels the
    /// subject covers in more than half of the frames, as long as it leaves them at some point.
    static func maskedMedian(_ frames: [Image8], mattes: [Plane], previous: Image8, margin: Int = 2) -> Image8 {
        let pixels = previous.width * previous.height
        let background = mattes.map { BinaryMask($0, threshold: 0.05).dilated(radius: margin).bits }
        var plate = previous
        var samples: [UInt8] = []
        samples.reserveCapacity(frames.count)
        for pixel in 0..<pixels {
            for channel in 0..<3 {
                samples.removeAll(keepingCapacity: true)
                for (frame, covered) in zip(frames, background) where !covered[pixel] { samples.append(frame.samples[pixel * 3 + channel]) }
                guard !samples.isEmpty else { continue }
                samples.sort()
                plate.samples[pixel * 3 + channel] = samples[samples.count / 2]
            }
        }
        return plate
    }
}

/// A matting problem, naming the camera, the file and what to do.
public struct MattingError: Error, CustomStringConvertible {
    /// The camera involved.
    public var camera: String
    /// The file or directory involved.
    public var path: String
    /// What is wrong and how to fix it.
    public var message: String

    /// Creates the error.
    init(camera: String, path: String, _ message: String) {
        self.camera = camera
        self.path = path
        self.message = message
    }

    /// `path (camera c): message`.
    public var description: String { "\(path) (camera \(camera)): \(message)" }
}
