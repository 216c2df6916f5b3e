import Testing

@testable import Tensors

/// Central finite-difference gradient check.
///
/// The scalar checked is L = Σ f(x)·R with a fixed random R (so every output element matters),
/// evaluated in Double from the Float32 outputs. Each checked input element is perturbed by ±h;
/// analytic and numeric derivatives must agree within `absolute + relative·|numeric|`.
func checkGradients(
    _ inputs: [Tensor], step h: Float = 1e-3, absolute: Double = 2e-3, relative: Double = 2e-2,
    maximumChecksPerInput: Int = 48, sourceLocation: SourceLocation = #_sourceLocation,
    _ f: ([Variable]) -> Variable
) {
    var generator = SplitMix64(seed: 99)
    let probe = f(inputs.map { Variable($0) }).value
    let projection = Tensor.uniform(shape: probe.shape, low: -1, high: 1, generator: &generator)

    func objective(_ values: [Tensor]) -> Double {
        let output = f(values.map { Variable($0) }).value
        var total = 0.0
        for i in 0..<output.count { total += Double(output[flat: i]) * Double(projection[flat: i]) }
        return total
    }

    let tape = Tape()
    let variables = inputs.map { tape.variable($0) }
    let output = f(variables)
    let loss = (output * Variable(projection)).sum()
    let gradients = tape.backward(from: loss)

    for (index, input) in inputs.enumerated() {
        let analytic = gradients[variables[index]] ?? Tensor(zeros: input.shape)
        #expect(analytic.shape == input.shape, "gradient shape for input \(index)", sourceLocation: sourceLocation)
        let stride = max(1, input.count / maximumChecksPerInput)
        var element = 0
        while element < input.count {
            var plus = inputs, minus = inputs
            plus[index][flat: element] += h
            minus[index][flat: element] -= h
            let numeric = (objective(plus) - objective(minus)) / (2 * Double(h))
            let value = Double(analytic[flat: element])
            #expect(
                abs(value - numeric) <= absolute + relative * abs(numeric),
                "input \(index) element \(element): analytic \(value) vs numeric \(numeric)", sourceLocation: sourceLocation)
            element += stride
        }
    }
}

/// A deterministic tensor of the given shape with values in [low, high).
func randomTensor(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
    var generator = SplitMix64(seed: seed)
    return Tensor.uniform(shape: shape, low: low, high: high, generator: &generator)
}

/// A deterministic tensor whose values avoid a band around zero (for kinks such as relu and abs).
func randomTensorAwayFromZero(_ shape: [Int], seed: UInt64) -> Tensor {
    randomTensor(shape, seed: seed).map { $0 >= 0 ? $0 + 0.1 : $0 - 0.1 }
}

/// Central finite-difference check of parameter gradients: `loss(tape)` must build a scalar with the
/// parameters joined to `tape` (analytic pass) or as constants when `tape` is nil (numeric passes).
func checkParameterGradients(
    _ parameters: [Parameter], step h: Float = 1e-3, absolute: Double = 2e-3, relative: Double = 2e-2,
    maximumChecksPerParameter: Int = 24, sourceLocation: SourceLocation = #_sourceLocation,
    _ loss: (Tape?) -> Variable
) {
    for parameter in parameters { parameter.zeroGradient() }
    let tape = Tape()
    tape.backward(from: loss(tape))
    for (index, parameter) in parameters.enumerated() {
        let analytic = parameter.gradient ?? Tensor(zeros: parameter.shape)
        let stride = max(1, parameter.value.count / maximumChecksPerParameter)
        var element = 0
        while element < parameter.value.count {
            let original = parameter.value[flat: element]
            parameter.value[flat: element] = original + h
            let plus = Double(loss(nil).value.scalar)
            parameter.value[flat: element] = original - h
            let minus = Double(loss(nil).value.scalar)
            parameter.value[flat: element] = original
            let numeric = (plus - minus) / (2 * Double(h))
            let value = Double(analytic[flat: element])
            #expect(
                abs(value - numeric) <= absolute + relative * abs(numeric),
                "parameter \(index) element \(element): analytic \(value) vs numeric \(numeric)", sourceLocation: sourceLocation)
            element += stride
        }
    }
}
