/// An 8-bit single-channel image, row-major and tightly packed (`pixels[y * width + x]`).
///
/// Both detectors work on grey levels; the two conversions from RGB8 reproduce the exact
/// integer formulas of the reference implementations, so results match them bit for bit.
public struct GreyImage: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// Grey levels, `width * height` bytes, row-major.
    public var pixels: [UInt8]

    /// Wraps existing grey levels; returns nil when `pixels.count != width * height` or a side is negative.
    public init?(width: Int, height: Int, pixels: [UInt8]) {
        guard width >= 0, height >= 0, pixels.count == width * height else { return nil }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A black image of the given size.
    public init(width: Int, height: Int) {
        precondition(width >= 0 && height >= 0, "image sides must be non-negative")
        self.width = width
        self.height = height
        self.pixels = [UInt8](repeating: 0, count: width * height)
    }

    /// How RGB8 is reduced to grey.
    public enum RGBConversion: Sendable {
        /// OpenCV's `cvtColor(RGB2GRAY)` for 8-bit: (4899·R + 9617·G + 1868·B + 8192) >> 14
        /// (ITU-R BT.601 weights in 14-bit fixed point). Use for Haar detection.
        case openCVLuma
        /// dlib's `get_pixel_intensity(rgb_pixel)`: (R + G + B) / 3 with integer division.
        /// Use for the regression-tree landmarks.
        case dlibMean
    }

    /// Converts interleaved RGB8 (`rgb[3 * (y * width + x) + c]`); returns nil on a size mismatch.
    public init?(rgb: [UInt8], width: Int, height: Int, conversion: RGBConversion) {
        guard width >= 0, height >= 0, rgb.count == width * height * 3 else { return nil }
        var grey = [UInt8](repeating: 0, count: width * height)
        rgb.withUnsafeBufferPointer { source in
            grey.withUnsafeMutableBufferPointer { destination in
                for index in 0..<(width * height) {
                    let red = Int(source[3 * index]), green = Int(source[3 * index + 1]), blue = Int(source[3 * index + 2])
                    switch conversion {
                    case .openCVLuma:
                        destination[index] = UInt8((red * 4899 + green * 9617 + blue * 1868 + 8192) >> 14)
                    case .dlibMean:
                        destination[index] = UInt8((red + green + blue) / 3)
                    }
                }
            }
        }
        self.width = width
        self.height = height
        self.pixels = grey
    }
}
