/// A hand-written differentiable operation with several inputs and outputs, plugged into `Tape`.
///
/// This is how kernels that are not built from `Variable` ops (the Gaussian rasteriser, a fused
/// SSIM) join autodiff. Implement `forward` to compute outputs plus any state the backward needs
/// (`Context`), and `backward` to map output gradients to input gradients. Then call
/// `function.apply(to: inputs)`.
///
/// ```swift
/// struct Rasterise: DifferentiableFunction {
///     let camera: Camera
///     func forward(_ inputs: [Tensor]) throws -> (outputs: [Tensor], context: TileLists) { ... }
///     func backward(context: TileLists, inputs: [Tensor], outputs: [Tensor],
///                   outputGradients: [Tensor]) -> [Tensor?] { ... }
/// }
/// let outputs = try Rasterise(camera: cam).apply(to: [means, colours, opacities, scales, rotations])
/// ```
public protocol DifferentiableFunction {
    /// Forward state kept for the backward (sorted tile lists, per-pixel counts...). Use `Void` if none.
    associatedtype Context

    /// Computes the outputs from the input values.
    func forward(_ inputs: [Tensor]) throws -> (outputs: [Tensor], context: Context)

    /// Given one gradient per output (same shapes; zeros for outputs the loss does not use), returns
    /// one gradient per input with that input's shape, or nil where none is defined.
    func backward(context: Context, inputs: [Tensor], outputs: [Tensor], outputGradients: [Tensor]) -> [Tensor?]
}

extension DifferentiableFunction {
    /// Runs `forward` and, if any input is differentiable and its tape is recording, records `backward`.
    public func apply(to inputs: [Variable]) throws -> [Variable] {
        let inputValues = inputs.map(\.value)
        let (outputs, context) = try forward(inputValues)
        return Tape.record(inputs: inputs, outputs: outputs) { outputGradients in
            backward(context: context, inputs: inputValues, outputs: outputs, outputGradients: outputGradients)
        }
    }
}
