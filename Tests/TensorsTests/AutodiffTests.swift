import Testing

@testable import Tensors

@Test func backwardOfProductGivesOtherFactor() throws {
    let tape = Tape()
    let x = tape.variable(Tensor(shape: [3], scalars: [1, 2, 3]))
    let y = tape.variable(Tensor(shape: [3], scalars: [4, 5, 6]))
    let gradients = tape.backward(from: (x * y).sum())
    #expect(try #require(gradients[x]).scalars == [4, 5, 6])
    #expect(try #require(gradients[y]).scalars == [1, 2, 3])
}

@Test func reusedVariableAccumulatesGradient() throws {
    let tape = Tape()
    let x = tape.variable(Tensor(shape: [2], scalars: [3, -1]))
    let gradients = tape.backward(from: (x * x + x * 2).sum())
    #expect(try #require(gradients[x]).scalars == [8, 0])
}

@Test func parameterGradientsAccumulateAcrossTapes() throws {
    let parameter = Parameter(Tensor(shape: [2], scalars: [1, 2]))
    for _ in 0..<2 {
        let tape = Tape()
        tape.backward(from: (tape.variable(for: parameter) * 3).sum())
    }
    #expect(try #require(parameter.gradient).scalars == [6, 6])
    parameter.zeroGradient()
    #expect(parameter.gradient == nil)
}

@Test func withoutRecordingProducesConstants() {
    let tape = Tape()
    let x = tape.variable(Tensor(shape: [2], scalars: [1, 2]))
    let y = tape.withoutRecording { (x * x).exp() }
    #expect(!y.isDifferentiable)
    #expect(tape.recordCount == 0)
    let z = x * x
    #expect(z.isDifferentiable)
    #expect(tape.recordCount == 1)
}

@Test func constantsRecordNothing() {
    let a = Variable(Tensor(shape: [2], scalars: [1, 2]))
    let b = (a * a).sum()
    #expect(!b.isDifferentiable)
    #expect(b.value.scalar == 5)
}

/// y0 = a·b, y1 = a + b, written as a hand-made two-output operation.
struct ProductAndSum: DifferentiableFunction {
    func forward(_ inputs: [Tensor]) throws -> (outputs: [Tensor], context: Int) {
        let a = inputs[0].scalars, b = inputs[1].scalars
        return (
            [
                Tensor(shape: inputs[0].shape, scalars: zip(a, b).map(*)),
                Tensor(shape: inputs[0].shape, scalars: zip(a, b).map(+)),
            ], a.count
        )
    }

    func backward(context: Int, inputs: [Tensor], outputs: [Tensor], outputGradients: [Tensor]) -> [Tensor?] {
        let a = inputs[0].scalars, b = inputs[1].scalars
        let g0 = outputGradients[0].scalars, g1 = outputGradients[1].scalars
        let ga = (0..<context).map { g0[$0] * b[$0] + g1[$0] }
        let gb = (0..<context).map { g0[$0] * a[$0] + g1[$0] }
        return [Tensor(shape: inputs[0].shape, scalars: ga), Tensor(shape: inputs[1].shape, scalars: gb)]
    }
}

@Test func customMultiOutputOperationMatchesFiniteDifferences() {
    checkGradients([randomTensor([5], seed: 1), randomTensor([5], seed: 2)]) { inputs in
        let outputs = try! ProductAndSum().apply(to: inputs)
        return outputs[0] * 2 + outputs[1].square()
    }
}

@Test func customOperationGetsZeroGradientForUnusedOutput() throws {
    let tape = Tape()
    let a = tape.variable(Tensor(shape: [2], scalars: [1, 2]))
    let b = tape.variable(Tensor(shape: [2], scalars: [3, 4]))
    let outputs = try ProductAndSum().apply(to: [a, b])
    let gradients = tape.backward(from: outputs[1].sum())
    #expect(try #require(gradients[a]).scalars == [1, 1])
}

@Test func gradientCheckRejectsAWrongBackward() {
    // x² with a backward of 2.1·x: the finite-difference checker must flag it.
    withKnownIssue {
        checkGradients([randomTensor([6], seed: 3)]) { inputs in
            let x = inputs[0].value
            return Tape.record(inputs: inputs, output: x.map { $0 * $0 }) { g in
                [Kernels.zip(g, x) { $0 * 2.1 * $1 }]
            }
        }
    }
}
