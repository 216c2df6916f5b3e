/// Reshaping, concatenation, splitting, slicing and row gather / scatter-add.
extension Variable {
    /// The same elements with another shape (one extent may be -1). No copy.
    public func reshaped(_ newShape: [Int]) -> Variable {
        let shape = self.shape
        return Tape.record(inputs: [self], output: value.reshaped(newShape)) { g in [g.reshaped(shape)] }
    }

    /// Concatenation along `axis`; all other extents must agree.
    public static func concat(_ parts: [Variable], axis: Int) -> Variable {
        precondition(!parts.isEmpty, "concat needs at least one tensor")
        let first = parts[0].shape
        let a = axis < 0 ? axis + first.count : axis
        let extents = parts.map { part -> Int in
            precondition(
                part.shape.count == first.count && part.shape.enumerated().allSatisfy { $0.offset == a || $0.element == first[$0.offset] },
                "concat along axis \(a): shape \(part.shape) does not match \(first)")
            return part.shape[a]
        }
        let output = Kernels.concat(parts.map(\.value), axis: a)
        return Tape.record(inputs: parts, output: output) { g in
            Kernels.split(g, extents: extents, axis: a).map { Optional($0) }
        }
    }

    /// Splits along `axis` into pieces of the given extents (which must sum to the axis extent).
    public func split(extents: [Int], axis: Int) -> [Variable] {
        let a = axis < 0 ? axis + shape.count : axis
        precondition(extents.reduce(0, +) == shape[a], "split extents \(extents) do not sum to \(shape[a]) (axis \(a) of \(shape))")
        let pieces = Kernels.split(value, extents: extents, axis: a)
        return Tape.record(inputs: [self], outputs: pieces) { gradients in [Kernels.concat(gradients, axis: a)] }
    }

    /// The elements with index in `range` along `axis`.
    public func slice(_ range: Range<Int>, axis: Int) -> Variable {
        let a = axis < 0 ? axis + shape.count : axis
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[a], "slice \(range) out of range for axis \(a) of \(shape)")
        let extents = [range.lowerBound, range.count, shape[a] - range.upperBound]
        if a == 0 {
            let shape = self.shape
            return Tape.record(inputs: [self], output: value.rows(range)) { g in
                var zeros = [Tensor]()
                for (index, extent) in extents.enumerated() {
                    if index == 1 {
                        zeros.append(g)
                    } else {
                        var pieceShape = shape
                        pieceShape[0] = extent
                        zeros.append(Tensor(zeros: pieceShape))
                    }
                }
                return [Kernels.concat(zeros, axis: 0)]
            }
        }
        return split(extents: extents, axis: a)[1]
    }

    /// Rows of `self` (axis 0) picked by `indices` → `[indices.count, rest...]`; repeated indices allowed.
    /// The backward scatter-adds into the picked rows. Indices must lie in `0..<shape[0]`.
    public func gatherRows(_ indices: [Int32]) -> Variable {
        let shape = self.shape
        let output = Kernels.gatherRows(value, indices)
        return Tape.record(inputs: [self], output: output) { g in
            [Kernels.scatterAddRows(g, indices, rowCount: shape[0])]
        }
    }

    /// Row `i` of `self` is added into row `indices[i]` of a zero tensor with `rowCount` rows.
    /// (Per-point contributions summed per vertex, densification bookkeeping.) Backward gathers.
    public func scatterAddRows(_ indices: [Int32], rowCount: Int) -> Variable {
        precondition(indices.count == shape[0], "scatterAddRows needs one index per row: \(indices.count) vs \(shape[0])")
        let output = Kernels.scatterAddRows(value, indices, rowCount: rowCount)
        return Tape.record(inputs: [self], output: output) { g in [Kernels.gatherRows(g, indices)] }
    }
}

extension Kernels {
    /// Concatenation along `axis` of tensors whose other extents agree.
    static func concat(_ parts: [Tensor], axis: Int) -> Tensor {
        var shape = parts[0].shape
        shape[axis] = parts.reduce(0) { $0 + $1.shape[axis] }
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        let result = Tensor(uninitializedShape: shape)
        let out = result.basePointer
        let rowLength = shape[axis] * inner
        var column = 0
        for part in parts {
            let width = part.shape[axis] * inner
            let source = part.basePointer
            forRows(outer, rowSize: width) { rows in
                for o in rows { (out + o * rowLength + column).update(from: source + o * width, count: width) }
            }
            column += width
        }
        return result
    }

    /// Inverse of `concat`: pieces of the given extents along `axis`.
    static func split(_ x: Tensor, extents: [Int], axis: Int) -> [Tensor] {
        let shape = x.shape
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        let rowLength = shape[axis] * inner
        let source = x.basePointer
        var column = 0
        return extents.map { extent in
            var pieceShape = shape
            pieceShape[axis] = extent
            let piece = Tensor(uninitializedShape: pieceShape)
            let width = extent * inner, start = column, out = piece.basePointer
            forRows(outer, rowSize: width) { rows in
                for o in rows { (out + o * width).update(from: source + o * rowLength + start, count: width) }
            }
            column += width
            return piece
        }
    }

    /// Rows of `x` picked by `indices`.
    static func gatherRows(_ x: Tensor, _ indices: [Int32]) -> Tensor {
        precondition(x.rank >= 1, "gatherRows needs rank >= 1")
        let rows = x.shape[0], rowSize = rows == 0 ? 0 : x.count / rows
        var shape = x.shape
        shape[0] = indices.count
        let result = Tensor(uninitializedShape: shape)
        let source = x.basePointer, out = result.basePointer
        indices.withUnsafeBufferPointer { idx in
            forRows(idx.count, rowSize: rowSize) { range in
                for i in range {
                    let row = Int(idx[i])
                    precondition(row >= 0 && row < rows, "gather index \(row) out of range 0..<\(rows)")
                    (out + i * rowSize).update(from: source + row * rowSize, count: rowSize)
                }
            }
        }
        return result
    }

    /// Sum of rows of `x` into `rowCount` rows at `indices` (serial: rows may collide).
    static func scatterAddRows(_ x: Tensor, _ indices: [Int32], rowCount: Int) -> Tensor {
        let rowSize = x.shape[0] == 0 ? Tensor.elementCount(Array(x.shape.dropFirst())) : x.count / x.shape[0]
        var shape = x.shape
        shape[0] = rowCount
        let result = Tensor(zeros: shape)
        let source = x.basePointer, out = result.basePointer
        for (i, index) in indices.enumerated() {
            let row = Int(index)
            precondition(row >= 0 && row < rowCount, "scatter index \(row) out of range 0..<\(rowCount)")
            let destination = out + row * rowSize, from = source + i * rowSize
            for j in 0..<rowSize { destination[j] += from[j] }
        }
        return result
    }
}

extension Variable {
    /// Axes reordered: result axis i is input axis `axes[i]` (NumPy `transpose(axes)`, PyTorch
    /// `permute`). Copies. E.g. an `[H, W, C]` render to `[C, H, W]` with `permuted([2, 0, 1])`.
    public func permuted(_ axes: [Int]) -> Variable {
        precondition(axes.sorted() == Array(0..<rank), "permuted(\(axes)) is not a permutation of the \(rank) axes of \(shape)")
        var inverse = [Int](repeating: 0, count: axes.count)
        for (position, axis) in axes.enumerated() { inverse[axis] = position }
        return Tape.record(inputs: [self], output: Kernels.permute(value, axes)) { g in [Kernels.permute(g, inverse)] }
    }
}

extension Kernels {
    /// Copy of `x` with axes reordered (`axes[i]` = source axis of result axis i).
    static func permute(_ x: Tensor, _ axes: [Int]) -> Tensor {
        let rank = x.rank
        var sourceStrides = [Int](repeating: 1, count: rank)
        for axis in stride(from: rank - 2, through: 0, by: -1) { sourceStrides[axis] = sourceStrides[axis + 1] * x.shape[axis + 1] }
        let shape = axes.map { x.shape[$0] }
        let strides = axes.map { sourceStrides[$0] }
        let result = Tensor(uninitializedShape: shape)
        guard result.count > 0 else { return result }
        let source = x.basePointer, out = result.basePointer
        let inner = shape[rank - 1], innerStride = strides[rank - 1]
        let outerCount = result.count / inner
        forRows(outerCount, rowSize: inner) { rows in
            var index = [Int](repeating: 0, count: rank)
            var remainder = rows.lowerBound
            var offset = 0
            for axis in stride(from: rank - 2, through: 0, by: -1) {
                index[axis] = remainder % shape[axis]
                remainder /= shape[axis]
                offset += index[axis] * strides[axis]
            }
            for row in rows {
                let destination = out + row * inner
                for j in 0..<inner { destination[j] = source[offset + j * innerStride] }
                var axis = rank - 2
                while axis >= 0 {
                    index[axis] += 1
                    offset += strides[axis]
                    if index[axis] < shape[axis] { break }
                    offset -= strides[axis] * shape[axis]
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
        return result
    }
}
