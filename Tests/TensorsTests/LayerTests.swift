import TestSupport
import Testing

@testable import Tensors

@Test func mlpNamesParametersAndWidensTheSkipLayer() {
    var generator = SplitMix64(seed: 1)
    let mlp = MLP(widths: [27, 64, 64, 64, 3], inputSkipLayers: [2], generator: &generator)
    #expect(
        mlp.namedParameters.map(\.name) == [
            "layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias",
            "layers.2.weight", "layers.2.bias", "layers.3.weight", "layers.3.bias",
        ])
    #expect(mlp.layers[2].inputs == 64 + 27)
    let output = mlp(Variable(randomTensor([5, 27], seed: 2)), on: nil)
    #expect(output.shape == [5, 3])
}

@Test func zeroLastLayerGivesScaledFinalActivationOfZero() {
    var generator = SplitMix64(seed: 2)
    let mlp = MLP(widths: [3, 16, 2], finalActivation: .sigmoid, outputScale: 0.3, zeroLastLayer: true, generator: &generator)
    #expect(mlp(Variable(randomTensor([4, 3], seed: 3)), on: nil).value.scalars.allSatisfy { abs($0 - 0.15) < 1e-7 })
}

@Test func kaimingNormalHasTheExpectedSpread() {
    var generator = SplitMix64(seed: 3)
    let layer = Linear(inputs: 200, outputs: 300, initialization: .kaimingNormal, activation: .relu, generator: &generator)
    let values = layer.weight.value.scalars
    let variance = values.reduce(0) { $0 + $1 * $1 } / Float(values.count)
    #expect(abs(variance - 2.0 / 200) < 0.001)
}

@Test func xavierUniformStaysInBound() {
    var generator = SplitMix64(seed: 4)
    let layer = Linear(inputs: 30, outputs: 20, initialization: .xavierUniform, generator: &generator)
    let bound = (6.0 / 50.0).squareRoot()
    #expect(layer.weight.value.scalars.allSatisfy { abs(Double($0)) <= bound })
}

@Test func mlpParameterGradientsMatchFiniteDifferences() {
    var generator = SplitMix64(seed: 5)
    let mlp = MLP(
        widths: [3, 6, 6, 2], activation: .tanh, finalActivation: .sigmoid, outputScale: 2, inputSkipLayers: [1],
        generator: &generator)
    for layer in mlp.layers { layer.bias?.value = randomTensor(layer.bias!.shape, seed: 6) }
    let x = Variable(randomTensor([4, 3], seed: 7)), projection = Variable(randomTensor([4, 2], seed: 8))
    checkParameterGradients(mlp.parameters) { tape in (mlp(x, on: tape) * projection).sum() }
}

@Test func mlpInputGradientMatchesFiniteDifferences() {
    var generator = SplitMix64(seed: 9)
    let mlp = MLP(widths: [3, 5, 5, 2], activation: .softplus, finalActivation: .tanh, inputSkipLayers: [2], generator: &generator)
    checkGradients([randomTensor([4, 3], seed: 10)]) { mlp($0[0], on: nil) }
}

@Test func conditionedLinearEqualsTheLinearMapOfTheRepeatedConditionRows() {
    let x = randomTensor([37, 5], seed: 130), weight = randomTensor([9, 8], seed: 131), bias = randomTensor([9], seed: 132)
    let condition = randomTensor([1, 3], seed: 133)
    let repeated = Variable.concat([Variable(x), Variable(condition).gatherRows([Int32](repeating: 0, count: 37))], axis: 1)
    let expected = repeated.linear(weight: Variable(weight), bias: Variable(bias)).value.scalars
    let actual = Variable(x).linear(weight: Variable(weight), bias: Variable(bias), condition: Variable(condition)).value.scalars
    #expect(zip(actual, expected).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) })
}

/// The conditioned call must be the same network as the call on `[x, c repeated]`: same outputs
/// and the same parameter and condition gradients (the skip layer sees `[hidden, x, c]`).
@Test func mlpWithAConditionRowEqualsTheMLPOfTheRepeatedRowsInValueAndGradients() {
    var generator = SplitMix64(seed: 134)
    let mlp = MLP(widths: [7, 6, 6, 6, 6, 2], inputSkipLayers: [3], generator: &generator)
    for layer in mlp.layers { layer.bias?.value = randomTensor(layer.bias!.shape, seed: 135) }
    let x = randomTensor([40, 4], seed: 136), condition = randomTensor([1, 3], seed: 137), weights = randomTensor([40, 2], seed: 138)
    func run(conditioned: Bool) -> (output: [Float], gradients: [[Float]]) {
        for parameter in mlp.parameters { parameter.zeroGradient() }
        let tape = Tape()
        let c = tape.variable(condition)
        let output =
            conditioned
            ? mlp(Variable(x), condition: c, on: tape)
            : mlp(Variable.concat([Variable(x), c.gatherRows([Int32](repeating: 0, count: 40))], axis: 1), on: tape)
        let gradients = tape.backward(from: (output * Variable(weights)).sum())
        return (output.value.scalars, mlp.parameters.map { $0.gradient!.scalars } + [gradients[c]!.scalars])
    }
    let plain = run(conditioned: false), conditioned = run(conditioned: true)
    func close(_ a: [Float], _ b: [Float]) -> Bool { a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($1)) } }
    #expect(close(conditioned.output, plain.output))
    #expect(plain.gradients.count == conditioned.gradients.count)
    for (a, b) in zip(conditioned.gradients, plain.gradients) { #expect(close(a, b)) }
}

@Test func conv2dLayerParameterGradientsMatchFiniteDifferences() {
    var generator = SplitMix64(seed: 11)
    let conv = Conv2d(inputChannels: 2, outputChannels: 3, kernelSize: 3, generator: &generator)
    conv.bias?.value = randomTensor([3], seed: 12)
    let x = Variable(randomTensor([2, 2, 5, 4], seed: 13)), projection = Variable(randomTensor([2, 3, 5, 4], seed: 14))
    checkParameterGradients(conv.parameters) { tape in (conv(x, on: tape) * projection).sum() }
}

@Test func doubleConvKeepsSpatialSizeAndHasNoBiasWithNorm() {
    var generator = SplitMix64(seed: 7)
    let block = DoubleConv(inputChannels: 3, outputChannels: 8, generator: &generator)
    #expect(block.namedParameters.map(\.name) == ["first.weight", "second.weight"])
    #expect(block(Variable(randomTensor([2, 3, 9, 7], seed: 8)), on: nil).shape == [2, 8, 9, 7])
}

@Test func doubleConvGradientMatchesFiniteDifferences() {
    var generator = SplitMix64(seed: 9)
    let block = DoubleConv(inputChannels: 2, outputChannels: 3, instanceNormalization: true, activation: .tanh, generator: &generator)
    checkGradients([randomTensor([1, 2, 5, 6], seed: 10)]) { block($0[0], on: nil) }
}
