/// A fallback face box from a foreground matte when no detector fires: the matte's bounding box
/// over pixels with alpha ≥ `threshold`, and a square at its top whose side is the bounding
/// box's width (a head-and-shoulders capture puts the head in the top, full-width part).
public enum MatteFaceBox {
    /// The box, or nil when no pixel reaches `threshold` (0…255).
    public static func box(alpha: GreyImage, threshold: UInt8 = 128) -> FaceRectangle? {
        var minX = Int.max, minY = Int.max, maxX = -1, maxY = -1
        alpha.samples.withUnsafeBufferPointer { pixels in
            for y in 0..<alpha.height {
                for x in 0..<alpha.width where pixels[y * alpha.width + x] >= threshold {
                    minX = min(minX, x)
                    maxX = max(maxX, x)
                    minY = min(minY, y)
                    maxY = max(maxY, y)
                }
            }
        }
        guard maxX >= 0 else { return nil }
        let width = maxX - minX + 1
        let side = min(width, maxY - minY + 1)
        return FaceRectangle(x: minX + (width - side) / 2, y: minY, width: side, height: side)
    }
}
