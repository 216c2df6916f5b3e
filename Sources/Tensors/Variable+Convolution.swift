/// 2-D convolution (cross-correlation, as PyTorch's `conv2d`) on NCHW tensors via im2col + GEMM.
extension Variable {
    /// Convolves `self` `[N, Cin, H, W]` with `weight` `[Cout, Cin, k, k]` (square kernel, stride 1,
    /// zero padding `padding` on every side) plus optional `bias` `[Cout]`.
    /// Output: `[N, Cout, H + 2p - k + 1, W + 2p - k + 1]`. 1×1 kernels without padding skip im2col.
    public func conv2d(weight: Variable, bias: Variable?, padding: Int) -> Variable {
        let x = value, w = weight.value
        precondition(
            x.rank == 4 && w.rank == 4 && w.shape[1] == x.shape[1] && w.shape[2] == w.shape[3],
            "conv2d needs x [N, C, H, W] and weight [Cout, C, k, k], got \(x.shape) and \(w.shape)")
        let geometry = ConvolutionGeometry(
            batch: x.shape[0], inputChannels: x.shape[1], height: x.shape[2], width: x.shape[3],
            outputChannels: w.shape[0], kernel: w.shape[2], padding: padding)
        precondition(geometry.outputHeight > 0 && geometry.outputWidth > 0, "conv2d output would be empty for \(x.shape)")
        if let bias { precondition(bias.shape == [geometry.outputChannels], "conv2d bias must be [\(geometry.outputChannels)]") }
        let needX = isDifferentiable, needW = weight.isDifferentiable, hasBias = bias != nil
        let (output, columns) = geometry.forward(x, w, bias?.value, keepColumns: needW)
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        return Tape.record(inputs: inputs, output: output) { g in
            let (gx, gw) = geometry.backward(x, w, g, needInput: needX, needWeight: needW, keptColumns: columns)
            var gradients: [Tensor?] = [gx, gw]
            if hasBias {
                let planes = Kernels.sumAxis(g, outer: geometry.batch * geometry.outputChannels, extent: geometry.outputPixels, inner: 1)
                gradients.append(
                    Kernels.sumAxis(planes, outer: 1, extent: geometry.batch, inner: geometry.outputChannels)
                        .reshaped([geometry.outputChannels]))
            }
            return gradients
        }
    }
}
