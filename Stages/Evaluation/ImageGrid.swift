import MediaIO

/// The picture grids `eval.images` writes: reference, render and amplified difference side by side.
enum ImageGrid {
    /// `|a − b| × gain` per RGB sample, clamped to 1, as an RGB image (both images RGB, equal size).
    static func amplifiedDifference(_ a: FloatImage, _ b: FloatImage, gain: Float) -> FloatImage {
        FloatImage(
            width: a.width, height: a.height, channels: 3,
            samples: zip(a.samples, b.samples).map { min(1, Swift.abs($0 - $1) * gain) })
    }

    /// Tiles equally sized RGB images, `rows[r][c]` at row r, column c (short rows padded with
    /// black), as an 8-bit RGB image (`Image8(rounding:)`).
    static func grid(_ rows: [[FloatImage]]) -> Image8 {
        let w = rows[0][0].width, h = rows[0][0].height, columns = rows.map(\.count).max() ?? 1
        var tiled = FloatImage(width: columns * w, height: rows.count * h, channels: 3)
        for (r, row) in rows.enumerated() {
            for (c, image) in row.enumerated() {
                for y in 0..<h {
                    for x in 0..<w {
                        for k in 0..<3 { tiled[c * w + x, r * h + y, k] = image[x, y, k] }
                    }
                }
            }
        }
        return Image8(rounding: tiled)
    }
}
