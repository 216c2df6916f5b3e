/// Image-shaped ops on NCHW tensors: bilinear upsampling, pixel shuffle, instance normalisation.
extension Variable {
    /// Bilinear upsampling of the last two axes by an integer `scale` (default ×2).
    ///
    /// Convention: `alignCorners: false` (default) matches PyTorch's
    /// `F.interpolate(x, scale_factor=s, mode='bilinear', align_corners=False)`: output pixel `o`
    /// samples source coordinate `max(0, (o + 0.5)/s - 0.5)`, clamped at the last pixel.
    /// `alignCorners: true` maps corner pixel centres onto each other: `o·(in-1)/(out-1)`.
    public func upsampledBilinear(scale: Int = 2, alignCorners: Bool = false) -> Variable {
        precondition(rank >= 2 && scale >= 1, "upsampledBilinear needs [..., H, W] and scale >= 1")
        let height = shape[rank - 2], width = shape[rank - 1]
        let rows = BilinearAxis(input: height, output: height * scale, alignCorners: alignCorners)
        let columns = BilinearAxis(input: width, output: width * scale, alignCorners: alignCorners)
        var outputShape = shape
        outputShape[rank - 2] = rows.output
        outputShape[rank - 1] = columns.output
        let planes = value.count / max(height * width, 1)
        let input = value
        let output = Tensor(uninitializedShape: outputShape)
        Kernels.forRows(planes, rowSize: rows.output * columns.output) { range in
            for p in range {
                let source = input.basePointer + p * height * width
                let destination = output.basePointer + p * rows.output * columns.output
                for oy in 0..<rows.output {
                    let r0 = source + rows.low[oy] * width, r1 = source + rows.high[oy] * width
                    let wy1 = rows.weight[oy], wy0 = 1 - wy1
                    for ox in 0..<columns.output {
                        let l = columns.low[ox], h = columns.high[ox], wx1 = columns.weight[ox], wx0 = 1 - wx1
                        destination[oy * columns.output + ox] = wy0 * (wx0 * r0[l] + wx1 * r0[h]) + wy1 * (wx0 * r1[l] + wx1 * r1[h])
                    }
                }
            }
        }
        let inputShape = shape
        return Tape.record(inputs: [self], output: output) { g in
            let gradient = Tensor(zeros: inputShape)
            Kernels.forRows(planes, rowSize: rows.output * columns.output) { range in
                for p in range {
                    let upstream = g.basePointer + p * rows.output * columns.output
                    let target = gradient.basePointer + p * height * width
                    for oy in 0..<rows.output {
                        let r0 = target + rows.low[oy] * width, r1 = target + rows.high[oy] * width
                        let wy1 = rows.weight[oy], wy0 = 1 - wy1
                        for ox in 0..<columns.output {
                            let d = upstream[oy * columns.output + ox]
                            let l = columns.low[ox], h = columns.high[ox], wx1 = columns.weight[ox], wx0 = 1 - wx1
                            r0[l] += wy0 * wx0 * d
                            r0[h] += wy0 * wx1 * d
                            r1[l] += wy1 * wx0 * d
                            r1[h] += wy1 * wx1 * d
                        }
                    }
                }
            }
            return [gradient]
        }
    }

    /// Pixel shuffle (sub-pixel convolution, Shi et al. 2016), PyTorch's `pixel_shuffle`:
    /// `[N, C·r², H, W]` → `[N, C, H·r, W·r]` with `out[n, c, h·r + i, w·r + j] = in[n, c·r² + i·r + j, h, w]`.
    public func pixelShuffled(factor r: Int) -> Variable {
        precondition(rank == 4 && shape[1] % (r * r) == 0, "pixelShuffled needs [N, C·r², H, W], got \(shape)")
        let n = shape[0], channels = shape[1] / (r * r), height = shape[2], width = shape[3]
        let inputShape = shape
        let forward = Kernels.pixelShuffle(value, batch: n, channels: channels, height: height, width: width, factor: r, inverse: false)
        return Tape.record(inputs: [self], output: forward) { g in
            [
                Kernels.pixelShuffle(g, batch: n, channels: channels, height: height, width: width, factor: r, inverse: true)
                    .reshaped(inputShape)
            ]
        }
    }

    /// Instance normalisation (Ulyanov et al. 2016) of `[N, C, H, W]`: each (n, c) plane is shifted
    /// to zero mean and scaled to unit biased variance, `(x - μ)/√(σ² + ε)`. No affine parameters
    /// (PyTorch `InstanceNorm2d` default, `affine=False`); multiply/add per-channel tensors for that.
    public func instanceNormalized(epsilon: Float = 1e-5) -> Variable {
        precondition(rank == 4, "instanceNormalized needs [N, C, H, W], got \(shape)")
        let planes = shape[0] * shape[1], size = shape[2] * shape[3]
        let input = value
        let normalized = Tensor(uninitializedShape: shape)
        let inverseDeviations = Tensor(uninitializedShape: [planes])
        Kernels.forRows(planes, rowSize: size) { range in
            for p in range {
                let x = input.basePointer + p * size, y = normalized.basePointer + p * size
                var sum = 0.0, squares = 0.0
                for i in 0..<size { sum += Double(x[i]) }
                let mean = sum / Double(size)
                for i in 0..<size {
                    let d = Double(x[i]) - mean
                    squares += d * d
                }
                let inverse = Float(1 / (squares / Double(size) + Double(epsilon)).squareRoot())
                let m = Float(mean)
                for i in 0..<size { y[i] = (x[i] - m) * inverse }
                inverseDeviations.basePointer[p] = inverse
            }
        }
        return Tape.record(inputs: [self], output: normalized) { g in
            let gradient = Tensor(uninitializedShape: normalized.shape)
            Kernels.forRows(planes, rowSize: size) { range in
                for p in range {
                    let d = g.basePointer + p * size, y = normalized.basePointer + p * size
                    let out = gradient.basePointer + p * size
                    var meanG = 0.0, meanGY = 0.0
                    for i in 0..<size {
                        meanG += Double(d[i])
                        meanGY += Double(d[i]) * Double(y[i])
                    }
                    let a = Float(meanG / Double(size)), b = Float(meanGY / Double(size))
                    let inverse = inverseDeviations.basePointer[p]
                    for i in 0..<size { out[i] = inverse * (d[i] - a - y[i] * b) }
                }
            }
            return [gradient]
        }
    }

    /// Separable filtering of the last two axes with a 1-D `kernel` applied along rows and columns,
    /// "valid" region only: `[..., H, W]` → `[..., H - k + 1, W - k + 1]` (no padding). Used by SSIM.
    public func separableFilterValid(kernel: [Float]) -> Variable {
        let k = kernel.count
        precondition(rank >= 2 && shape[rank - 2] >= k && shape[rank - 1] >= k, "separableFilterValid: image \(shape) smaller than kernel \(k)")
        let height = shape[rank - 2], width = shape[rank - 1]
        let outputHeight = height - k + 1, outputWidth = width - k + 1
        let planes = value.count / (height * width)
        var outputShape = shape
        outputShape[rank - 2] = outputHeight
        outputShape[rank - 1] = outputWidth
        let input = value, inputShape = shape
        let output = Tensor(uninitializedShape: outputShape)
        Kernels.forRows(planes, rowSize: height * width) { range in
            let horizontal = UnsafeMutablePointer<Float>.allocate(capacity: height * outputWidth)
            defer { horizontal.deallocate() }
            for p in range {
                let x = input.basePointer + p * height * width, y = output.basePointer + p * outputHeight * outputWidth
                for row in 0..<height {
                    Self.filterRow(kernel, source: x + row * width, sourceStride: 1, into: horizontal + row * outputWidth, count: outputWidth)
                }
                for oy in 0..<outputHeight {
                    Self.filterRow(
                        kernel, source: horizontal + oy * outputWidth, sourceStride: outputWidth, into: y + oy * outputWidth, count: outputWidth)
                }
            }
        }
        return Tape.record(inputs: [self], output: output) { g in
            // Every input entry is written below (its sum may be empty, then 0).
            let gradient = Tensor(uninitializedShape: inputShape)
            Kernels.forRows(planes, rowSize: height * width) { range in
                // The transposed filter: every input receives Σₜ kernel[t]·(gradient of output at its
                // position − t), added in the order of increasing output position (t from high to
                // low) as a scatter loop over the outputs would, but gathered per input so that 8
                // adjacent inputs form one vector.
                let vertical = UnsafeMutablePointer<Float>.allocate(capacity: height * outputWidth)
                defer { vertical.deallocate() }
                for p in range {
                    let d = g.basePointer + p * outputHeight * outputWidth, out = gradient.basePointer + p * height * width
                    for row in 0..<height {
                        let target = vertical + row * outputWidth
                        let taps = stride(from: min(k - 1, row), through: max(0, row - outputHeight + 1), by: -1)
                        var ox = 0
                        while ox + 8 <= outputWidth {
                            var sum = SIMD8<Float>()
                            for t in taps { sum += kernel[t] * UnsafeRawPointer(d + (row - t) * outputWidth + ox).loadUnaligned(as: SIMD8<Float>.self) }
                            UnsafeMutableRawPointer(target + ox).storeBytes(of: sum, as: SIMD8<Float>.self)
                            ox += 8
                        }
                        while ox < outputWidth {
                            var sum: Float = 0
                            for t in taps { sum += kernel[t] * d[(row - t) * outputWidth + ox] }
                            target[ox] = sum
                            ox += 1
                        }
                    }
                    for row in 0..<height {
                        let source = vertical + row * outputWidth, target = out + row * width
                        func scalar(_ x: Int) {
                            var sum: Float = 0
                            for t in stride(from: min(k - 1, x), through: max(0, x - outputWidth + 1), by: -1) { sum += kernel[t] * source[x - t] }
                            target[x] = sum
                        }
                        // Inputs k−1 … outputWidth−1 see every tap; the ones before and after see fewer.
                        var x = 0
                        while x < min(k - 1, width) {
                            scalar(x)
                            x += 1
                        }
                        while x + 8 <= outputWidth {
                            var sum = SIMD8<Float>()
                            for t in stride(from: k - 1, through: 0, by: -1) {
                                sum += kernel[t] * UnsafeRawPointer(source + x - t).loadUnaligned(as: SIMD8<Float>.self)
                            }
                            UnsafeMutableRawPointer(target + x).storeBytes(of: sum, as: SIMD8<Float>.self)
                            x += 8
                        }
                        while x < width {
                            scalar(x)
                            x += 1
                        }
                    }
                }
            }
            return [gradient]
        }
    }
}

extension Variable {
    /// `target[o] = Σₜ kernel[t]·source[o + t·sourceStride]` for `o` in `0..<count`, summed over t
    /// in order for every output: 8 adjacent outputs per vector, each rounded exactly as the
    /// scalar sum (a reduction over t in the inner loop does not vectorise).
    @inline(__always)
    fileprivate static func filterRow(
        _ kernel: [Float], source: UnsafeMutablePointer<Float>, sourceStride: Int, into target: UnsafeMutablePointer<Float>, count: Int
    ) {
        kernel.withUnsafeBufferPointer { kernel in
            let taps = kernel.count
            var o = 0
            while o + 8 <= count {
                var sum = SIMD8<Float>()
                for t in 0..<taps {
                    sum += kernel[t] * UnsafeRawPointer(source + o + t * sourceStride).loadUnaligned(as: SIMD8<Float>.self)
                }
                UnsafeMutableRawPointer(target + o).storeBytes(of: sum, as: SIMD8<Float>.self)
                o += 8
            }
            while o < count {
                var sum: Float = 0
                for t in 0..<taps { sum += kernel[t] * source[o + t * sourceStride] }
                target[o] = sum
                o += 1
            }
        }
    }
}

/// Source indices and weights along one axis for bilinear resampling.
struct BilinearAxis {
    let output: Int
    let low: [Int], high: [Int], weight: [Float]

    init(input: Int, output: Int, alignCorners: Bool) {
        self.output = output
        var low = [Int](), high = [Int](), weight = [Float]()
        for o in 0..<output {
            let source: Double
            if alignCorners {
                source = output > 1 ? Double(o) * Double(input - 1) / Double(output - 1) : 0
            } else {
                source = max(0, (Double(o) + 0.5) * Double(input) / Double(output) - 0.5)
            }
            let l = min(Int(source), input - 1)
            low.append(l)
            high.append(min(l + 1, input - 1))
            weight.append(Float(source - Double(l)))
        }
        self.low = low
        self.high = high
        self.weight = weight
    }
}

extension Kernels {
    /// Pixel shuffle (`inverse: false`) or its inverse (pixel unshuffle) between
    /// `[N, C·r², H, W]` and `[N, C, H·r, W·r]`.
    static func pixelShuffle(_ x: Tensor, batch: Int, channels: Int, height: Int, width: Int, factor r: Int, inverse: Bool) -> Tensor {
        let result = Tensor(uninitializedShape: inverse ? [batch, channels * r * r, height, width] : [batch, channels, height * r, width * r])
        let source = x.basePointer, out = result.basePointer
        let outWidth = width * r, outHeight = height * r
        forRows(batch * channels, rowSize: r * r * height * width) { range in
            for plane in range {
                let n = plane / channels, c = plane % channels
                for i in 0..<r {
                    for j in 0..<r {
                        let shuffledChannel = (n * channels + c) * r * r + i * r + j
                        for h in 0..<height {
                            for w in 0..<width {
                                let packed = (shuffledChannel * height + h) * width + w
                                let spread = (plane * outHeight + h * r + i) * outWidth + w * r + j
                                if inverse { out[packed] = source[spread] } else { out[spread] = source[packed] }
                            }
                        }
                    }
                }
            }
        }
        return result
    }
}
