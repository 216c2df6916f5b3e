/// Matrix products through OpenBLAS `cblas_sgemm` (see `Kernels.gemm` for threading).
extension Variable {
    /// Matrix product of `[m, k]` and `[k, n]` → `[m, n]`.
    public func matmul(_ other: Variable) -> Variable {
        let a = value, b = other.value
        precondition(
            a.rank == 2 && b.rank == 2 && a.shape[1] == b.shape[0],
            "matmul needs [m, k] x [k, n], got \(a.shape) x \(b.shape)")
        let m = a.shape[0], k = a.shape[1], n = b.shape[1]
        let needA = isDifferentiable, needB = other.isDifferentiable
        let output = Tensor(uninitializedShape: [m, n])
        Kernels.gemm(
            m: m, n: n, k: k, a: a.basePointer, lda: k, transposeA: false,
            b: b.basePointer, ldb: n, transposeB: false, c: output.basePointer, ldc: n)
        return Tape.record(inputs: [self, other], output: output) { g in
            var gradientA: Tensor?, gradientB: Tensor?
            if needA {
                let ga = Tensor(uninitializedShape: [m, k])
                Kernels.gemm(
                    m: m, n: k, k: n, a: g.basePointer, lda: n, transposeA: false,
                    b: b.basePointer, ldb: n, transposeB: true, c: ga.basePointer, ldc: k)
                gradientA = ga
            }
            if needB {
                let gb = Tensor(uninitializedShape: [k, n])
                Kernels.gemm(
                    m: k, n: n, k: m, a: a.basePointer, lda: k, transposeA: true,
                    b: g.basePointer, ldb: n, transposeB: false, c: gb.basePointer, ldc: n)
                gradientB = gb
            }
            return [gradientA, gradientB]
        }
    }

    /// Affine map `x Wᵀ + b` with PyTorch's weight layout: `x` is `[N, in]`, `weight` is
    /// `[out, in]`, `bias` (optional) is `[out]`; the result is `[N, out]`. One GEMM forward, two back.
    public func linear(weight: Variable, bias: Variable?) -> Variable {
        let x = value, w = weight.value
        precondition(
            x.rank == 2 && w.rank == 2 && x.shape[1] == w.shape[1],
            "linear needs x [N, in] and weight [out, in], got \(x.shape) and \(w.shape)")
        let rows = x.shape[0], inputs = x.shape[1], outputs = w.shape[0]
        let output = Tensor(uninitializedShape: [rows, outputs])
        let out = output.basePointer
        if let bias {
            precondition(bias.shape == [outputs], "linear bias must be [\(outputs)], got \(bias.shape)")
            let b = bias.value.basePointer
            Kernels.forRows(rows, rowSize: outputs) { range in
                for r in range { (out + r * outputs).update(from: b, count: outputs) }
            }
        }
        Kernels.gemm(
            m: rows, n: outputs, k: inputs, a: x.basePointer, lda: inputs, transposeA: false,
            b: w.basePointer, ldb: inputs, transposeB: true, c: out, ldc: outputs, beta: bias == nil ? 0 : 1)
        let needX = isDifferentiable, needW = weight.isDifferentiable
        let variables = bias.map { [self, weight, $0] } ?? [self, weight]
        let hasBias = bias != nil
        return Tape.record(inputs: variables, output: output) { g in
            var gradients: [Tensor?] = []
            if needX {
                let gx = Tensor(uninitializedShape: [rows, inputs])
                Kernels.gemm(
                    m: rows, n: inputs, k: outputs, a: g.basePointer, lda: outputs, transposeA: false,
                    b: w.basePointer, ldb: inputs, transposeB: false, c: gx.basePointer, ldc: inputs)
                gradients.append(gx)
            } else {
                gradients.append(nil)
            }
            if needW {
                let gw = Tensor(uninitializedShape: [outputs, inputs])
                Kernels.gemm(
                    m: outputs, n: inputs, k: rows, a: g.basePointer, lda: outputs, transposeA: true,
                    b: x.basePointer, ldb: inputs, transposeB: false, c: gw.basePointer, ldc: inputs)
                gradients.append(gw)
            } else {
                gradients.append(nil)
            }
            if hasBias { gradients.append(Kernels.sumAxis(g, outer: 1, extent: rows, inner: outputs).reshaped([outputs])) }
            return gradients
        }
    }

    /// `[x, c]·Wᵀ + b` for a condition row `c` (`[1, C]`) shared by every row of `x` (`[N, in − C]`),
    /// as in per-point MLPs conditioned on one expression or pose code. The rows of `[x, c]` are
    /// never built: c's part of the product is the single row `c·W_cᵀ + b` (W_c: the last C columns
    /// of `weight [out, in]`), added to `x·W_xᵀ`; backward sums the upstream gradient over the rows
    /// once and serves c, W_c and b from that sum. It equals
    /// `concat([x, c repeated N times], axis: 1).linear(weight:bias:)` up to summation order, with
    /// C/in fewer FLOPs and no N × C copies.
    public func linear(weight: Variable, bias: Variable?, condition: Variable) -> Variable {
        let x = value, w = weight.value, c = condition.value
        precondition(
            x.rank == 2 && w.rank == 2 && c.rank == 2 && c.shape[0] == 1 && x.shape[1] + c.shape[1] == w.shape[1],
            "conditioned linear needs x [N, in − C], condition [1, C] and weight [out, in], got \(x.shape), \(c.shape) and \(w.shape)")
        let rows = x.shape[0], features = x.shape[1], conditionWidth = c.shape[1]
        let inputs = w.shape[1], outputs = w.shape[0]
        if let bias { precondition(bias.shape == [outputs], "linear bias must be [\(outputs)], got \(bias.shape)") }
        var shared = bias.map { Array($0.value.scalars) } ?? [Float](repeating: 0, count: outputs)
        for o in 0..<outputs {
            let row = w.basePointer + o * inputs + features, code = c.basePointer
            var sum: Float = 0
            for j in 0..<conditionWidth { sum += code[j] * row[j] }
            shared[o] += sum
        }
        let output = Tensor(uninitializedShape: [rows, outputs])
        let out = output.basePointer
        shared.withUnsafeBufferPointer { shared in
            let source = shared.baseAddress!
            Kernels.forRows(rows, rowSize: outputs) { range in
                for r in range { (out + r * outputs).update(from: source, count: outputs) }
            }
        }
        Kernels.gemm(
            m: rows, n: outputs, k: features, a: x.basePointer, lda: features, transposeA: false,
            b: w.basePointer, ldb: inputs, transposeB: true, c: out, ldc: outputs, beta: 1)
        let needX = isDifferentiable, needW = weight.isDifferentiable, needC = condition.isDifferentiable
        let variables = [self, weight] + (bias.map { [$0] } ?? []) + [condition]
        let hasBias = bias != nil
        return Tape.record(inputs: variables, output: output) { g in
            // Pointers are taken here, from tensors the closure captures: a pointer taken in the
            // forward pass would outlive a condition computed on the fly (e.g. an encoded pose).
            let wp = w.basePointer, cp = c.basePointer
            let rowSum = Kernels.sumAxis(g, outer: 1, extent: rows, inner: outputs)
            let s = rowSum.scalars
            var gradients: [Tensor?] = []
            if needX {
                let gx = Tensor(uninitializedShape: [rows, features])
                Kernels.gemm(
                    m: rows, n: features, k: outputs, a: g.basePointer, lda: outputs, transposeA: false,
                    b: wp, ldb: inputs, transposeB: false, c: gx.basePointer, ldc: features)
                gradients.append(gx)
            } else {
                gradients.append(nil)
            }
            if needW {
                let gw = Tensor(uninitializedShape: [outputs, inputs])
                let gwp = gw.basePointer
                Kernels.gemm(
                    m: outputs, n: features, k: rows, a: g.basePointer, lda: outputs, transposeA: true,
                    b: x.basePointer, ldb: features, transposeB: false, c: gwp, ldc: inputs)
                for o in 0..<outputs {
                    for j in 0..<conditionWidth { gwp[o * inputs + features + j] = s[o] * cp[j] }
                }
                gradients.append(gw)
            } else {
                gradients.append(nil)
            }
            if hasBias { gradients.append(rowSum.reshaped([outputs])) }
            if needC {
                let gc = Tensor(zeros: [1, conditionWidth])
                let gcp = gc.basePointer
                for o in 0..<outputs {
                    let row = wp + o * inputs + features
                    for j in 0..<conditionWidth { gcp[j] += s[o] * row[j] }
                }
                gradients.append(gc)
            } else {
                gradients.append(nil)
            }
            return gradients
        }
    }

    /// Transpose of a matrix `[m, n]` → `[n, m]` (copies).
    public func transposed() -> Variable {
        precondition(rank == 2, "transposed() needs a matrix, got shape \(shape)")
        return Tape.record(inputs: [self], output: Kernels.transpose(value)) { g in [Kernels.transpose(g)] }
    }

    /// Number of axes.
    public var rank: Int { value.rank }
}

extension Kernels {
    /// Copy of a `[m, n]` matrix transposed to `[n, m]`, in cache-friendly 32×32 blocks.
    static func transpose(_ x: Tensor) -> Tensor {
        let m = x.shape[0], n = x.shape[1]
        let result = Tensor(uninitializedShape: [n, m])
        let source = x.basePointer, out = result.basePointer
        let block = 32
        forRows((m + block - 1) / block, rowSize: block * n) { blockRows in
            for bi in blockRows {
                let i0 = bi * block, i1 = min(m, i0 + block)
                var j0 = 0
                while j0 < n {
                    let j1 = min(n, j0 + block)
                    for i in i0..<i1 { for j in j0..<j1 { out[j * m + i] = source[i * n + j] } }
                    j0 = j1
                }
            }
        }
        return result
    }
}

extension Tensor {
    /// Matrix product `op(a) · op(b)` without a tape (op = optional transpose): `a` is `[m, k]`
    /// (`[k, m]` when `transposeA`), `b` is `[k, n]` (`[n, k]` when `transposeB`), the result is
    /// `[m, n]`. The same split GEMM that `matmul`, `linear` and the convolutions run.
    public static func matrixProduct(_ a: Tensor, transposeA: Bool = false, _ b: Tensor, transposeB: Bool = false) -> Tensor {
        precondition(a.rank == 2 && b.rank == 2, "matrixProduct needs two matrices, got \(a.shape) and \(b.shape)")
        let m = transposeA ? a.shape[1] : a.shape[0], k = transposeA ? a.shape[0] : a.shape[1]
        let n = transposeB ? b.shape[0] : b.shape[1]
        precondition(
            (transposeB ? b.shape[1] : b.shape[0]) == k,
            "matrixProduct: inner dimensions differ: \(a.shape)\(transposeA ? "ᵀ" : "") x \(b.shape)\(transposeB ? "ᵀ" : "")")
        let result = Tensor(uninitializedShape: [m, n])
        Kernels.gemm(
            m: m, n: n, k: k, a: a.basePointer, lda: a.shape[1], transposeA: transposeA,
            b: b.basePointer, ldb: b.shape[1], transposeB: transposeB, c: result.basePointer, ldc: n)
        return result
    }
}
