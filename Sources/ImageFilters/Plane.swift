import Geometry

/// A single-channel Float32 raster, row-major (value of pixel (x, y) at `values[y * width + x]`):
/// the working type of the image filters (box mean, guided filter, closed-form matting,
/// morphology). It is a one-channel `FloatImage` of the one image family, with the names the
/// filters use. Values are in whatever units the caller uses (alpha and colour in [0, 1] for the
/// matting algorithms).
public typealias Plane = FloatImage

extension Image where Sample == Float {
    /// A one-channel plane filled with `value`.
    public init(width: Int, height: Int, value: Float = 0) {
        self.init(width: width, height: height, channels: 1, filledWith: value)
    }

    /// Wraps `width * height` row-major values as a one-channel plane.
    public init(width: Int, height: Int, values: [Float]) {
        precondition(values.count == width * height, "plane size mismatch")
        self.init(width: width, height: height, channels: 1, samples: values)
    }

    /// The samples of a one-channel plane, `width * height` values, row-major (in-place access).
    public var values: [Float] {
        _read { yield samples }
        _modify { yield &samples }
    }

    /// Applies `transform` to every value.
    public func map(_ transform: (Float) -> Float) -> Plane {
        Plane(width: width, height: height, channels: channels, samples: samples.map(transform))
    }

    /// Combines two planes of the same size value by value.
    public func combined(with other: Plane, _ combine: (Float, Float) -> Float) -> Plane {
        precondition(width == other.width && height == other.height && channels == other.channels, "plane size mismatch")
        return Plane(width: width, height: height, channels: channels, samples: zip(samples, other.samples).map(combine))
    }

    /// The mean over the (2r+1)² box around each pixel, clipped at the borders: each output is the
    /// sum over the pixels inside the image divided by their count (so borders are exact).
    public func boxMean(radius: Int) -> Plane {
        precondition(channels == 1, "boxMean needs a one-channel plane")
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
