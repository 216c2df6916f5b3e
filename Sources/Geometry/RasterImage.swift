/// A Float32 image with interleaved channels, row-major (`pixels[(y * width + x) * channels + c]`),
/// as produced by the rasteriser (colour, alpha, depth, normals …). Geometry keeps its own
/// image type so that it does not depend on MediaIO.
public struct RasterImage: Sendable, Equatable {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// Channels per pixel.
    public var channels: Int
    /// Interleaved row-major values.
    public var pixels: [Float]

    /// Creates an image filled with `value`.
    public init(width: Int, height: Int, channels: Int, fill value: Float = 0) {
        self.width = width
        self.height = height
        self.channels = channels
        pixels = [Float](repeating: value, count: width * height * channels)
    }

    /// Creates an image from interleaved values (`pixels.count` must be width·height·channels).
    public init(width: Int, height: Int, channels: Int, pixels: [Float]) {
        precondition(pixels.count == width * height * channels, "pixel count must match the image shape")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// Channel `c` of pixel (x, y).
    @inlinable public subscript(x: Int, y: Int, c: Int) -> Float {
        get { pixels[(y * width + x) * channels + c] }
        set { pixels[(y * width + x) * channels + c] = newValue }
    }
}
