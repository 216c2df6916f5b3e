import Tensors
import Testing

/// How close an analytic derivative a must be to its central finite difference n.
public enum GradientTolerance: Sendable {
    /// |a − n| ≤ absolute + relative·|n|.
    case absoluteAndRelative(absolute: Double, relative: Double)
    /// |a − n| ≤ tolerance·max(1, |n|): absolute for small derivatives, relative for large ones.
    case relativeAboveOne(Double)

    func accepts(analytic: Double, numeric: Double) -> Bool {
        switch self {
        case .absoluteAndRelative(let absolute, let relative): return Swift.abs(analytic - numeric) <= absolute + relative * Swift.abs(numeric)
        case .relativeAboveOne(let tolerance): return Swift.abs(numeric - analytic) <= tolerance * max(1, Swift.abs(numeric))
        }
    }
}

/// The distribution of the fixed random weights W that turn the outputs into the checked scalar.
public enum ProbeWeights: Sendable {
    /// Uniform in [−1, 1) (`Tensor.uniform`).
    case uniform
    /// Standard normal (`Tensor.normal`).
    case normal
}

/// Checks the tape gradients of `function` with respect to each input against central finite
/// differences.
///
/// The scalar checked is L = Σₖ ⟨outputₖ, Wₖ⟩ with fixed random weights Wₖ (seeded, drawn in
/// output order), so every output element matters; the numeric side evaluates L in Double from the
/// Float32 outputs. Input elements are stepped by ±`step` (every element, or every
/// ⌊count / maximumChecksPerInput⌋-th one) and (L₊ − L₋) / 2·step is compared with the analytic
/// derivative under `tolerance`. A missing gradient fails the check (and throws) when
/// `requireGradients`, else counts as zero.
public func expectGradientsMatchFiniteDifferences(
    inputs: [Tensor], step: Float, tolerance: GradientTolerance,
    weights distribution: ProbeWeights = .normal, seed: UInt64 = 99,
    maximumChecksPerInput: Int = .max, requireGradients: Bool = true,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ function: ([Variable]) -> [Variable]
) throws {
    var generator = SplitMix64(seed: seed)
    let weights = function(inputs.map { Variable($0) }).map { output -> Tensor in
        switch distribution {
        case .uniform: return Tensor.uniform(shape: output.shape, low: -1, high: 1, generator: &generator)
        case .normal: return Tensor.normal(shape: output.shape, generator: &generator)
        }
    }
    func loss(_ values: [Tensor]) -> Double {
        zip(function(values.map { Variable($0) }), weights).reduce(0) { total, pair in
            (0..<pair.1.count).reduce(total) { $0 + Double(pair.0.value[flat: $1]) * Double(pair.1[flat: $1]) }
        }
    }
    let tape = Tape()
    let variables = inputs.map { tape.variable($0) }
    let total = zip(function(variables), weights).map { ($0.0 * Variable($0.1)).sum() }.reduce(Variable(Tensor(0))) { $0 + $1 }
    let gradients = tape.backward(from: total)
    for which in inputs.indices {
        let analytic: Tensor
        if requireGradients {
            analytic = try #require(gradients[variables[which]], "no gradient for input \(which)", sourceLocation: sourceLocation)
        } else {
            analytic = gradients[variables[which]] ?? Tensor(zeros: inputs[which].shape)
        }
        #expect(analytic.shape == inputs[which].shape, "gradient shape for input \(which)", sourceLocation: sourceLocation)
        let stride = max(1, inputs[which].count / maximumChecksPerInput)
        var i = 0
        while i < inputs[which].count {
            var plus = inputs, minus = inputs
            plus[which].withUnsafeMutableBufferPointer { $0[i] += step }
            minus[which].withUnsafeMutableBufferPointer { $0[i] -= step }
            let numeric = (loss(plus) - loss(minus)) / Double(2 * step)
            let value = Double(analytic[flat: i])
            #expect(
                tolerance.accepts(analytic: value, numeric: numeric),
                "input \(which) element \(i): analytic \(value) vs numeric \(numeric)", sourceLocation: sourceLocation)
            i += stride
        }
    }
}

/// `expectGradientsMatchFiniteDifferences` with standard normal weights, every element checked
/// and |numeric − analytic| ≤ `tolerance`·max(1, |numeric|) (the avatar networks' and transforms' checks).
public func expectGradientsMatchFiniteDifferences(
    inputs: [Tensor], step: Float, tolerance: Double, seed: UInt64 = 99,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ function: ([Variable]) -> [Variable]
) throws {
    try expectGradientsMatchFiniteDifferences(
        inputs: inputs, step: step, tolerance: .relativeAboveOne(tolerance), weights: .normal, seed: seed,
        sourceLocation: sourceLocation, function)
}

/// Central finite-difference check of a single-output operation (the Tensors operations' checks):
/// L = Σ f(x)·R with R uniform in [−1, 1) (seed 99), at most `maximumChecksPerInput` evenly
/// strided elements per input, |a − n| ≤ `absolute` + `relative`·|n|; a missing gradient counts as zero.
public func checkGradients(
    _ inputs: [Tensor], step h: Float = 1e-3, absolute: Double = 2e-3, relative: Double = 2e-2,
    maximumChecksPerInput: Int = 48, sourceLocation: SourceLocation = #_sourceLocation,
    _ f: ([Variable]) -> Variable
) {
    do {
        try expectGradientsMatchFiniteDifferences(
            inputs: inputs, step: h, tolerance: .absoluteAndRelative(absolute: absolute, relative: relative),
            weights: .uniform, seed: 99, maximumChecksPerInput: maximumChecksPerInput,
            requireGradients: false, sourceLocation: sourceLocation
        ) { [f($0)] }
    } catch {
        Issue.record(error, sourceLocation: sourceLocation)
    }
}

/// Central finite-difference check of parameter gradients: `loss(tape)` must build a scalar with the
/// parameters joined to `tape` (analytic pass) or as constants when `tape` is nil (numeric passes).
/// At most `maximumChecksPerParameter` evenly strided elements per parameter are stepped by ±h;
/// |a − n| ≤ `absolute` + `relative`·|n|.
public func checkParameterGradients(
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
                Swift.abs(value - numeric) <= absolute + relative * Swift.abs(numeric),
                "parameter \(index) element \(element): analytic \(value) vs numeric \(numeric)", sourceLocation: sourceLocation)
            element += stride
        }
    }
}

/// A deterministic tensor of the given shape with values uniform in [low, high) (SplitMix64 with `seed`).
public func randomTensor(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
    var generator = SplitMix64(seed: seed)
    return Tensor.uniform(shape: shape, low: low, high: high, generator: &generator)
}

/// A deterministic tensor whose values avoid a band around zero (for kinks such as relu and abs):
/// `randomTensor` values moved 0.1 away from zero.
public func randomTensorAwayFromZero(_ shape: [Int], seed: UInt64) -> Tensor {
    randomTensor(shape, seed: seed).map { $0 >= 0 ? $0 + 0.1 : $0 - 0.1 }
}
