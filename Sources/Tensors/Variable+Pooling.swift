/// Pooling on NCHW (or any `[..., H, W]`) tensors.
extension Variable {
    /// Max pooling of the last two axes with a square `window` and stride equal to the window
    /// (PyTorch `max_pool2d(x, window)`: no padding, trailing rows/columns that do not fill a window
    /// are dropped): `[..., H, W]` → `[..., H / window, W / window]`.
    ///
    /// Gradient: each output's upstream gradient goes to the element that was the maximum of its
    /// window (the first one in row-major order on ties), as in PyTorch.
    public func maxPooled2d(window: Int = 2) -> Variable {
        precondition(rank >= 2 && window >= 1, "maxPooled2d needs [..., H, W] and window >= 1, got \(shape)")
        let height = shape[rank - 2], width = shape[rank - 1]
        let outputHeight = height / window, outputWidth = width / window
        precondition(outputHeight > 0 && outputWidth > 0, "maxPooled2d output would be empty for \(shape) with window \(window)")
        var outputShape = shape
        outputShape[rank - 2] = outputHeight
        outputShape[rank - 1] = outputWidth
        let planes = value.count / (height * width), outputPlane = outputHeight * outputWidth
        let input = value
        let output = Tensor(uninitializedShape: outputShape)
        // Flat index (within its plane) of each output's maximum, for the backward.
        let winners = UnsafeMutableBufferPointer<Int32>.allocate(capacity: planes * outputPlane)
        Kernels.forRows(planes, rowSize: height * width) { range in
            for p in range {
                let source = input.basePointer + p * height * width
                let destination = output.basePointer + p * outputPlane
                for oy in 0..<outputHeight {
                    for ox in 0..<outputWidth {
                        var best = oy * window * width + ox * window
                        for dy in 0..<window {
                            let row = (oy * window + dy) * width + ox * window
                            for dx in 0..<window where source[row + dx] > source[best] { best = row + dx }
                        }
                        destination[oy * outputWidth + ox] = source[best]
                        winners[p * outputPlane + oy * outputWidth + ox] = Int32(best)
                    }
                }
            }
        }
        let argmax = PoolingWinners(indices: winners)
        let inputShape = shape
        return Tape.record(inputs: [self], output: output) { g in
            let gradient = Tensor(zeros: inputShape)
            Kernels.forRows(planes, rowSize: height * width) { range in
                for p in range {
                    let upstream = g.basePointer + p * outputPlane
                    let target = gradient.basePointer + p * height * width
                    for o in 0..<outputPlane { target[Int(argmax.indices[p * outputPlane + o])] += upstream[o] }
                }
            }
            return [gradient]
        }
    }
}

/// The argmax indices of one max-pooling forward, freed with the backward closure that keeps them.
private final class PoolingWinners {
    let indices: UnsafeMutableBufferPointer<Int32>

    init(indices: UnsafeMutableBufferPointer<Int32>) { self.indices = indices }

    deinit { indices.deallocate() }
}
