import Geometry

/// Pictures for people: a view's image with its ground-truth landmarks drawn on it.
public enum SyntheticPreview {
    /// The view's image with each landmark drawn as a 3×3 dot: green when visible, red when hidden.
    public static func drawLandmarks(_ view: SyntheticView) -> FloatImage {
        var image = view.image
        for (k, point) in view.landmarks.enumerated() {
            let colour: SIMD3<Float> = view.landmarkVisible[k] ? SIMD3(0.1, 1, 0.2) : SIMD3(1, 0.15, 0.1)
            let cx = Int(point.x.rounded()), cy = Int(point.y.rounded())
            for y in (cy - 1)...(cy + 1) where y >= 0 && y < image.height {
                for x in (cx - 1)...(cx + 1) where x >= 0 && x < image.width {
                    for c in 0..<3 { image[x, y, c] = colour[c] }
                }
            }
        }
        return image
    }

    /// Places images of equal size side by side in rows of `columns`.
    public static func tile(_ images: [FloatImage], columns: Int) -> FloatImage {
        guard let first = images.first else { return FloatImage(width: 0, height: 0, channels: 3) }
        let rows = (images.count + columns - 1) / columns
        var sheet = FloatImage(width: first.width * min(columns, images.count), height: first.height * rows, channels: first.channels)
        for (index, image) in images.enumerated() {
            let ox = (index % columns) * first.width, oy = (index / columns) * first.height
            for y in 0..<image.height {
                for x in 0..<image.width {
                    for c in 0..<image.channels { sheet[ox + x, oy + y, c] = image[x, y, c] }
                }
            }
        }
        return sheet
    }
}
