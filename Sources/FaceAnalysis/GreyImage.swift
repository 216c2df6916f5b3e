import Geometry

/// An 8-bit single-channel image, row-major and tightly packed (`samples[y * width + x]`): the
/// project's image family (`Image8`) with one channel.
///
/// Both detectors work on grey levels; the two conversions from RGB8 reproduce the exact
/// integer formulas of the reference implementations, so results match them bit for bit.
public typealias GreyImage = Image8

extension Image where Sample == UInt8 {
    /// How RGB8 is reduced to grey.
    public enum RGBConversion: Sendable {
        /// OpenCV's `cvtColor(RGB2GRAY)` for 8-bit: (4899·R + 9617·G + 1868·B + 8192) >> 14
        /// (ITU-R BT.601 weights in 14-bit fixed point). Use for Haar detection.
        case openCVLuma
        /// dlib's `get_pixel_intensity(rgb_pixel)`: (R + G + B) / 3 with integer division.
        /// Use for the regression-tree landmarks.
        case dlibMean
    }

    /// Wraps existing grey levels as a one-channel image; nil when `grey.count != width * height`
    /// or a side is negative.
    public init?(width: Int, height: Int, grey: [UInt8]) {
        guard width >= 0, height >= 0, grey.count == width * height else { return nil }
        self.init(width: width, height: height, channels: 1, samples: grey)
    }

    /// Converts interleaved RGB8 (`rgb[3 * (y * width + x) + c]`) to a one-channel grey image;
    /// returns nil on a size mismatch.
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
        self.init(width: width, height: height, channels: 1, samples: grey)
    }

    /// Grey levels of a 1-, 3- or 4-channel 8-bit image (RGB with the given formula, alpha
    /// ignored; one channel is copied).
    public init(converting image: Image8, conversion: RGBConversion) {
        var grey = [UInt8](repeating: 0, count: image.width * image.height)
        let channels = image.channels
        image.samples.withUnsafeBufferPointer { samples in
            grey.withUnsafeMutableBufferPointer { output in
                for pixel in 0..<(image.width * image.height) {
                    if channels < 3 {
                        output[pixel] = samples[pixel * channels]
                        continue
                    }
                    let red = Int(samples[pixel * channels]), green = Int(samples[pixel * channels + 1]), blue = Int(samples[pixel * channels + 2])
                    switch conversion {
                    case .openCVLuma: output[pixel] = UInt8((red * 4899 + green * 9617 + blue * 1868 + 8192) >> 14)
                    case .dlibMean: output[pixel] = UInt8((red + green + blue) / 3)
                    }
                }
            }
        }
        self.init(width: image.width, height: image.height, channels: 1, samples: grey)
    }
}
