import TestSupport
import Testing

@testable import Tensors

// Central finite-difference checks, one per differentiable op (see GradientCheck.swift).

@Test func addBroadcastGradient() {
    checkGradients([randomTensor([2, 3, 4], seed: 1), randomTensor([3, 1], seed: 2)]) { $0[0] + $0[1] }
}

@Test func subtractBroadcastGradient() {
    checkGradients([randomTensor([4], seed: 3), randomTensor([2, 3, 4], seed: 4)]) { $0[0] - $0[1] }
}

@Test func multiplyBroadcastGradient() {
    checkGradients([randomTensor([2, 1, 4], seed: 5), randomTensor([3, 1], seed: 6)]) { $0[0] * $0[1] }
}

@Test func divideBroadcastGradient() {
    checkGradients([randomTensor([2, 3], seed: 7), randomTensor([3], seed: 8, low: 0.5, high: 1.5)]) { $0[0] / $0[1] }
}

@Test func scalarArithmeticGradient() {
    checkGradients([randomTensor([5], seed: 9)]) { x in (2 - x[0] * 3 + 1) / 4 - (-x[0]) }
}

@Test func matmulGradient() {
    checkGradients([randomTensor([3, 4], seed: 10), randomTensor([4, 5], seed: 11)]) { $0[0].matmul($0[1]) }
}

@Test func linearGradient() {
    checkGradients([randomTensor([6, 4], seed: 12), randomTensor([3, 4], seed: 13), randomTensor([3], seed: 14)]) {
        $0[0].linear(weight: $0[1], bias: $0[2])
    }
}

@Test func conditionedLinearGradient() {
    checkGradients([
        randomTensor([6, 4], seed: 120), randomTensor([3, 7], seed: 121), randomTensor([3], seed: 122), randomTensor([1, 3], seed: 123),
    ]) {
        $0[0].linear(weight: $0[1], bias: $0[2], condition: $0[3])
    }
}

/// A condition computed on the fly is released after the forward pass; its values must still reach
/// the weight gradient (a pointer taken in the forward pass read freed memory).
@Test func conditionedLinearGradientWithAComputedCondition() {
    checkGradients([randomTensor([6, 4], seed: 127), randomTensor([3, 7], seed: 128), randomTensor([1, 3], seed: 129)]) {
        $0[0].linear(weight: $0[1], bias: nil, condition: ($0[2] * 2 + 1).square())
    }
}

@Test func conditionedLinearGradientWithoutBias() {
    checkGradients([randomTensor([5, 2], seed: 124), randomTensor([4, 5], seed: 125), randomTensor([1, 3], seed: 126)]) {
        $0[0].linear(weight: $0[1], bias: nil, condition: $0[2])
    }
}

@Test func transposeGradient() {
    checkGradients([randomTensor([3, 5], seed: 15)]) { $0[0].transposed() * $0[0].transposed() }
}

@Test func reshapeGradient() {
    checkGradients([randomTensor([2, 6], seed: 16)]) { $0[0].reshaped([3, -1]).square() }
}

@Test func concatGradient() {
    checkGradients([randomTensor([2, 3, 2], seed: 17), randomTensor([2, 1, 2], seed: 18)]) {
        Variable.concat([$0[0], $0[1].square()], axis: 1)
    }
}

@Test func splitGradient() {
    checkGradients([randomTensor([3, 5], seed: 19)]) { x in
        let parts = x[0].split(extents: [2, 3], axis: 1)
        return parts[0].sum(axis: 1) * parts[1].square().sum(axis: 1)
    }
}

@Test func sliceGradient() {
    checkGradients([randomTensor([4, 3], seed: 20)]) { x in x[0].slice(1..<3, axis: 0).square() + x[0].slice(0..<2, axis: 0) }
    checkGradients([randomTensor([2, 5], seed: 21)]) { x in x[0].slice(1..<4, axis: 1).exp() }
}

@Test func gatherRowsGradient() {
    checkGradients([randomTensor([5, 3], seed: 22)]) { $0[0].gatherRows([4, 0, 4, 2]).square() }
}

@Test func scatterAddRowsGradient() {
    checkGradients([randomTensor([4, 2], seed: 23)]) { $0[0].scatterAddRows([1, 0, 1, 3], rowCount: 5).square() }
}

@Test func exponentialAndLogarithmGradients() {
    checkGradients([randomTensor([7], seed: 24)]) { $0[0].exp() }
    checkGradients([randomTensor([7], seed: 25, low: 0.5, high: 2)]) { $0[0].log() }
}

@Test func sigmoidTanhGradients() {
    checkGradients([randomTensor([7], seed: 26, low: -3, high: 3)]) { $0[0].sigmoid() }
    checkGradients([randomTensor([7], seed: 27, low: -2, high: 2)]) { $0[0].tanh() }
}

@Test func reluFamilyGradients() {
    checkGradients([randomTensorAwayFromZero([9], seed: 28)]) { $0[0].relu() }
    checkGradients([randomTensorAwayFromZero([9], seed: 29)]) { $0[0].leakyReLU(slope: 0.2) }
    checkGradients([randomTensor([9], seed: 30, low: -4, high: 4)]) { $0[0].softplus() }
}

@Test func trigonometricGradients() {
    checkGradients([randomTensor([7], seed: 31, low: -3, high: 3)]) { $0[0].sin() }
    checkGradients([randomTensor([7], seed: 32, low: -3, high: 3)]) { $0[0].cos() }
}

@Test func absSquareRootClampGradients() {
    checkGradients([randomTensorAwayFromZero([9], seed: 33)]) { $0[0].abs() }
    checkGradients([randomTensor([9], seed: 34)]) { $0[0].square() }
    checkGradients([randomTensor([9], seed: 35, low: 0.5, high: 2)]) { $0[0].squareRoot() }
    checkGradients([randomTensor([9], seed: 36).map { abs($0 - 0.5) < 0.05 || abs($0 + 0.5) < 0.05 ? 0 : $0 }]) {
        $0[0].clamped(lower: -0.5, upper: 0.5)
    }
}

@Test func selectGradient() {
    let condition = Tensor(shape: [6], scalars: [1, 0, 0, 1, 1, 0])
    checkGradients([randomTensor([6], seed: 37), randomTensor([6], seed: 38)]) { Variable.select(condition, $0[0].square(), $0[1]) }
}

@Test func sumAndMeanGradients() {
    checkGradients([randomTensor([3, 4], seed: 39)]) { $0[0].square().sum() }
    checkGradients([randomTensor([3, 4], seed: 40)]) { $0[0].square().mean() }
    checkGradients([randomTensor([2, 3, 4], seed: 41)]) { $0[0].square().sum(axis: 1) }
    checkGradients([randomTensor([2, 3, 4], seed: 42)]) { $0[0].square().mean(axis: -1, keepingAxis: true) }
}

@Test func normGradients() {
    checkGradients([randomTensor([3, 4], seed: 43)]) { $0[0].norm() }
    checkGradients([randomTensor([5, 3], seed: 44)]) { $0[0].norm(axis: 1) }
    checkGradients([randomTensor([2, 3, 2], seed: 45)]) { $0[0].norm(axis: 0, keepingAxis: true) }
}

@Test func conv2dThreeByThreeGradient() {
    checkGradients(
        [randomTensor([2, 3, 5, 6], seed: 46), randomTensor([4, 3, 3, 3], seed: 47), randomTensor([4], seed: 48)],
        maximumChecksPerInput: 40
    ) {
        $0[0].conv2d(weight: $0[1], bias: $0[2], padding: 1)
    }
}

@Test func conv2dOfOneImageGradient() {
    // One image: the backward reads the forward's patch matrix instead of rebuilding it.
    checkGradients(
        [randomTensor([1, 3, 5, 6], seed: 54), randomTensor([4, 3, 3, 3], seed: 55), randomTensor([4], seed: 56)],
        maximumChecksPerInput: 40
    ) {
        $0[0].conv2d(weight: $0[1], bias: $0[2], padding: 1)
    }
}

@Test func conv2dBackwardRunTwiceOnOneTapeAddsTheSameWeightGradientTwice() {
    let weight = Parameter(randomTensor([4, 3, 3, 3], seed: 57))
    let tape = Tape()
    let image = tape.variable(randomTensor([1, 3, 5, 6], seed: 58))
    let loss = (image.conv2d(weight: weight.variable(on: tape), bias: nil, padding: 1) * Variable(randomTensor([1, 4, 5, 6], seed: 59))).sum()
    tape.backward(from: loss)
    let once = weight.gradient!.scalars
    tape.backward(from: loss)
    let twice = weight.gradient!.scalars
    #expect(zip(once, twice).allSatisfy { Swift.abs(2 * $0 - $1) <= 1e-5 * Swift.max(1, Swift.abs($1)) })
}

@Test func conv2dUnpaddedAndPointwiseGradients() {
    checkGradients([randomTensor([1, 2, 5, 5], seed: 49), randomTensor([3, 2, 3, 3], seed: 50)]) {
        $0[0].conv2d(weight: $0[1], bias: nil, padding: 0)
    }
    checkGradients([randomTensor([2, 3, 4, 4], seed: 51), randomTensor([2, 3, 1, 1], seed: 52), randomTensor([2], seed: 53)]) {
        $0[0].conv2d(weight: $0[1], bias: $0[2], padding: 0)
    }
}

@Test func bilinearUpsamplingGradient() {
    checkGradients([randomTensor([1, 2, 3, 4], seed: 54)]) { $0[0].upsampledBilinear() }
    checkGradients([randomTensor([1, 1, 3, 3], seed: 55)]) { $0[0].upsampledBilinear(alignCorners: true) }
}

@Test func pixelShuffleGradient() {
    checkGradients([randomTensor([2, 8, 2, 3], seed: 56)]) { $0[0].pixelShuffled(factor: 2).square() }
}

@Test func instanceNormGradient() {
    checkGradients([randomTensor([2, 2, 3, 4], seed: 57)]) { $0[0].instanceNormalized() }
}

@Test func quaternionRotationGradient() {
    checkGradients([randomTensor([5, 4], seed: 58)]) { $0[0].quaternionToRotationMatrix() }
}

@Test func separableFilterGradient() {
    checkGradients([randomTensor([2, 6, 7], seed: 59)]) { $0[0].separableFilterValid(kernel: [0.25, 0.5, 0.25]) }
}

@Test func meshLaplacianGradient() throws {
    let laplacian = try MeshLaplacian(vertexCount: 5, triangleIndices: [0, 1, 2, 0, 2, 3, 0, 3, 4])
    checkGradients([randomTensor([5, 3], seed: 60)]) { laplacian.apply(to: $0[0]) }
}

@Test func positionalEncodingGradient() {
    checkGradients([randomTensor([4, 3], seed: 61)]) { PositionalEncoding(frequencies: 3)($0[0]) }
}

@Test func vectorisedUnaryGradients() {
    // 40 elements: the SIMD16 path handles the first 32, the scalar tail the rest.
    checkGradients([randomTensor([40], seed: 62, low: -3, high: 3)]) { $0[0].exp() }
    checkGradients([randomTensor([40], seed: 63, low: -3, high: 3)]) { $0[0].tanh() }
    checkGradients([randomTensor([40], seed: 64, low: -4, high: 4)]) { $0[0].sigmoid() }
    checkGradients([randomTensorAwayFromZero([40], seed: 65)]) { $0[0].leakyReLU(slope: 0.1) * 2 - 1 }
}

@Test func permuteGradient() {
    checkGradients([randomTensor([2, 3, 4], seed: 66)]) { $0[0].permuted([2, 0, 1]).square() }
}
