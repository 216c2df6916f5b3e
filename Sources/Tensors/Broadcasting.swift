/// NumPy-style broadcasting for binary elementwise kernels and the matching gradient reduction.
extension Kernels {
    /// The broadcast shape of `a` and `b` (axes aligned from the right; extents equal or 1).
    static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int] {
        let rank = max(a.count, b.count)
        var result = [Int](repeating: 1, count: rank)
        for axis in 0..<rank {
            let ea = axis < rank - a.count ? 1 : a[axis - (rank - a.count)]
            let eb = axis < rank - b.count ? 1 : b[axis - (rank - b.count)]
            precondition(ea == eb || ea == 1 || eb == 1, "shapes \(a) and \(b) do not broadcast")
            result[axis] = ea == 1 ? eb : ea
        }
        return result
    }

    /// Strides of `shape` (right-aligned into `rank` axes) with 0 on broadcast axes.
    static func broadcastStrides(_ shape: [Int], rank: Int, outputShape: [Int]) -> [Int] {
        var strides = [Int](repeating: 0, count: rank)
        var running = 1
        for axis in stride(from: rank - 1, through: 0, by: -1) {
            let sourceAxis = axis - (rank - shape.count)
            if sourceAxis < 0 { break }
            strides[axis] = shape[sourceAxis] == 1 && outputShape[axis] != 1 ? 0 : running
            running *= shape[sourceAxis]
        }
        return strides
    }

    /// Shape with leading 1-extents removed (so `[1, 1, 3]` and `[3]` compare as suffixes).
    static func trimmedLeadingOnes(_ shape: [Int]) -> ArraySlice<Int> {
        var slice = shape[...]
        while let first = slice.first, first == 1 { slice = slice.dropFirst() }
        return slice
    }

    /// `F(a, b)` with broadcasting. Fast paths: equal shapes, a scalar operand, and an operand whose
    /// shape is a trailing suffix of the other's (bias rows, per-channel vectors).
    @inline(__always) static func broadcast<F: ElementwiseBinary>(_ a: Tensor, _ b: Tensor, _ function: F.Type) -> Tensor {
        if a.shape == b.shape { return zip(a, b, function) }
        let shape = broadcastShape(a.shape, b.shape)
        let n = Tensor.elementCount(shape)
        let result = Tensor(uninitializedShape: shape)
        let pa = a.basePointer, pb = b.basePointer, out = result.basePointer
        if b.count == 1 && n == a.count {
            let scalar = pb[0]
            forChunks(n) { range in for i in range { out[i] = F.apply(pa[i], scalar) } }
            return result
        }
        if a.count == 1 && n == b.count {
            let scalar = pa[0]
            forChunks(n) { range in for i in range { out[i] = F.apply(scalar, pb[i]) } }
            return result
        }
        let ta = trimmedLeadingOnes(a.shape), tb = trimmedLeadingOnes(b.shape)
        if n == a.count && shape.suffix(tb.count).elementsEqual(tb) {
            let inner = b.count
            forRows(n / max(inner, 1), rowSize: inner) { rows in
                for row in rows {
                    let base = row * inner
                    for j in 0..<inner { out[base + j] = F.apply(pa[base + j], pb[j]) }
                }
            }
            return result
        }
        if n == b.count && shape.suffix(ta.count).elementsEqual(ta) {
            let inner = a.count
            forRows(n / max(inner, 1), rowSize: inner) { rows in
                for row in rows {
                    let base = row * inner
                    for j in 0..<inner { out[base + j] = F.apply(pa[j], pb[base + j]) }
                }
            }
            return result
        }
        let rank = shape.count
        let sa = broadcastStrides(a.shape, rank: rank, outputShape: shape)
        let sb = broadcastStrides(b.shape, rank: rank, outputShape: shape)
        let inner = shape[rank - 1], innerA = sa[rank - 1], innerB = sb[rank - 1]
        var index = [Int](repeating: 0, count: rank)
        var offsetA = 0, offsetB = 0, position = 0
        while position < n {
            for j in 0..<inner { out[position + j] = F.apply(pa[offsetA + j * innerA], pb[offsetB + j * innerB]) }
            position += inner
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                offsetA += sa[axis]
                offsetB += sb[axis]
                if index[axis] < shape[axis] { break }
                offsetA -= sa[axis] * shape[axis]
                offsetB -= sb[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        return result
    }

    /// Sums `gradient` (of a broadcast result) back down to `shape` (the operand's shape).
    static func sumToShape(_ gradient: Tensor, _ shape: [Int]) -> Tensor {
        if gradient.shape == shape { return gradient }
        let target = Tensor.elementCount(shape)
        if target == gradient.count { return gradient.reshaped(shape) }
        if target == 1 { return Tensor(shape: shape, scalars: [Float(sum(gradient))]) }
        let trimmed = trimmedLeadingOnes(shape)
        let result = Tensor(zeros: shape)
        let source = gradient.basePointer, out = result.basePointer
        if gradient.shape.suffix(trimmed.count).elementsEqual(trimmed) {
            let rows = gradient.count / target
            for row in 0..<rows {
                let base = row * target
                for j in 0..<target { out[j] += source[base + j] }
            }
            return result
        }
        let outputShape = gradient.shape, rank = outputShape.count
        let strides = broadcastStrides(shape, rank: rank, outputShape: outputShape)
        var index = [Int](repeating: 0, count: rank)
        var offset = 0
        for position in 0..<gradient.count {
            out[offset] += source[position]
            var axis = rank - 1
            while axis >= 0 {
                index[axis] += 1
                offset += strides[axis]
                if index[axis] < outputShape[axis] { break }
                offset -= strides[axis] * outputShape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        return result
    }
}
