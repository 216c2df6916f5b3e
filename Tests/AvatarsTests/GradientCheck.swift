import Tensors
import Testing

/// Checks the tape gradients of `function` against central finite differences.
///
/// The scalar checked is Σₖ ⟨outputₖ, Wₖ⟩ with fixed random weights Wₖ, so every output element
/// contributes. Each input element is stepped by ±`step`; an element passes when
/// |numeric − analytic| ≤ `tolerance`·max(1, |numeric|).
func expectGradientsMatchFiniteDifferences(
    inputs: [Tensor], step: Float, tolerance: Double, seed: UInt64 = 99,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ function: ([Variable]) -> [Variable]
) throws {
    var rng = Tensors.SplitMix64(seed: seed)
    let weights = function(inputs.map { Variable($0) }).map { Tensor.normal(shape: $0.shape, generator: &rng) }
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
        let analytic = try #require(gradients[variables[which]], "no gradient for input \(which)", sourceLocation: sourceLocation)
        for i in 0..<inputs[which].count {
            var plus = inputs, minus = inputs
            plus[which].withUnsafeMutableBufferPointer { $0[i] += step }
            minus[which].withUnsafeMutableBufferPointer { $0[i] -= step }
            let numeric = (loss(plus) - loss(minus)) / Double(2 * step)
            let value = Double(analytic[flat: i])
            #expect(
                Swift.abs(numeric - value) <= tolerance * max(1, Swift.abs(numeric)),
                "input \(which) element \(i): analytic \(value), numeric \(numeric)", sourceLocation: sourceLocation)
        }
    }
}
