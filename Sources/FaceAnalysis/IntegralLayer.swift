/// One pyramid level prepared for Haar evaluation: integral images of grey values and of their
/// squares ((w+1)×(h+1), row 0 and column 0 zero), for tilted cascades the 45° integral image
/// stored after the upright one in `sums`, and every feature's corner offsets for this row stride. Sums use wrapping 32-bit arithmetic exactly like OpenCV's CV_32S buffers; window
/// differences are exact because every true window sum fits in 32 bits.
struct IntegralLayer: Sendable {
    /// Integral row length (`width + 1`).
    let stride: Int
    /// Integral row count (`height + 1`).
    let rows: Int
    /// The upright integral image, followed by the tilted one when the cascade has tilted features.
    let sums: [Int32]
    let squareSums: [Int32]
    /// 12 offsets per feature: 3 rectangles × (top-left, top-right, bottom-left, bottom-right).
    let featureOffsets: [Int32]
    /// 3 weights per feature (0 for a missing third rectangle).
    let featureWeights: [Float]
    /// Corner offsets of the normalisation rectangle (1, 1, w−2, h−2).
    let normalisationOffsets: (Int, Int, Int, Int)
    /// Area of the normalisation rectangle.
    let normalisationArea: Double

    init(image: GreyImage, cascade: HaarCascade) {
        stride = image.width + 1
        rows = image.height + 1
        let planeSize = stride * rows
        var sums = [Int32](repeating: 0, count: cascade.hasTiltedFeatures ? 2 * planeSize : planeSize)
        var squareSums = [Int32](repeating: 0, count: stride * rows)
        let width = image.width, stride = self.stride
        image.samples.withUnsafeBufferPointer { pixels in
            sums.withUnsafeMutableBufferPointer { sum in
                squareSums.withUnsafeMutableBufferPointer { square in
                    for y in 0..<image.height {
                        var rowSum: Int32 = 0, rowSquare: Int32 = 0
                        let above = y * stride, current = (y + 1) * stride
                        for x in 0..<width {
                            let value = Int32(pixels[y * width + x])
                            rowSum &+= value
                            rowSquare &+= value &* value
                            sum[current + x + 1] = sum[above + x + 1] &+ rowSum
                            square[current + x + 1] = square[above + x + 1] &+ rowSquare
                        }
                    }
                }
            }
        }
        if cascade.hasTiltedFeatures { Self.addTiltedIntegral(of: image, to: &sums, at: planeSize) }
        self.sums = sums
        self.squareSums = squareSums
        func corners(x: Int, y: Int, width: Int, height: Int) -> (Int, Int, Int, Int) {
            (x + stride * y, x + width + stride * y, x + stride * (y + height), x + width + stride * (y + height))
        }
        /// Corners of a 45° rectangle in the tilted plane: top (x, y), left (x − h, y + h),
        /// right (x + w, y + w), bottom (x + w − h, y + w + h).
        func tiltedCorners(x: Int, y: Int, width: Int, height: Int) -> (Int, Int, Int, Int) {
            (
                planeSize + x + stride * y, planeSize + x - height + stride * (y + height),
                planeSize + x + width + stride * (y + width), planeSize + x + width - height + stride * (y + width + height)
            )
        }
        var offsets = [Int32](repeating: 0, count: 12 * cascade.features.count)
        var weights = [Float](repeating: 0, count: 3 * cascade.features.count)
        for (index, feature) in cascade.features.enumerated() {
            for (slot, rectangle) in feature.rectangles.enumerated() {
                let corner =
                    feature.tilted
                    ? tiltedCorners(x: rectangle.x, y: rectangle.y, width: rectangle.width, height: rectangle.height)
                    : corners(x: rectangle.x, y: rectangle.y, width: rectangle.width, height: rectangle.height)
                offsets[12 * index + 4 * slot] = Int32(corner.0)
                offsets[12 * index + 4 * slot + 1] = Int32(corner.1)
                offsets[12 * index + 4 * slot + 2] = Int32(corner.2)
                offsets[12 * index + 4 * slot + 3] = Int32(corner.3)
                weights[3 * index + slot] = rectangle.weight
            }
        }
        featureOffsets = offsets
        featureWeights = weights
        normalisationOffsets = corners(x: 1, y: 1, width: cascade.windowWidth - 2, height: cascade.windowHeight - 2)
        normalisationArea = Double((cascade.windowWidth - 2) * (cascade.windowHeight - 2))
    }

    /// Writes the 45° integral image T into `sums[offset...]` (same (w+1)×(h+1) layout):
    /// T[r][c] = Σ I(y, x) over rows y < r with |x − (c − 1)| ≤ r − 1 − y, the sum over the
    /// upward triangle ending at pixel (c − 1, r − 1); equal to OpenCV's `integral(…, tilted)`.
    /// Computed with the recurrence T[r][c] = T[r−1][c−1] + T[r−1][c+1] − T[r−2][c] + I(r−1, c−1)
    /// + I(r−2, c−1) on a grid padded by h + 2 columns on each side, where T is zero outside.
    static func addTiltedIntegral(of image: GreyImage, to sums: inout [Int32], at offset: Int) {
        let width = image.width, height = image.height, margin = height + 2
        let paddedWidth = width + 2 * margin + 1
        var twoAbove = [Int32](repeating: 0, count: paddedWidth)
        var above = [Int32](repeating: 0, count: paddedWidth)
        var current = [Int32](repeating: 0, count: paddedWidth)
        guard height > 0 else { return }
        image.samples.withUnsafeBufferPointer { pixels in
            @inline(__always) func pixel(_ y: Int, _ x: Int) -> Int32 {
                y >= 0 && y < height && x >= 0 && x < width ? Int32(pixels[y * width + x]) : 0
            }
            for row in 1...height {
                for column in 0..<paddedWidth {
                    let left = column > 0 ? above[column - 1] : 0
                    let right = column + 1 < paddedWidth ? above[column + 1] : 0
                    let x = column - margin - 1
                    current[column] = left &+ right &- twoAbove[column] &+ pixel(row - 1, x) &+ pixel(row - 2, x)
                }
                for column in 0...width { sums[offset + row * (width + 1) + column] = current[column + margin] }
                swap(&twoAbove, &above)
                swap(&above, &current)
            }
        }
    }

    /// Raw pointers into the layer's arrays, valid inside `withPointers`.
    struct Pointers {
        let sums: UnsafePointer<Int32>
        let squareSums: UnsafePointer<Int32>
        let offsets: UnsafePointer<Int32>
        let weights: UnsafePointer<Float>
        let normalisationOffsets: (Int, Int, Int, Int)
        let normalisationArea: Double

        /// OpenCV's `HaarEvaluator::setWindow`: 1/nf as float, or nil when the window is rejected.
        @inline(__always)
        func varianceNormaliser(at base: Int) -> Float? {
            let (a, b, c, d) = normalisationOffsets
            let valueSum = sums[base + a] &- sums[base + b] &- sums[base + c] &+ sums[base + d]
            let squareSum = UInt32(bitPattern: squareSums[base + a] &- squareSums[base + b] &- squareSums[base + c] &+ squareSums[base + d])
            let product = normalisationArea * Double(squareSum) - Double(valueSum) * Double(valueSum)
            guard product > 0 else { return nil }
            let normaliser = Float(1 / product.squareRoot())
            return normalisationArea * Double(normaliser) < 0.1 ? normaliser : nil
        }

        /// The un-normalised feature value Σ wᵢ·sumᵢ in float, in OpenCV's evaluation order.
        @inline(__always)
        func featureValue(_ feature: Int, at base: Int) -> Float {
            let o = offsets + 12 * feature, w = weights + 3 * feature
            let window = sums + base
            @inline(__always) func rectangleSum(_ k: Int) -> Float {
                Float(window[Int(o[k])] &- window[Int(o[k + 1])] &- window[Int(o[k + 2])] &+ window[Int(o[k + 3])])
            }
            var value = w[0] * rectangleSum(0) + w[1] * rectangleSum(4)
            if w[2] != 0 { value += w[2] * rectangleSum(8) }
            return value
        }
    }

    /// Calls `body` with raw pointers into the layer's arrays.
    func withPointers<Result>(_ body: (Pointers) -> Result) -> Result {
        sums.withUnsafeBufferPointer { sums in
            squareSums.withUnsafeBufferPointer { squares in
                featureOffsets.withUnsafeBufferPointer { offsets in
                    featureWeights.withUnsafeBufferPointer { weights in
                        body(
                            Pointers(
                                sums: sums.baseAddress!, squareSums: squares.baseAddress!, offsets: offsets.baseAddress!,
                                weights: weights.baseAddress!, normalisationOffsets: normalisationOffsets,
                                normalisationArea: normalisationArea))
                    }
                }
            }
        }
    }
}
