/// 2-D convolution (cross-correlation, as PyTorch's `conv2d`) on NCHW tensors via im2col + GEMM.
extension Variable {
    /// Convolves `self` `[N, Cin, H, W]` with `weight` `[Cout, Cin, k, k]` (square kernel, stride 1,
    /// zero padding `padding` on every side) plus optional `bias` `[Cout]`.
    /// Output: `[N, Cout, H + 2p - k + 1, W + 2p - k + 1]`. 1×1 kernels without padding skip im2col.
    public func conv2d(weight: Variable, bias: Variable?, padding: Int) -> Variable {
        let x = value, w = weight.value
        precondition(x.rank == 4 && w.rank == 4 && w.shape[1] == x.shape[1] && w.shape[2] == w.shape[3],
                     "conv2d needs x [N, C, H, W] and weight [Cout, C, k, k], got \(x.shape) and \(w.shape)")
        let geometry = ConvolutionGeometry(batch: x.shape[0], inputChannels: x.shape[1], height: x.shape[2], width: x.shape[3],
                                           outputChannels: w.shape[0], kernel: w.shape[2], padding: padding)
        precondition(geometry.outputHeight > 0 && geometry.outputWidth > 0, "conv2d output would be empty for \(x.shape)")
        if let bias { precondition(bias.shape == [geometry.outputChannels], "conv2d bias must be [\(geometry.outputChannels)]") }
        let output = geometry.forward(x, w, bias?.value)
        let needX = isDifferentiable, needW = weight.isDifferentiable, hasBias = bias != nil
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        return Tape.record(inputs: inputs, output: output) { g in
            let (gx, gw) = geometry.backward(x, w, g, needInput: needX, needWeight: needW)
            var gradients: [Tensor?] = [gx, gw]
            if hasBias {
                let planes = Kernels.sumAxis(g, outer: geometry.batch * geometry.outputChannels, extent: geometry.outputPixels, inner: 1)
                gradients.append(Kernels.sumAxis(planes, outer: 1, extent: geometry.batch, inner: geometry.outputChannels)
                    .reshaped([geometry.outputChannels]))
            }
            return gradients
        }
    }
}

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

    func forward(_ x: Tensor, _ w: Tensor, _ bias: Tensor?) -> Tensor {
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
            Kernels.gemm(m: outputChannels, n: outputPixels, k: patchSize, a: w.basePointer, lda: patchSize, transposeA: false,
                         b: matrix, ldb: outputPixels, transposeB: false, c: out, ldc: outputPixels, beta: bias == nil ? 0 : 1)
        }
        return output
    }

    func backward(_ x: Tensor, _ w: Tensor, _ g: Tensor, needInput: Bool, needWeight: Bool) -> (Tensor?, Tensor?) {
        let gx = needInput ? Tensor(zeros: x.shape) : nil
        let gw = needWeight ? Tensor(zeros: w.shape) : nil
        let columns = isPointwise ? nil : Tensor(uninitializedShape: [patchSize, outputPixels])
        let imageSize = inputChannels * height * width, outputSize = outputChannels * outputPixels
        for n in 0..<batch {
            let upstream = g.basePointer + n * outputSize
            if let gw {
                let matrix: UnsafePointer<Float>
                if let columns {
                    im2col(x.basePointer + n * imageSize, columns.basePointer)
                    matrix = UnsafePointer(columns.basePointer)
                } else {
                    matrix = UnsafePointer(x.basePointer + n * imageSize)
                }
                Kernels.gemm(m: outputChannels, n: patchSize, k: outputPixels, a: upstream, lda: outputPixels, transposeA: false,
                             b: matrix, ldb: outputPixels, transposeB: true, c: gw.basePointer, ldc: patchSize, beta: 1)
            }
            if let gx {
                let target = gx.basePointer + n * imageSize
                if let columns {
                    Kernels.gemm(m: patchSize, n: outputPixels, k: outputChannels, a: w.basePointer, lda: patchSize, transposeA: true,
                                 b: upstream, ldb: outputPixels, transposeB: false, c: columns.basePointer, ldc: outputPixels)
                    col2imAdd(columns.basePointer, target)
                } else {
                    Kernels.gemm(m: patchSize, n: outputPixels, k: outputChannels, a: w.basePointer, lda: patchSize, transposeA: true,
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
