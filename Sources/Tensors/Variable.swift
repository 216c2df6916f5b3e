/// A tensor value inside a differentiable computation.
///
/// A variable either belongs to a `Tape` (it is a leaf or the output of a recorded op, and
/// gradients flow to it) or is a constant (`Variable(tensor)`, no tape). Ops on constants only
/// compute, so the same model code runs with or without differentiation.
public struct Variable {
    /// The forward value.
    public let value: Tensor
    /// The tape this value was recorded on; nil for constants.
    public let tape: Tape?
    let id: Int

    init(value: Tensor, tape: Tape, id: Int) {
        self.value = value
        self.tape = tape
        self.id = id
    }

    /// A constant (no gradient flows to it).
    public init(_ value: Tensor) {
        self.value = value
        self.tape = nil
        self.id = -1
    }

    /// Shape of the value.
    public var shape: [Int] { value.shape }

    /// True when gradients flow to this value (it is on a tape).
    public var isDifferentiable: Bool { tape != nil }

    /// The same value cut off from the tape (gradients stop here).
    public func detached() -> Variable { Variable(value) }
}
