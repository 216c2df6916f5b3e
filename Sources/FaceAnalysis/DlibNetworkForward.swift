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
                guard let remembered = tagged[id] else {
                    throw DlibFileError.network(file: "<network>", message: "layer \(index) adds tag \(id), which no layer set")
                }
                x = Self.addPadded(x, remembered)
            case .fullyConnected(let weights, let bias):
                x = try Self.fullyConnected(x, weights: weights, bias: bias, layer: index)
            case .maxPool(let pooling):
                x = try Self.pool(x, pooling, layer: index, maximum: true)
            case .averagePool(let pooling):
                x = try Self.pool(x, pooling, layer: index, maximum: false)
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

    /// dlib `tt::add(output, a, b)` as `add_prev_` uses it: the output has the larger size in
    /// each dimension and a value missing from one tensor counts as zero.
    static func addPadded(_ a: Tensor, _ b: Tensor) -> Tensor {
        if a.shape == b.shape {
            var sum = a
            b.withUnsafeBufferPointer { other in
                sum.withUnsafeMutableBufferPointer { values in
                    for i in values.indices { values[i] += other[i] }
                }
            }
            return sum
        }
        let channels = max(a.shape[0], b.shape[0]), rows = max(a.shape[1], b.shape[1]), columns = max(a.shape[2], b.shape[2])
        var sum = Tensor(zeros: [channels, rows, columns])
        sum.withUnsafeMutableBufferPointer { out in
            for source in [a, b] {
                let sc = source.shape[0], sr = source.shape[1], sw = source.shape[2]
                source.withUnsafeBufferPointer { values in
                    for c in 0..<sc {
                        for r in 0..<sr {
                            for k in 0..<sw { out[(c * rows + r) * columns + k] += values[(c * sr + r) * sw + k] }
                        }
                    }
                }
            }
        }
        return sum
    }

    /// dlib `fc_`: the input flattened channel-major (`[C,H,W]` order) times `weights`
    /// `[inputs, outputs]` (OpenBLAS SGEMM), plus the bias; returns `[outputs, 1, 1]`.
    static func fullyConnected(_ x: Tensor, weights: Tensor, bias: [Float]?, layer: Int) throws(DlibFileError) -> Tensor {
        let inputs = weights.shape[0], outputs = weights.shape[1]
        guard x.count == inputs else {
            throw DlibFileError.network(file: "<network>", message: "fc layer \(layer) expects \(inputs) input values, got \(x.count) (shape \(x.shape))")
        }
        var output = Tensor(shape: [outputs, 1, 1], scalars: bias ?? [Float](repeating: 0, count: outputs))
        output.withUnsafeMutableBufferPointer { out in
            x.withUnsafeBufferPointer { input in
                weights.withUnsafeBufferPointer { w in
                    OpenBLAS.shared.sgemm(
                        transposeA: false, transposeB: false, m: 1, n: outputs, k: inputs, alpha: 1, a: input.baseAddress!, lda: inputs,
                        b: w.baseAddress!, ldb: outputs, beta: bias == nil ? 0 : 1, c: out.baseAddress!, ldc: outputs)
                }
            }
        }
        return output
    }

    /// dlib's CPU `max_pool_`/`avg_pool_`: output size `1 + (size + 2·padding − window)/stride`;
    /// output (r, c) covers input rows `r·strideY − paddingY …` (window rows) clipped to the
    /// input, and columns likewise; the average is a float sum in row order over the clipped
    /// window divided by its size (dlib's `mean(subm_clipped(…))`).
    static func pool(_ x: Tensor, _ pooling: DlibPooling, layer: Int, maximum: Bool) throws(DlibFileError) -> Tensor {
        let channels = x.shape[0], height = x.shape[1], width = x.shape[2]
        let windowHeight = pooling.windowHeight == 0 ? height : pooling.windowHeight
        let windowWidth = pooling.windowWidth == 0 ? width : pooling.windowWidth
        guard height + 2 * pooling.paddingY >= windowHeight, width + 2 * pooling.paddingX >= windowWidth else {
            throw DlibFileError.network(
                file: "<network>", message: "pooling layer \(layer) needs an input of at least \(windowHeight)×\(windowWidth) pixels, got \(height)×\(width)")
        }
        let outHeight = 1 + (height + 2 * pooling.paddingY - windowHeight) / pooling.strideY
        let outWidth = 1 + (width + 2 * pooling.paddingX - windowWidth) / pooling.strideX
        var output = Tensor(zeros: [channels, outHeight, outWidth])
        x.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                for c in 0..<channels {
                    let plane = input.baseAddress! + c * height * width
                    for r in 0..<outHeight {
                        let top = max(0, r * pooling.strideY - pooling.paddingY)
                        let bottom = min(height, r * pooling.strideY - pooling.paddingY + windowHeight)
                        for k in 0..<outWidth {
                            let left = max(0, k * pooling.strideX - pooling.paddingX)
                            let right = min(width, k * pooling.strideX - pooling.paddingX + windowWidth)
                            var value: Float = maximum ? -.infinity : 0
                            for y in top..<bottom {
                                for xx in left..<right {
                                    value = maximum ? max(value, plane[y * width + xx]) : value + plane[y * width + xx]
                                }
                            }
                            if !maximum { value /= Float((bottom - top) * (right - left)) }
                            out[(c * outHeight + r) * outWidth + k] = value
                        }
                    }
                }
            }
        }
        return output
    }
}
