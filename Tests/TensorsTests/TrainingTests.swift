import Foundation
import Testing

@testable import Tensors

@Test func mlpFitsAKnownFunction() {
    // f(x, y) = sin(2x)·cos(3y) on [-1, 1]²; train on 512 points, evaluate on 256 others.
    func samples(_ count: Int, seed: UInt64) -> (inputs: Tensor, targets: Tensor) {
        let inputs = randomTensor([count, 2], seed: seed)
        let targets = Tensor(shape: [count, 1]) { i in sin(2 * inputs[i, 0]) * cos(3 * inputs[i, 1]) }
        return (inputs, targets)
    }
    let train = samples(512, seed: 1), test = samples(256, seed: 2)
    var generator = SplitMix64(seed: 3)
    let mlp = MLP(
        widths: [2, 64, 64, 64, 1], activation: .tanh, inputSkipLayers: [2], initialization: .xavierUniform,
        generator: &generator)
    let adam = Adam(groups: [
        .init(
            name: "mlp", parameters: mlp.parameters, learningRate: 3e-3,
            schedule: .exponential(gamma: 0.999))
    ])
    for _ in 0..<1500 {
        adam.zeroGradients()
        let tape = Tape()
        tape.backward(from: Losses.l2(mlp(Variable(train.inputs), on: tape), Variable(train.targets)))
        adam.step()
    }
    let variance = Losses.l2(Variable(test.targets), Variable(Tensor(zeros: [256, 1]))).value.scalar
    let error = Losses.l2(mlp(Variable(test.inputs), on: nil), Variable(test.targets)).value.scalar
    #expect(error < 0.01 * variance, "held-out MSE \(error) vs target variance \(variance)")
}

@Test func smallConvNetOverfitsAnImage() {
    // Decoder in the shape of the SR network: DoubleConv → bilinear ×2 → conv 3×3 → conv 1×1 → sigmoid.
    let target = structuredImage(channels: 3, height: 16, width: 16, seed: 4).reshaped([1, 3, 16, 16])
    var generator = SplitMix64(seed: 5)
    let code = Tensor.normal(shape: [1, 8, 8, 8], generator: &generator)
    let block = DoubleConv(inputChannels: 8, outputChannels: 16, generator: &generator)
    let refine = Conv2d(inputChannels: 16, outputChannels: 16, kernelSize: 3, activation: .leakyReLU(slope: 0.2), generator: &generator)
    let toRGB = Conv2d(inputChannels: 16, outputChannels: 3, kernelSize: 1, initialization: .xavierUniform, generator: &generator)
    let parameters = block.parameters + refine.parameters + toRGB.parameters
    let adam = Adam(groups: [.init(name: "decoder", parameters: parameters, learningRate: 1e-2)])
    func render(_ tape: Tape?) -> Variable {
        let features = block(Variable(code), on: tape).upsampledBilinear()
        return toRGB(refine(features, on: tape).leakyReLU(slope: 0.2), on: tape).sigmoid()
    }
    let initial = Losses.l2(render(nil), Variable(target)).value.scalar
    for _ in 0..<300 {
        adam.zeroGradients()
        let tape = Tape()
        let image = render(tape)
        let loss = Losses.l1(image, Variable(target)) * 0.8 + Losses.structuralDissimilarity(image, Variable(target)) * 0.2
        tape.backward(from: loss)
        adam.step()
    }
    let error = Losses.l2(render(nil), Variable(target)).value.scalar
    let psnr = -10 * log10(error)
    #expect(psnr > 30, "PSNR \(psnr) dB after training (initial MSE \(initial))")
}
