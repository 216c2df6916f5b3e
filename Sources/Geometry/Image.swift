/// A sample type an `Image` can hold: 8-bit, 16-bit unsigned integers or Float32.
public protocol ImageSample: Sendable, Equatable, Numeric {}
extension UInt8: ImageSample {}
extension UInt16: ImageSample {}
extension Float: ImageSample {}

/// The project's one image family: a raster stored row-major, interleaved (HWC), sample `(x, y, c)`
/// at `(y * width + x) * channels + c`. Colour images hold grey; grey+alpha; R,G,B; or R,G,B,A
/// (what MediaIO reads and writes); Float images from the rasterisers may hold other per-pixel
/// channels (depth, barycentrics, interpolated attributes), any count ≥ 1.
///
/// Integer images use the full range of their type (0…255, 0…65535). `Image<Float>` (see
/// `FloatImage`) holds colour values in [0, 1] with the same channel layout, so conversions between
/// them are a per-sample scale (MediaIO: `FloatImage(_: Image8)`, `Image8(rounding:)`). It lives in
/// Geometry so that the mesh rasteriser, textures and every library above share it.
public struct Image<Sample: ImageSample>: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// Channels per pixel: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA (colour), or any count ≥ 1 for Float
    /// rasteriser outputs.
    public let channels: Int
    /// `width * height * channels` samples, row-major interleaved.
    public var samples: [Sample]

    /// Wraps existing samples; `samples.count` must equal `width * height * channels`.
    public init(width: Int, height: Int, channels: Int, samples: [Sample]) {
        precondition(width >= 0 && height >= 0 && channels >= 1, "invalid image shape")
        precondition(samples.count == width * height * channels, "sample count does not match the image shape")
        self.width = width
        self.height = height
        self.channels = channels
        self.samples = samples
    }

    /// An image filled with `value`.
    public init(width: Int, height: Int, channels: Int, filledWith value: Sample = .zero) {
        self.init(
            width: width, height: height, channels: channels,
            samples: [Sample](repeating: value, count: width * height * channels))
    }

    /// Bytes (or samples) per row.
    public var samplesPerRow: Int { width * channels }

    /// The sample at column `x`, row `y`, channel `channel`.
    @inlinable public subscript(x: Int, y: Int, channel: Int) -> Sample {
        get { samples[(y * width + x) * channels + channel] }
        set { samples[(y * width + x) * channels + channel] = newValue }
    }
}

/// 8-bit interleaved image (RGB8 when `channels == 3`).
public typealias Image8 = Image<UInt8>
/// 16-bit interleaved image (as read from 16-bit PNGs).
public typealias Image16 = Image<UInt16>
/// Float32 interleaved HWC image: colour in [0, 1], or rasteriser channels (depth, attributes).
public typealias FloatImage = Image<Float>
