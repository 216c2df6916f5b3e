/// A width and height in pixels.
public struct PixelSize: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int

    /// Creates a size.
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    /// `WxH`.
    public var description: String { "\(width)x\(height)" }
}

/// An axis-aligned rectangle in pixels; `x, y` is the top-left corner (x right, y down).
public struct PixelRect: Sendable, Hashable, Codable {
    /// Left edge (column of the first pixel).
    public var x: Int
    /// Top edge (row of the first pixel).
    public var y: Int
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int

    /// Creates a rectangle.
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
}

/// Which decoded frames a reader returns, applied after the frame range.
public enum FrameSampling: Sendable, Hashable {
    /// Every frame.
    case all
    /// Frames `start, start+n, start+2n, …` of the range.
    case everyNth(Int)
    /// Resample to this rate by dropping: the first frame whose timestamp falls into each output
    /// interval `[k/fps, (k+1)/fps)` (measured from the first frame of the range). Never duplicates frames,
    /// so a target above the source rate returns every frame.
    case targetFPS(Double)
}

/// Geometric operations on packed interleaved images (rotation metadata, crop).
enum PixelTransforms {
    /// Rotates clockwise by 90, 180 or 270 degrees (other values return the input).
    static func rotateClockwise(_ image: Image8, degrees: Int) -> Image8 {
        let channels = image.channels
        let width = image.width, height = image.height
        switch degrees {
        case 90, 270:
            var result = Image8(width: height, height: width, channels: channels)
            image.samples.withUnsafeBufferPointer { source in
                result.samples.withUnsafeMutableBufferPointer { destination in
                    for y in 0..<height {
                        for x in 0..<width {
                            // Clockwise: source (x, y) goes to (height-1-y, x); counter-clockwise: (y, width-1-x).
                            let (dx, dy) = degrees == 90 ? (height - 1 - y, x) : (y, width - 1 - x)
                            let s = (y * width + x) * channels
                            let d = (dy * height + dx) * channels
                            for c in 0..<channels { destination[d + c] = source[s + c] }
                        }
                    }
                }
            }
            return result
        case 180:
            var result = Image8(width: width, height: height, channels: channels)
            let pixelCount = width * height
            image.samples.withUnsafeBufferPointer { source in
                result.samples.withUnsafeMutableBufferPointer { destination in
                    for pixel in 0..<pixelCount {
                        let s = pixel * channels
                        let d = (pixelCount - 1 - pixel) * channels
                        for c in 0..<channels { destination[d + c] = source[s + c] }
                    }
                }
            }
            return result
        default:
            return image
        }
    }

    /// Copies the rectangle `rect` (which must lie inside the image) out of `image`.
    static func crop(_ image: Image8, to rect: PixelRect) -> Image8 {
        let rowBytes = rect.width * image.channels
        var result = Image8(width: rect.width, height: rect.height, channels: image.channels)
        image.samples.withUnsafeBufferPointer { source in
            result.samples.withUnsafeMutableBufferPointer { destination in
                for row in 0..<rect.height {
                    let s = ((rect.y + row) * image.width + rect.x) * image.channels
                    (destination.baseAddress! + row * rowBytes).update(from: source.baseAddress! + s, count: rowBytes)
                }
            }
        }
        return result
    }
}
