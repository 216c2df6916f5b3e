/// A trainable tensor with its accumulated gradient, shared by a layer, the optimiser and I/O.
///
/// Reference type on purpose: the layer that uses it, the `Adam` state and the checkpoint writer
/// must all see the same value. Not Sendable: a model is trained by one thread/task at a time.
public final class Parameter {
    /// Current value; the optimiser updates it in place.
    public var value: Tensor
    /// Sum of gradients since the last `zeroGradient()`; nil means zero.
    public var gradient: Tensor?

    /// A parameter starting at `value`.
    public init(_ value: Tensor) {
        self.value = value
    }

    /// Shape of the value.
    public var shape: [Int] { value.shape }

    /// Forgets the accumulated gradient.
    public func zeroGradient() {
        gradient = nil
    }

    /// Adds `delta` into the accumulated gradient (shapes must match the value).
    public func accumulateGradient(_ delta: Tensor) {
        precondition(delta.shape == value.shape, "gradient shape \(delta.shape) differs from parameter shape \(value.shape)")
        if gradient == nil {
            gradient = delta
        } else {
            Kernels.addInPlace(&gradient!, delta)
        }
    }
}
