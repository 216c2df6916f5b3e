/// Bilinear resampling of a grey image that reproduces OpenCV's `resize(…, INTER_LINEAR_EXACT)`
/// bit for bit; OpenCV's cascade detector builds its image pyramid with it.
///
/// Source coordinate of destination pixel d: s = (d + 0.5)·(srcSize/dstSize) − 0.5 in double.
/// The fractional part is rounded (half to even) to 8-bit fixed point, c1 = round(256·frac),
/// c0 = 256 − c1. A horizontal pass writes 16-bit values c0·p0 + c1·p1 (8 fraction bits), a
/// vertical pass combines two rows into 32 bits and rounds: (c0·r0 + c1·r1 + 2¹⁵) >> 16.
/// Positions left/above the image repeat the first pixel, right/below repeat the last.
public enum BitExactLinearResize {
    /// Returns `image` resampled to `width × height` (both ≥ 1).
    public static func resize(_ image: GreyImage, width: Int, height: Int) -> GreyImage {
        precondition(width > 0 && height > 0 && image.width > 0 && image.height > 0, "resize needs non-empty images")
        if width == image.width && height == image.height { return image }
        let horizontal = Coefficients(sourceSize: image.width, destinationSize: width)
        let vertical = Coefficients(sourceSize: image.height, destinationSize: height)
        var output = GreyImage(width: width, height: height, channels: 1)
        var lineAbove = [UInt16](repeating: 0, count: width)
        var lineBelow = [UInt16](repeating: 0, count: width)
        image.samples.withUnsafeBufferPointer { source in
            output.samples.withUnsafeMutableBufferPointer { destination in
                lineAbove.withUnsafeMutableBufferPointer { aboveBuffer in
                    lineBelow.withUnsafeMutableBufferPointer { belowBuffer in
                        var above = aboveBuffer.baseAddress!, below = belowBuffer.baseAddress!
                        var rowInAbove = -1, rowInBelow = -1
                        let sourceBase = source.baseAddress!
                        for outputRow in 0..<height {
                            let target = destination.baseAddress! + outputRow * width
                            let kind = vertical.kind(outputRow)
                            if kind == .interpolated {
                                let sourceRow = Int(vertical.offsets[outputRow])
                                if rowInAbove != sourceRow {
                                    if rowInBelow == sourceRow {
                                        swap(&above, &below)
                                        swap(&rowInAbove, &rowInBelow)
                                    } else {
                                        horizontal.resampleRow(sourceBase + sourceRow * image.width, into: above)
                                        rowInAbove = sourceRow
                                    }
                                }
                                if rowInBelow != sourceRow + 1 {
                                    horizontal.resampleRow(sourceBase + (sourceRow + 1) * image.width, into: below)
                                    rowInBelow = sourceRow + 1
                                }
                                let weightAbove = UInt32(vertical.weights[2 * outputRow])
                                let weightBelow = UInt32(vertical.weights[2 * outputRow + 1])
                                for column in 0..<width {
                                    let sum = UInt32(above[column]) * weightAbove + UInt32(below[column]) * weightBelow
                                    target[column] = UInt8(truncatingIfNeeded: (sum + 32768) >> 16)
                                }
                            } else {
                                let sourceRow = kind == .before ? 0 : image.height - 1
                                if rowInAbove != sourceRow {
                                    horizontal.resampleRow(sourceBase + sourceRow * image.width, into: above)
                                    rowInAbove = sourceRow
                                }
                                for column in 0..<width {
                                    target[column] = UInt8(truncatingIfNeeded: (UInt32(above[column]) + 128) >> 8)
                                }
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// Per-destination-index source offsets and 8-bit fixed-point weights along one axis.
    struct Coefficients {
        /// Where a destination index falls relative to the interpolable range.
        enum Kind { case before, interpolated, after }

        let destinationSize: Int
        /// Source index of the first tap (valid for interpolated indices).
        var offsets: [Int32]
        /// Two weights per destination index, summing to 256.
        var weights: [UInt16]
        /// First interpolated destination index (smaller ones repeat source 0).
        var firstInterpolated = 0
        /// One past the last interpolated destination index (larger ones repeat the last source).
        var endInterpolated: Int

        init(sourceSize: Int, destinationSize: Int) {
            self.destinationSize = destinationSize
            offsets = [Int32](repeating: 0, count: destinationSize)
            weights = [UInt16](repeating: 0, count: 2 * destinationSize)
            endInterpolated = destinationSize
            let inverseScale = Double(destinationSize) / Double(sourceSize)
            let scale = 1.0 / inverseScale
            for index in 0..<destinationSize {
                let position = scale * (Double(index) + 0.5) - 0.5
                let floorPosition = position.rounded(.down)
                let integer = Int(floorPosition)
                if integer >= 0 && sourceSize > 1 {
                    if integer < sourceSize - 1 {
                        offsets[index] = Int32(integer)
                        let fraction = ((position - floorPosition) * 256).rounded(.toNearestOrEven)
                        weights[2 * index + 1] = UInt16(fraction)
                        weights[2 * index] = 256 - UInt16(fraction)
                    } else {
                        offsets[index] = Int32(sourceSize - 1)
                        endInterpolated = min(endInterpolated, index)
                    }
                } else {
                    firstInterpolated = max(firstInterpolated, index + 1)
                }
            }
        }

        func kind(_ index: Int) -> Kind {
            index < firstInterpolated ? .before : (index < endInterpolated ? .interpolated : .after)
        }

        /// Horizontal pass of one source row into 16-bit values with 8 fraction bits.
        func resampleRow(_ row: UnsafePointer<UInt8>, into line: UnsafeMutablePointer<UInt16>) {
            let first = UInt16(row[0]) << 8
            for index in 0..<min(firstInterpolated, destinationSize) { line[index] = first }
            offsets.withUnsafeBufferPointer { offsets in
                weights.withUnsafeBufferPointer { weights in
                    if firstInterpolated < endInterpolated {
                        for index in firstInterpolated..<endInterpolated {
                            let offset = Int(offsets[index])
                            line[index] = weights[2 * index] &* UInt16(row[offset]) &+ weights[2 * index + 1] &* UInt16(row[offset + 1])
                        }
                    }
                    let last = UInt16(row[Int(offsets[destinationSize - 1])]) << 8
                    for index in max(endInterpolated, firstInterpolated)..<destinationSize { line[index] = last }
                }
            }
        }
    }
}
