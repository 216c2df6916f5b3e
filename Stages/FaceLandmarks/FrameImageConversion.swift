import FaceAnalysis
import MediaIO

/// Turns FrameSet images (RGB8 or RGBA8) into the grey and alpha planes the detectors read.
enum FrameImageConversion {
    /// Grey levels of an RGB or RGBA image with the given reference formula (alpha ignored).
    static func grey(_ image: Image8, conversion: GreyImage.RGBConversion) -> GreyImage {
        var grey = GreyImage(width: image.width, height: image.height, channels: 1)
        let channels = image.channels
        image.samples.withUnsafeBufferPointer { samples in
            grey.samples.withUnsafeMutableBufferPointer { output in
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
        return grey
    }

    /// The alpha channel of an RGBA image, or nil for images without alpha.
    static func alpha(_ image: Image8) -> GreyImage? {
        guard image.channels == 4 else { return nil }
        var alpha = GreyImage(width: image.width, height: image.height, channels: 1)
        for pixel in 0..<(image.width * image.height) { alpha.samples[pixel] = image.samples[pixel * 4 + 3] }
        return alpha
    }
}
