/// Shapes and kernels of one stride-1, square-kernel, zero-padded convolution.
struct ConvolutionGeometry {
    let batch: Int, inputChannels: Int, height: Int, width: Int
    let outputChannels: Int, kernel: Int, padding: Int

    var outputHeight: Int { height + 2 * padding - kernel + 1 }
    var outputWidth: Int { width + 2 * padding - kernel + 1 }
    var outputPixels: Int { outputHeight * outputWidth }
    /// Rows of the im2col matrix: Cin·k·k.
    var patchSize: Int { inputChannels * kernel * kernel }
    /// 1×1 without padding: the image itself is the column matrix.
    var isPointwise: Bool { kernel == 1 && padding == 0 }

    /// Largest patch matrix (floats) the forward hands to the backward instead of letting it
    /// rebuild it: 8 Mi floats = 32 MiB, enough for GHA's Ψ at 128² (4.7 Mi) while VGG's early
    /// layers at 256² (up to 38 Mi each, several per step) are rebuilt rather than held.
    static let keptColumnsLimit = 8 << 20

    /// The output and, when `keepColumns` and the convolution is of one image with a patch matrix
    /// within `keptColumnsLimit`, that matrix for `backward`, which would otherwise rebuild it for
    /// the weight gradient.
    func forward(_ x: Tensor, _ w: Tensor, _ bias: Tensor?, keepColumns: Bool = false) -> (output: Tensor, columns: Tensor?) {
        let output = Tensor(uninitializedShape: [batch, outputChannels, outputHeight, outputWidth])
        let columns = isPointwise ? nil : Tensor(uninitializedShape: [patchSize, outputPixels])
        let imageSize = inputChannels * height * width, outputSize = outputChannels * outputPixels
        for n in 0..<batch {
            let image = x.basePointer + n * imageSize
            let matrix: UnsafePointer<Float>
            if let columns {
                im2col(image, columns.basePointer)
                matrix = UnsafePointer(columns.basePointer)
            } else {
                matrix = UnsafePointer(image)
            }
            let out = output.basePointer + n * outputSize
            if let bias {
                let b = bias.basePointer
                Kernels.forRows(outputChannels, rowSize: outputPixels) { rows in
                    for c in rows { (out + c * outputPixels).initialize(repeating: b[c], count: outputPixels) }
                }
            }
            Kernels.gemm(
                m: outputChannels, n: outputPixels, k: patchSize, a: w.basePointer, lda: patchSize, transposeA: false,
                b: matrix, ldb: outputPixels, transposeB: false, c: out, ldc: outputPixels, beta: bias == nil ? 0 : 1)
        }
        let keep = keepColumns && batch == 1 && patchSize * outputPixels <= Self.keptColumnsLimit
        return (output, keep ? columns : nil)
    }

    /// Input and weight gradients; `keptColumns` is the forward's patch matrix of a single image
    /// (`forward(keepColumns:)`), or nil to rebuild it.
    func backward(_ x: Tensor, _ w: Tensor, _ g: Tensor, needInput: Bool, needWeight: Bool, keptColumns: Tensor? = nil) -> (Tensor?, Tensor?) {
        let gx = needInput ? Tensor(zeros: x.shape) : nil
        let gw = needWeight ? Tensor(zeros: w.shape) : nil
        // The patch matrix for the weight gradient and the scratch of the input gradient; kept
        // columns are only read (a tape may run its backward more than once).
        let columns = isPointwise || (keptColumns != nil && !needInput) ? nil : Tensor(uninitializedShape: [patchSize, outputPixels])
        let imageSize = inputChannels * height * width, outputSize = outputChannels * outputPixels
        for n in 0..<batch {
            let upstream = g.basePointer + n * outputSize
            if let gw {
                let matrix: UnsafePointer<Float>
                if let keptColumns {
                    matrix = UnsafePointer(keptColumns.basePointer)
                } else if let columns {
                    im2col(x.basePointer + n * imageSize, columns.basePointer)
                    matrix = UnsafePointer(columns.basePointer)
                } else {
                    matrix = UnsafePointer(x.basePointer + n * imageSize)
                }
                Kernels.gemm(
                    m: outputChannels, n: patchSize, k: outputPixels, a: upstream, lda: outputPixels, transposeA: false,
                    b: matrix, ldb: outputPixels, transposeB: true, c: gw.basePointer, ldc: patchSize, beta: 1)
            }
            if let gx {
                let target = gx.basePointer + n * imageSize
                if let columns {
                    Kernels.gemm(
                        m: patchSize, n: outputPixels, k: outputChannels, a: w.basePointer, lda: patchSize, transposeA: true,
                        b: upstream, ldb: outputPixels, transposeB: false, c: columns.basePointer, ldc: outputPixels)
                    col2imAdd(columns.basePointer, target)
                } else {
                    Kernels.gemm(
                        m: patchSize, n: outputPixels, k: outputChannels, a: w.basePointer, lda: patchSize, transposeA: true,
                        b: upstream, ldb: outputPixels, transposeB: false, c: target, ldc: outputPixels)
                }
            }
        }
        return (gx, gw)
    }

    /// Output columns `ox` whose source `ox + kx - padding` lies inside the image.
    private func validColumns(_ kx: Int) -> Range<Int> {
        let low = max(0, padding - kx), high = min(outputWidth, width + padding - kx)
        return low..<max(low, high)
    }

    /// Writes the `[Cin·k·k, H'·W']` patch matrix of one image (zeros where the window leaves it).
    func im2col(_ image: UnsafePointer<Float>, _ columns: UnsafeMutablePointer<Float>) {
        let k = kernel
        Kernels.forRows(patchSize, rowSize: outputPixels) { rows in
            for row in rows {
                let c = row / (k * k), ky = (row / k) % k, kx = row % k
                let valid = validColumns(kx)
                let destinationRow = columns + row * outputPixels
                for oy in 0..<outputHeight {
                    let destination = destinationRow + oy * outputWidth
                    let iy = oy + ky - padding
                    if iy < 0 || iy >= height || valid.isEmpty {
                        destination.initialize(repeating: 0, count: outputWidth)
                        continue
                    }
                    if valid.lowerBound > 0 { destination.initialize(repeating: 0, count: valid.lowerBound) }
                    let source = image + (c * height + iy) * width + (valid.lowerBound + kx - padding)
                    (destination + valid.lowerBound).update(from: source, count: valid.count)
                    if valid.upperBound < outputWidth {
                        (destination + valid.upperBound).initialize(repeating: 0, count: outputWidth - valid.upperBound)
                    }
                }
            }
        }
    }

    /// Adjoint of `im2col`: adds each patch-matrix entry back into its image pixel.
    func col2imAdd(_ columns: UnsafePointer<Float>, _ image: UnsafeMutablePointer<Float>) {
        let k = kernel
        Kernels.forRows(inputChannels, rowSize: k * k * outputPixels) { channels in
            for c in channels {
                for ky in 0..<k {
                    for kx in 0..<k {
                        let valid = validColumns(kx)
                        if valid.isEmpty { continue }
                        let sourceRow = columns + ((c * k + ky) * k + kx) * outputPixels
                        for oy in 0..<outputHeight {
                            let iy = oy + ky - padding
                            if iy < 0 || iy >= height { continue }
                            let destination = image + (c * height + iy) * width + (valid.lowerBound + kx - padding)
                            let source = sourceRow + oy * outputWidth + valid.lowerBound
                            for i in 0..<valid.count { destination[i] += source[i] }
                        }
                    }
                }
            }
        }
    }
}
