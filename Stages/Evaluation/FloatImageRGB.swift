import MediaIO

/// An RGB image in [0, 1] with its alpha (all ones for RGB sources), for metrics and grids.
struct FloatImageRGB {
    var width: Int
    var height: Int
    /// `height × width × 3`.
    var rgb: [Float]
    /// `height × width`.
    var alpha: [Float]

    init(width: Int, height: Int, rgb: [Float], alpha: [Float]) {
        self.width = width
        self.height = height
        self.rgb = rgb
        self.alpha = alpha
    }

    init(_ image: FloatImage) {
        let pixels = image.width * image.height
        var rgb = [Float](repeating: 0, count: pixels * 3), alpha = [Float](repeating: 1, count: pixels)
        for p in 0..<pixels {
            for c in 0..<3 { rgb[3 * p + c] = image.samples[p * image.channels + min(c, image.channels - 1)] }
            if image.channels == 4 { alpha[p] = image.samples[4 * p + 3] }
        }
        self.init(width: image.width, height: image.height, rgb: rgb, alpha: alpha)
    }

    /// |self − other| × gain, clamped to [0, 1].
    func amplifiedDifference(_ other: FloatImageRGB, gain: Float) -> FloatImageRGB {
        FloatImageRGB(width: width, height: height, rgb: zip(rgb, other.rgb).map { min(1, Swift.abs($0 - $1) * gain) }, alpha: alpha)
    }

    /// Tiles equally sized images: `rows[r][c]` at row r, column c, as an 8-bit RGB image.
    static func grid(_ rows: [[FloatImageRGB]]) -> Image8 {
        let w = rows[0][0].width, h = rows[0][0].height, columns = rows.map(\.count).max() ?? 1
        var samples = [UInt8](repeating: 0, count: columns * w * rows.count * h * 3)
        for (r, row) in rows.enumerated() {
            for (c, image) in row.enumerated() {
                for y in 0..<h {
                    for x in 0..<w {
                        for k in 0..<3 {
                            let value = image.rgb[(y * w + x) * 3 + k]
                            samples[((r * h + y) * columns * w + c * w + x) * 3 + k] = UInt8(min(max(value, 0), 1) * 255 + 0.5)
                        }
                    }
                }
            }
        }
        return Image8(width: columns * w, height: rows.count * h, channels: 3, samples: samples)
    }
}
