import Tensors

/// Inference of a `DlibNetwork`'s layers on `[channels, height, width]` tensors (one sample),
/// with convolutions as im2col + OpenBLAS SGEMM (the GEMM the Tensors library runs on).
extension DlibNetwork {
    /// Runs every layer on `input` (`[channels, height, width]`) and returns the last output.
    /// - Throws: `DlibFileError` when a layer's input does not fit (wrong channel count, an
    ///   image smaller than a kernel, a skip to a tag that was never set).
    public func forward(_ input: Tensor) throws(DlibFileError) -> Tensor {
        var x = input
        var tagged: [Int: Tensor] = [:]
        for (index, layer) in layers.enumerated() {
            switch layer {
            case .convolution(let convolution):
                x = try Self.convolve(x, convolution, layer: index)
            case .affine(let scale, let shift):
                guard x.shape[0] == scale.count else {
                    throw DlibFileError.network(file: "<network>", message: "affine layer \(index) has \(scale.count) channels, its input \(x.shape[0])")
                }
                let plane = x.shape[1] * x.shape[2]
                x.withUnsafeMutableBufferPointer { values in
                    for c in 0..<scale.count {
                        let a = scale[c], b = shift[c]
                        for i in (c * plane)..<((c + 1) * plane) { values[i] = a * values[i] + b }
                    }
                }
            case .relu:
                x.withUnsafeMutableBufferPointer { values in
                    for i in values.indices where values[i] < 0 { values[i] = 0 }
                }
            case .tag(let id):
                tagged[id] = x
            case .skip(let id):
                guard let remembered = tagged[id] else {
                    throw DlibFileError.network(file: "<network>", message: "layer \(index) skips to tag \(id), which no layer set")
                }
                x = remembered
            case .addPrevious(let id):
                guard let remembered = tagged[id], remembered.shape == x.shape else {
                    throw DlibFileError.network(file: "<network>", message: "layer \(index) adds tag \(id), which is unset or of another shape")
                }
                remembered.withUnsafeBufferPointer { other in
                    x.withUnsafeMutableBufferPointer { values in
                        for i in values.indices { values[i] += other[i] }
                    }
                }
            }
        }
        return x
    }

    /// dlib `con_`: output size `(H + 2·padding − kernel)/stride + 1` per axis, cross-correlation
    /// with zero padding, plus the bias.
    static func convolve(_ x: Tensor, _ convolution: DlibConvolution, layer: Int) throws(DlibFileError) -> Tensor {
        let channels = x.shape[0], height = x.shape[1], width = x.shape[2]
        let kh = convolution.kernelHeight, kw = convolution.kernelWidth
        let sy = convolution.strideY, sx = convolution.strideX, py = convolution.paddingY, px = convolution.paddingX
        guard channels == convolution.inputChannels else {
            throw DlibFileError.network(
                file: "<network>", message: "con layer \(layer) expects \(convolution.inputChannels) channels, its input has \(channels)")
        }
        guard height + 2 * py >= kh, width + 2 * px >= kw else {
            throw DlibFileError.network(file: "<network>", message: "con layer \(layer) needs an input of at least \(kh)×\(kw) pixels, got \(height)×\(width)")
        }
        let outHeight = (height + 2 * py - kh) / sy + 1, outWidth = (width + 2 * px - kw) / sx + 1
        let pixels = outHeight * outWidth, patch = channels * kh * kw
        var columns = [Float](repeating: 0, count: patch * pixels)
        x.withUnsafeBufferPointer { source in
            columns.withUnsafeMutableBufferPointer { target in
                let target = target
                ThreadPool.shared.parallelFor(0..<patch) { rows in
                    for row in rows {
                        let c = row / (kh * kw), i = (row / kw) % kh, j = row % kw
                        let plane = source.baseAddress! + c * height * width
                        let out = target.baseAddress! + row * pixels
                        for oy in 0..<outHeight {
                            let y = oy * sy - py + i
                            guard y >= 0, y < height else { continue }
                            let line = plane + y * width, outLine = out + oy * outWidth
                            for ox in 0..<outWidth {
                                let xx = ox * sx - px + j
                                if xx >= 0, xx < width { outLine[ox] = line[xx] }
                            }
                        }
                    }
                }
            }
        }
        var output = Tensor(zeros: [convolution.outputChannels, outHeight, outWidth])
        output.withUnsafeMutableBufferPointer { out in
            if let bias = convolution.bias {
                for f in 0..<convolution.outputChannels {
                    (out.baseAddress! + f * pixels).update(repeating: bias[f], count: pixels)
                }
            }
            convolution.filters.withUnsafeBufferPointer { filters in
                columns.withUnsafeBufferPointer { columns in
                    OpenBLAS.shared.sgemm(
                        transposeA: false, transposeB: false, m: convolution.outputChannels, n: pixels, k: patch, alpha: 1,
                        a: filters.baseAddress!, lda: patch, b: columns.baseAddress!, ldb: pixels,
                        beta: convolution.bias == nil ? 0 : 1, c: out.baseAddress!, ldc: pixels)
                }
            }
        }
        return output
    }
}
