/// A record of differentiable operations for ONE computation (typically one training iteration).
///
/// Create a tape, wrap inputs with `variable(_:)` / `variable(for:)`, compute with `Variable` ops
/// (each op appends its backward closure here), then call `backward(from:)` on a scalar loss.
/// Tapes are ordinary objects owned by the code that computes: there is no global tape, so two
/// threads or tasks can each differentiate their own computation. A tape is not thread-safe;
/// use it from one thread at a time.
///
/// Memory: every record keeps the tensors its backward needs alive until the tape is released,
/// so make a fresh tape per iteration.
public final class Tape {
    /// One recorded operation: which values it read and produced, and how to push gradients back.
    struct Record {
        let inputs: [Int]
        let outputs: [Int]
        let outputShapes: [[Int]]
        let backward: ([Tensor]) -> [Tensor?]
    }

    private var records: [Record] = []
    private var valueCount = 0
    private var leafIDs: [Int] = []
    private var parameterIDs: [ObjectIdentifier: Int] = [:]
    private var boundParameters: [(id: Int, parameter: Parameter)] = []

    /// False inside `withoutRecording`: ops then produce constants and record nothing.
    public private(set) var isRecording = true

    /// An empty tape.
    public init() {}

    /// Number of recorded operations (for diagnostics and tests).
    public var recordCount: Int { records.count }

    private func newID() -> Int {
        defer { valueCount += 1 }
        return valueCount
    }

    /// A differentiable leaf: `backward` reports its gradient in the returned `Gradients`.
    public func variable(_ value: Tensor) -> Variable {
        let id = newID()
        leafIDs.append(id)
        return Variable(value: value, tape: self, id: id)
    }

    /// A leaf bound to a parameter: `backward` ADDS the gradient into `parameter.gradient`.
    /// Asking twice for the same parameter on one tape returns the same variable.
    public func variable(for parameter: Parameter) -> Variable {
        if let id = parameterIDs[ObjectIdentifier(parameter)] {
            return Variable(value: parameter.value, tape: self, id: id)
        }
        let id = newID()
        leafIDs.append(id)
        parameterIDs[ObjectIdentifier(parameter)] = id
        boundParameters.append((id, parameter))
        return Variable(value: parameter.value, tape: self, id: id)
    }

    /// Runs `body` with recording switched off (evaluation, rendering): ops return constants.
    public func withoutRecording<Result>(_ body: () throws -> Result) rethrows -> Result {
        let previous = isRecording
        isRecording = false
        defer { isRecording = previous }
        return try body()
    }

    /// Records an operation whose outputs were computed by the caller (the primitive behind every op
    /// and behind custom operations such as the Gaussian rasteriser).
    ///
    /// - Parameters:
    ///   - inputs: the variables the outputs depend on (constants and other tapes' values are allowed
    ///     only if they carry no tape; mixing two live tapes is a programmer error).
    ///   - outputs: the forward results.
    ///   - backward: given one gradient per output (same shapes as `outputs`; zeros for outputs that
    ///     did not reach the loss), returns one gradient per input, each with that input's shape, or
    ///     nil where the input is not differentiable. Capture whatever forward state you need.
    /// - Returns: one variable per output; constants if no input is differentiable or recording is off.
    public static func record(
        inputs: [Variable], outputs: [Tensor],
        backward: @escaping (_ outputGradients: [Tensor]) -> [Tensor?]
    ) -> [Variable] {
        var owner: Tape?
        for input in inputs {
            guard let tape = input.tape else { continue }
            if let owner { precondition(owner === tape, "a computation mixes variables from two different tapes") }
            owner = tape
        }
        guard let tape = owner, tape.isRecording else { return outputs.map { Variable($0) } }
        let outputIDs = outputs.map { _ in tape.newID() }
        tape.records.append(
            Record(
                inputs: inputs.map { $0.tape == nil ? -1 : $0.id },
                outputs: outputIDs, outputShapes: outputs.map(\.shape), backward: backward))
        return zip(outputs, outputIDs).map { Variable(value: $0, tape: tape, id: $1) }
    }

    /// Single-output convenience for `record(inputs:outputs:backward:)`.
    static func record(inputs: [Variable], output: Tensor, backward: @escaping (Tensor) -> [Tensor?]) -> Variable {
        record(inputs: inputs, outputs: [output]) { backward($0[0]) }[0]
    }

    /// Back-propagates from a one-element `loss` (seed gradient 1).
    ///
    /// Gradients of parameter-bound leaves are added into `Parameter.gradient` (accumulation across
    /// several backward passes is intended: zero them with the optimiser). Gradients of plain leaves
    /// are returned. Intermediate gradients are released as soon as they are consumed.
    @discardableResult
    public func backward(from loss: Variable) -> Gradients {
        precondition(loss.value.count == 1, "backward(from:) needs a one-element loss, got shape \(loss.value.shape)")
        return backward(from: loss, seed: Tensor(shape: loss.value.shape, repeating: 1))
    }

    /// Back-propagates from any output with an explicit upstream gradient `seed` (same shape).
    @discardableResult
    public func backward(from output: Variable, seed: Tensor) -> Gradients {
        precondition(output.tape === self, "backward(from:) called on a variable of another tape (or a constant)")
        precondition(seed.shape == output.value.shape, "seed shape \(seed.shape) differs from output shape \(output.value.shape)")
        var gradients = [Tensor?](repeating: nil, count: valueCount)
        gradients[output.id] = seed
        for record in records.reversed() {
            var any = false
            for id in record.outputs where gradients[id] != nil { any = true }
            if !any { continue }
            let outputGradients = zip(record.outputs, record.outputShapes).map { id, shape in
                gradients[id] ?? Tensor(zeros: shape)
            }
            for id in record.outputs { gradients[id] = nil }
            let inputGradients = record.backward(outputGradients)
            precondition(
                inputGradients.count == record.inputs.count,
                "a backward returned \(inputGradients.count) gradients for \(record.inputs.count) inputs")
            for (id, gradient) in zip(record.inputs, inputGradients) {
                guard id >= 0, let gradient else { continue }
                if gradients[id] == nil {
                    gradients[id] = gradient
                } else {
                    precondition(
                        gradients[id]!.shape == gradient.shape,
                        "gradient shape \(gradient.shape) differs from \(gradients[id]!.shape)")
                    Kernels.addInPlace(&gradients[id]!, gradient)
                }
            }
        }
        for (id, parameter) in boundParameters {
            guard let gradient = gradients[id] else { continue }
            parameter.accumulateGradient(gradient)
        }
        var leaves: [Int: Tensor] = [:]
        for id in leafIDs { if let gradient = gradients[id] { leaves[id] = gradient } }
        return Gradients(tape: self, byID: leaves)
    }
}

/// Gradients of a tape's leaf variables after `Tape.backward(from:)`.
public struct Gradients {
    let tape: Tape
    let byID: [Int: Tensor]

    /// The gradient of `variable` (a leaf of the same tape), or nil if the loss does not depend on it.
    public subscript(_ variable: Variable) -> Tensor? {
        guard variable.tape === tape else { return nil }
        return byID[variable.id]
    }
}
