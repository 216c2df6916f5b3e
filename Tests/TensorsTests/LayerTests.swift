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
