import MediaIO
import Tensors

/// Conversions between interleaved 8-bit images and the channel-plane float layout of the network.
enum RGBPlanes {
    /// The colour of the window (`x`, `y`, `width`, `height`) of an RGB or RGBA image as three planes
    /// (`3 × height × width`) in [0, 1]; alpha is dropped.
    static func read(_ image: Image8, x: Int, y: Int, width: Int, height: Int) -> [Float] {
        let channels = image.channels
        var result = [Float](repeating: 0, count: 3 * width * height)
        image.samples.withUnsafeBufferPointer { samples in
            for c in 0..<3 {
                for row in 0..<height {
                    let source = ((y + row) * image.width + x) * channels + c, destination = (c * height + row) * width
                    for column in 0..<width { result[destination + column] = Float(samples[source + channels * column]) / 255 }
                }
            }
        }
        return result
    }

    /// The whole image's colour as a `[3, height, width]` tensor in [0, 1].
    static func tensor(_ image: Image8) -> Tensor {
        Tensor(shape: [3, image.height, image.width], scalars: read(image, x: 0, y: 0, width: image.width, height: image.height))
    }

    /// An image from `[3, height, width]` colour planes (clamped, rounded with `Image8.byte(unit:)`)
    /// and, when given, an alpha plane taken from `alpha` (an RGBA image of the same size).
    static func image(_ planes: Tensor, alpha: Image8? = nil) -> Image8 {
        let height = planes.shape[1], width = planes.shape[2], channels = alpha == nil ? 3 : 4
        var result = Image8(width: width, height: height, channels: channels)
        let values = planes.scalars
        for pixel in 0..<(width * height) {
            for c in 0..<3 { result.samples[pixel * channels + c] = Image8.byte(unit: values[c * width * height + pixel]) }
            if let alpha { result.samples[pixel * 4 + 3] = alpha.samples[pixel * 4 + 3] }
        }
        return result
    }
}
