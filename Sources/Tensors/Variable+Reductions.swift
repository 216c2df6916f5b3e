/// Sums, means and Euclidean norms over all elements or one axis.
extension Variable {
    /// Sum of all elements (shape `[]`).
    public func sum() -> Variable {
        let shape = self.shape
        return Tape.record(inputs: [self], output: Tensor(Float(Kernels.sum(value)))) { g in
            [Tensor(shape: shape, repeating: g.scalar)]
        }
    }

    /// Mean of all elements (shape `[]`).
    public func mean() -> Variable {
        sum() * (1 / Float(max(value.count, 1)))
    }

    /// Sum over `axis` (negative counts from the end); the axis is removed unless `keepingAxis`.
    public func sum(axis: Int, keepingAxis: Bool = false) -> Variable {
        let shape = self.shape
        let a = axis < 0 ? axis + shape.count : axis
        precondition(a >= 0 && a < shape.count, "axis \(axis) out of range for shape \(shape)")
        let outer = shape[..<a].reduce(1, *), extent = shape[a], inner = shape[(a + 1)...].reduce(1, *)
        var outputShape = shape
        if keepingAxis { outputShape[a] = 1 } else { outputShape.remove(at: a) }
        let output = Kernels.sumAxis(value, outer: outer, extent: extent, inner: inner).reshaped(outputShape)
        return Tape.record(inputs: [self], output: output) { g in
            [Kernels.expandAxis(g, outer: outer, extent: extent, inner: inner).reshaped(shape)]
        }
    }

    /// Mean over `axis`; the axis is removed unless `keepingAxis`.
    public func mean(axis: Int, keepingAxis: Bool = false) -> Variable {
        let a = axis < 0 ? axis + shape.count : axis
        return sum(axis: a, keepingAxis: keepingAxis) * (1 / Float(max(shape[a], 1)))
    }

    /// Euclidean norm of all elements (shape `[]`); the gradient at the zero vector is taken as 0.
    public func norm() -> Variable {
        let input = value
        var squares = 0.0
        input.withUnsafeBufferPointer { for x in $0 { squares += Double(x) * Double(x) } }
        let norm = Float(squares.squareRoot())
        return Tape.record(inputs: [self], output: Tensor(norm)) { g in
            let scale = norm > 0 ? g.scalar / norm : 0
            return [Kernels.map(input, AffineFunction(scale: scale, shift: 0))]
        }
    }

    /// Euclidean norm over `axis` (e.g. per-row vector length); zero vectors get a zero gradient.
    public func norm(axis: Int, keepingAxis: Bool = false) -> Variable {
        let shape = self.shape
        let a = axis < 0 ? axis + shape.count : axis
        precondition(a >= 0 && a < shape.count, "axis \(axis) out of range for shape \(shape)")
        let outer = shape[..<a].reduce(1, *), extent = shape[a], inner = shape[(a + 1)...].reduce(1, *)
        var outputShape = shape
        if keepingAxis { outputShape[a] = 1 } else { outputShape.remove(at: a) }
        let input = value
        let norms = Kernels.map(Kernels.sumAxis(Kernels.map(input, SquareFunction()), outer: outer, extent: extent, inner: inner)) {
            $0.squareRoot()
        }
        return Tape.record(inputs: [self], output: norms.reshaped(outputShape)) { g in
            let scale = Kernels.zip(g.reshaped(norms.shape), norms) { d, n in n > 0 ? d / n : 0 }
            let expanded = Kernels.expandAxis(scale, outer: outer, extent: extent, inner: inner)
            return [Kernels.zip(expanded, input, MultiplyFunction.self).reshaped(shape)]
        }
    }
}

extension Kernels {
    /// Sums a tensor viewed as `[outer, extent, inner]` over the middle axis → `[outer, inner]`.
    /// Plane sums (inner = 1) use SIMD; column sums of one tall matrix (outer = 1) split the rows
    /// across the pool with per-chunk partial sums.
    static func sumAxis(_ x: Tensor, outer: Int, extent: Int, inner: Int) -> Tensor {
        let result = Tensor(zeros: [outer, inner])
        let source = x.basePointer, out = result.basePointer
        if inner == 1 {
            forRows(outer, rowSize: extent) { rows in
                for o in rows { out[o] = Float(sumContiguous(source + o * extent, count: extent)) }
            }
            return result
        }
        if outer == 1 && extent * inner >= parallelThreshold {
            let pool = ThreadPool.shared
            let chunks = pool.threadCount
            let partials = Tensor(zeros: [chunks, inner])
            let partial = partials.basePointer
            pool.parallelFor(0..<chunks, minimumChunk: 1) { indices in
                for chunk in indices {
                    let destination = partial + chunk * inner
                    for e in (extent * chunk / chunks)..<(extent * (chunk + 1) / chunks) {
                        let row = source + e * inner
                        for i in 0..<inner { destination[i] += row[i] }
                    }
                }
            }
            for chunk in 0..<chunks {
                for i in 0..<inner { out[i] += partial[chunk * inner + i] }
            }
            return result
        }
        forRows(outer, rowSize: extent * inner) { rows in
            for o in rows {
                let destination = out + o * inner
                for e in 0..<extent {
                    let row = source + (o * extent + e) * inner
                    for i in 0..<inner { destination[i] += row[i] }
                }
            }
        }
        return result
    }

    /// Sum of `count` contiguous scalars: SIMD8 partial sums, flushed to Double every 4096 scalars.
    static func sumContiguous(_ p: UnsafePointer<Float>, count n: Int) -> Double {
        var total = 0.0
        var i = 0
        while i + 8 <= n {
            var partial = SIMD8<Float>()
            let end = min(n, i + 4096) & ~7
            while i < end {
                partial += UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
                i += 8
            }
            total += Double(partial.sum())
        }
        while i < n {
            total += Double(p[i])
            i += 1
        }
        return total
    }

    /// Repeats `[outer, inner]` along a new middle axis of length `extent` → `[outer, extent, inner]`.
    static func expandAxis(_ x: Tensor, outer: Int, extent: Int, inner: Int) -> Tensor {
        let result = Tensor(uninitializedShape: [outer, extent, inner])
        let source = x.basePointer, out = result.basePointer
        forRows(outer, rowSize: extent * inner) { rows in
            for o in rows {
                for e in 0..<extent {
                    (out + (o * extent + e) * inner).update(from: source + o * inner, count: inner)
                }
            }
        }
        return result
    }
}
