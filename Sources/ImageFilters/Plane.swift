/// A single-channel Float32 raster, row-major (value of pixel (x, y) at `values[y * width + x]`):
/// the working type of the image filters (box mean, guided filter, closed-form matting,
/// morphology). Values are in whatever units the caller uses (alpha and colour in [0, 1] for
/// the matting algorithms).
public struct Plane: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// `width * height` values, row-major.
    public var values: [Float]

    /// A plane filled with `value`.
    public init(width: Int, height: Int, value: Float = 0) {
        self.width = width
        self.height = height
        values = [Float](repeating: value, count: width * height)
    }

    /// Wraps `values` (row-major, exactly `width * height` of them).
    public init(width: Int, height: Int, values: [Float]) {
        precondition(values.count == width * height, "plane size mismatch")
        self.width = width
        self.height = height
        self.values = values
    }

    /// Applies `transform` to every value.
    public func map(_ transform: (Float) -> Float) -> Plane {
        Plane(width: width, height: height, values: values.map(transform))
    }

    /// Combines two planes of the same size value by value.
    public func combined(with other: Plane, _ combine: (Float, Float) -> Float) -> Plane {
        precondition(width == other.width && height == other.height, "plane size mismatch")
        return Plane(width: width, height: height, values: zip(values, other.values).map(combine))
    }

    /// The mean over the (2r+1)² box around each pixel, clipped at the borders: each output is the
    /// sum over the pixels inside the image divided by their count (so borders are exact).
    /// Separable running sums, O(1) per pixel whatever the radius; radius 0 returns the plane.
    public func boxMean(radius: Int) -> Plane {
        guard radius > 0 else { return self }
        var rows = [Float](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { source in
            rows.withUnsafeMutableBufferPointer { target in
                for y in 0..<height {
                    let base = y * width
                    var sum: Float = 0
                    for x in 0..<min(radius, width) { sum += source[base + x] }
                    for x in 0..<width {
                        if x + radius < width { sum += source[base + x + radius] }
                        if x - radius - 1 >= 0 { sum -= source[base + x - radius - 1] }
                        target[base + x] = sum
                    }
                }
            }
        }
        var result = Plane(width: width, height: height)
        rows.withUnsafeBufferPointer { source in
            result.values.withUnsafeMutableBufferPointer { target in
                var sums = [Float](repeating: 0, count: width)
                for y in 0..<min(radius, height) { for x in 0..<width { sums[x] += source[y * width + x] } }
                for y in 0..<height {
                    if y + radius < height { for x in 0..<width { sums[x] += source[(y + radius) * width + x] } }
                    if y - radius - 1 >= 0 { for x in 0..<width { sums[x] -= source[(y - radius - 1) * width + x] } }
                    let countY = min(y + radius, height - 1) - max(y - radius, 0) + 1
                    for x in 0..<width {
                        let countX = min(x + radius, width - 1) - max(x - radius, 0) + 1
                        target[y * width + x] = sums[x] / Float(countX * countY)
                    }
                }
            }
        }
        return result
    }
}
