/// A binary mask (row-major, flag of pixel (x, y) at `bits[y * width + x]`) with square-window
/// morphology (dilation, erosion, opening, closing by separable running counts, O(1) per pixel)
/// and 4-connected component labelling, as matting clean-up needs.
public struct BinaryMask: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// `width * height` flags, row-major.
    public var bits: [Bool]

    /// The pixels of `plane` above `threshold`.
    public init(_ plane: Plane, threshold: Float) {
        width = plane.width
        height = plane.height
        bits = plane.values.map { $0 > threshold }
    }

    /// Wraps `bits` (row-major, `width * height` of them).
    public init(width: Int, height: Int, bits: [Bool]) {
        self.width = width
        self.height = height
        self.bits = bits
    }

    /// The mask as a plane of 0 and 1.
    public var plane: Plane { Plane(width: width, height: height, values: bits.map { $0 ? 1 : 0 }) }

    /// Number of set pixels.
    public var count: Int { bits.reduce(0) { $0 + ($1 ? 1 : 0) } }

    /// Dilation by a (2r+1)² square (separable running counts).
    public func dilated(radius: Int) -> BinaryMask { filtered(radius: radius, keepIfAny: true) }

    /// Erosion by a (2r+1)² square; pixels outside the image count as unset.
    public func eroded(radius: Int) -> BinaryMask { filtered(radius: radius, keepIfAny: false) }

    /// Opening (erode then dilate): removes specks smaller than the square.
    public func opened(radius: Int) -> BinaryMask { eroded(radius: radius).dilated(radius: radius) }

    /// Closing (dilate then erode): fills gaps narrower than the square.
    public func closed(radius: Int) -> BinaryMask {
        // Pad so that closing near the border does not erode from outside the image.
        dilated(radius: radius).filtered(radius: radius, keepIfAny: false, outsideIsSet: true)
    }

    private func filtered(radius: Int, keepIfAny: Bool, outsideIsSet: Bool = false) -> BinaryMask {
        guard radius > 0 else { return self }
        let window = 2 * radius + 1
        func pass(_ source: [Bool], length: Int, lines: Int, index: (Int, Int) -> Int) -> [Bool] {
            var result = [Bool](repeating: false, count: source.count)
            for line in 0..<lines {
                var setCount = 0
                var inside = 0
                for position in -radius...(length - 1 + radius) where position < length {
                    if position + radius < length {
                        if source[index(line, position + radius)] { setCount += 1 }
                        inside += 1
                    }
                    if position - radius - 1 >= 0 {
                        if source[index(line, position - radius - 1)] { setCount -= 1 }
                        inside -= 1
                    }
                    guard position >= 0 else { continue }
                    let outside = window - inside
                    result[index(line, position)] = keepIfAny ? setCount > 0 : (setCount == inside && (outsideIsSet || outside == 0))
                }
            }
            return result
        }
        let horizontal = pass(bits, length: width, lines: height) { $0 * width + $1 }
        let vertical = pass(horizontal, length: height, lines: width) { $1 * width + $0 }
        return BinaryMask(width: width, height: height, bits: vertical)
    }

    /// 4-connected components of set pixels: a label per pixel (−1 for unset) and each component's size.
    public func components() -> (labels: [Int32], sizes: [Int]) {
        var labels = [Int32](repeating: -1, count: bits.count)
        var sizes: [Int] = []
        var stack: [Int] = []
        for start in 0..<bits.count where bits[start] && labels[start] < 0 {
            let label = Int32(sizes.count)
            var size = 0
            labels[start] = label
            stack.append(start)
            while let pixel = stack.popLast() {
                size += 1
                let x = pixel % width, y = pixel / width
                for (nx, ny) in [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)] where nx >= 0 && ny >= 0 && nx < width && ny < height {
                    let neighbour = ny * width + nx
                    if bits[neighbour] && labels[neighbour] < 0 {
                        labels[neighbour] = label
                        stack.append(neighbour)
                    }
                }
            }
            sizes.append(size)
        }
        return (labels, sizes)
    }

    /// Keeps the components whose size is at least `fraction` of the largest one.
    public func keepingLargeComponents(fraction: Double) -> BinaryMask {
        let (labels, sizes) = components()
        guard let largest = sizes.max(), largest > 0 else { return self }
        let keep = sizes.map { Double($0) >= fraction * Double(largest) }
        return BinaryMask(width: width, height: height, bits: labels.map { $0 >= 0 && keep[Int($0)] })
    }

    /// Sets every unset region that does not touch the image border (holes inside the subject).
    public func fillingHoles() -> BinaryMask {
        let background = BinaryMask(width: width, height: height, bits: bits.map { !$0 })
        let (labels, sizes) = background.components()
        var touchesBorder = [Bool](repeating: false, count: sizes.count)
        for x in 0..<width {
            for y in [0, height - 1] where labels[y * width + x] >= 0 { touchesBorder[Int(labels[y * width + x])] = true }
        }
        for y in 0..<height {
            for x in [0, width - 1] where labels[y * width + x] >= 0 { touchesBorder[Int(labels[y * width + x])] = true }
        }
        return BinaryMask(width: width, height: height, bits: zip(bits, labels).map { $0 || ($1 >= 0 && !touchesBorder[Int($1)]) })
    }

    /// The mask as an alpha matte whose edge follows the image: 1 inside the mask eroded by
    /// `bandRadius`, 0 outside it dilated by `bandRadius`, and in the band between the colour
    /// guided filter of the mask (`GuidedFilter`, clamped to [0, 1]). `bandRadius` 0 returns the
    /// hard mask.
    public func softenedAlpha(guide: [Plane], bandRadius: Int, guidedRadius: Int, epsilon: Float) -> Plane {
        guard bandRadius > 0 else { return plane }
        let inner = eroded(radius: bandRadius).bits, outer = dilated(radius: bandRadius).bits
        let refined = GuidedFilter.apply(guide: guide, input: plane, radius: guidedRadius, epsilon: epsilon).values
        return Plane(
            width: width, height: height,
            values: (0..<bits.count).map { inner[$0] ? 1 : (outer[$0] ? min(1, max(0, refined[$0])) : 0) })
    }
}
