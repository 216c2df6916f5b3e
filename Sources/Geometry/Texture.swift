/// A texture image sampled with bilinear filtering in normalised coordinates: u ∈ [0, 1] left to
/// right, v ∈ [0, 1] top row to bottom row (texel centres at (i + 0.5) / width). u wraps around
/// (repeat) so that cylindrical unwraps have no seam; v clamps.
public struct Texture: Sendable, Equatable {
    /// The texels.
    public var image: FloatImage

    /// Wraps an image as a texture.
    public init(image: FloatImage) {
        self.image = image
    }

    /// Bilinearly interpolated channels at (u, v), written to `output` (`image.channels` values).
    @inlinable public func sample(u: Float, v: Float, into output: UnsafeMutablePointer<Float>) {
        let w = image.width, h = image.height, c = image.channels
        let x = u * Float(w) - 0.5, y = min(max(v * Float(h) - 0.5, 0), Float(h - 1))
        let xf = x.rounded(.down), yf = y.rounded(.down)
        let tx = x - xf, ty = y - yf
        var x0 = Int(xf) % w
        if x0 < 0 { x0 += w }
        let x1 = (x0 + 1) % w
        let y0 = Int(yf), y1 = min(y0 + 1, h - 1)
        image.samples.withUnsafeBufferPointer { texels in
            let r00 = (y0 * w + x0) * c, r01 = (y0 * w + x1) * c, r10 = (y1 * w + x0) * c, r11 = (y1 * w + x1) * c
            for k in 0..<c {
                let top = texels[r00 + k] + tx * (texels[r01 + k] - texels[r00 + k])
                let bottom = texels[r10 + k] + tx * (texels[r11 + k] - texels[r10 + k])
                output[k] = top + ty * (bottom - top)
            }
        }
    }

    /// Bilinearly interpolated channels at (u, v) as an array.
    public func sample(u: Float, v: Float) -> [Float] {
        var result = [Float](repeating: 0, count: image.channels)
        result.withUnsafeMutableBufferPointer { sample(u: u, v: v, into: $0.baseAddress!) }
        return result
    }
}
