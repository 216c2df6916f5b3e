/// Raw Float32 kernels on contiguous tensors (no autodiff). Elementwise loops run on the
/// `ThreadPool` only above `parallelThreshold` scalars, so small tensors pay no hand-off cost.
enum Kernels {
    /// Below this many scalars an elementwise loop runs on the calling thread.
    static let parallelThreshold = 1 << 15
    /// Smallest chunk handed to a pool thread for elementwise loops.
    static let elementwiseChunk = 1 << 14

    /// Runs `body` over `0..<count`, in parallel chunks when `count` is large.
    @inline(__always) static func forChunks(_ count: Int, _ body: (Range<Int>) -> Void) {
        if count < parallelThreshold {
            body(0..<count)
        } else {
            ThreadPool.shared.parallelFor(0..<count, minimumChunk: elementwiseChunk, body)
        }
    }

    /// Runs `body` over row indices `0..<rows`, in parallel when `rows * rowSize` scalars is large.
    @inline(__always) static func forRows(_ rows: Int, rowSize: Int, _ body: (Range<Int>) -> Void) {
        if rows * rowSize < parallelThreshold || rows < 2 {
            body(0..<rows)
        } else {
            ThreadPool.shared.parallelFor(0..<rows, minimumChunk: max(1, elementwiseChunk / max(rowSize, 1)), body)
        }
    }

    /// `f` applied to every scalar.
    @inline(__always) static func map(_ x: Tensor, _ f: (Float) -> Float) -> Tensor {
        let result = Tensor(uninitializedShape: x.shape)
        let source = x.basePointer, destination = result.basePointer
        forChunks(x.count) { range in
            for i in range { destination[i] = f(source[i]) }
        }
        return result
    }

    /// `f(a[i], b[i])` for same-shape tensors.
    @inline(__always) static func zip(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        precondition(a.count == b.count, "elementwise shapes \(a.shape) and \(b.shape) differ")
        let result = Tensor(uninitializedShape: a.shape)
        let pa = a.basePointer, pb = b.basePointer, destination = result.basePointer
        forChunks(a.count) { range in
            for i in range { destination[i] = f(pa[i], pb[i]) }
        }
        return result
    }

    /// `f(a[i], b[i], c[i])` for same-shape tensors.
    @inline(__always) static func zip3(_ a: Tensor, _ b: Tensor, _ c: Tensor, _ f: (Float, Float, Float) -> Float) -> Tensor {
        precondition(a.count == b.count && a.count == c.count, "elementwise shapes \(a.shape), \(b.shape), \(c.shape) differ")
        let result = Tensor(uninitializedShape: a.shape)
        let pa = a.basePointer, pb = b.basePointer, pc = c.basePointer, destination = result.basePointer
        forChunks(a.count) { range in
            for i in range { destination[i] = f(pa[i], pb[i], pc[i]) }
        }
        return result
    }

    /// `target += delta` in place (SIMD, copy-on-write respected).
    static func addInPlace(_ target: inout Tensor, _ delta: Tensor) {
        precondition(target.count == delta.count, "cannot add shape \(delta.shape) into \(target.shape)")
        target.makeUnique()
        let destination = target.basePointer, source = delta.basePointer
        forChunks(target.count) { range in
            var i = range.lowerBound
            while i + 16 <= range.upperBound {
                let sum =
                    UnsafeRawPointer(destination + i).loadUnaligned(as: SIMD16<Float>.self)
                    + UnsafeRawPointer(source + i).loadUnaligned(as: SIMD16<Float>.self)
                UnsafeMutableRawPointer(destination + i).storeBytes(of: sum, as: SIMD16<Float>.self)
                i += 16
            }
            while i < range.upperBound {
                destination[i] += source[i]
                i += 1
            }
        }
    }

    /// Sum of all scalars, accumulated in Double for accuracy on large tensors.
    static func sum(_ x: Tensor) -> Double {
        sumContiguous(x.basePointer, count: x.count)
    }

    /// Row-major GEMM: `C = alpha * op(A) op(B) + beta * C` with op = optional transpose.
    ///
    /// `a` is `[m, k]` (or `[k, m]` if `transposeA`), `b` is `[k, n]` (or `[n, k]` if `transposeB`).
    /// Large products are split into row blocks of C, one single-threaded `OpenBLAS.sgemm` per pool
    /// thread (see `ThreadPool` for why OpenBLAS itself runs single-threaded).
    static func gemm(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
        b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
        c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float = 1, beta: Float = 0
    ) {
        if m == 0 || n == 0 { return }
        let pool = ThreadPool.shared
        let flops = 2.0 * Double(m) * Double(n) * Double(k)
        let blas = OpenBLAS.shared
        func rowBlock(_ rows: Range<Int>) {
            let aOffset = transposeA ? rows.lowerBound : rows.lowerBound * lda
            blas.sgemm(
                transposeA: transposeA, transposeB: transposeB, m: rows.count, n: n, k: k, alpha: alpha,
                a: a + aOffset, lda: lda, b: b, ldb: ldb, beta: beta, c: c + rows.lowerBound * ldc, ldc: ldc)
        }
        func columnBlock(_ columns: Range<Int>) {
            let bOffset = transposeB ? columns.lowerBound * ldb : columns.lowerBound
            blas.sgemm(
                transposeA: transposeA, transposeB: transposeB, m: m, n: columns.count, k: k, alpha: alpha,
                a: a, lda: lda, b: b + bOffset, ldb: ldb, beta: beta, c: c + columns.lowerBound, ldc: ldc)
        }
        let blocks = pool.threadCount
        if flops < 4e6 || blocks == 1 || max(m, n) < 64 {
            rowBlock(0..<m)
            return
        }
        let splitRows = m >= n || m >= 256
        let extent = splitRows ? m : n
        pool.parallelFor(0..<blocks, minimumChunk: 1) { indices in
            for index in indices {
                let start = index == 0 ? 0 : (extent * index / blocks) & ~15
                let end = index == blocks - 1 ? extent : (extent * (index + 1) / blocks) & ~15
                guard end > start else { continue }
                if splitRows { rowBlock(start..<end) } else { columnBlock(start..<end) }
            }
        }
    }
}
