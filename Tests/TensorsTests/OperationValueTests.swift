import Foundation
import TestSupport
import Testing

@testable import Tensors

@Test func broadcastingAddsRowsAndColumns() {
    let a = Variable(Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]))
    #expect((a + Variable(Tensor(shape: [3], scalars: [10, 20, 30]))).value.scalars == [11, 22, 33, 14, 25, 36])
    #expect((a * Variable(Tensor(shape: [2, 1], scalars: [2, 3]))).value.scalars == [2, 4, 6, 12, 15, 18])
    #expect(
        (Variable(Tensor(shape: [2, 1], scalars: [1, 2])) + Variable(Tensor(shape: [1, 3], scalars: [0, 10, 20]))).value.scalars
            == [1, 11, 21, 2, 12, 22])
}

@Test func matmulMatchesNaiveProductAtParallelSize() {
    let a = randomTensor([300, 70], seed: 1), b = randomTensor([70, 90], seed: 2)
    let product = Variable(a).matmul(Variable(b)).value
    var worst: Float = 0
    for i in stride(from: 0, to: 300, by: 37) {
        for j in stride(from: 0, to: 90, by: 11) {
            var s: Float = 0
            for k in 0..<70 { s += a[i, k] * b[k, j] }
            worst = max(worst, abs(s - product[i, j]))
        }
    }
    #expect(worst < 1e-4)
    let wide = Variable(randomTensor([8, 70], seed: 3)).matmul(Variable(randomTensor([70, 5000], seed: 4))).value
    var s: Float = 0
    for k in 0..<70 { s += randomTensor([8, 70], seed: 3)[7, k] * randomTensor([70, 5000], seed: 4)[k, 4999] }
    #expect(abs(wide[7, 4999] - s) < 1e-4)
}

@Test func matrixProductHonoursBothTransposesAtParallelSize() {
    let a = randomTensor([300, 70], seed: 5), b = randomTensor([70, 90], seed: 6)
    let reference = Variable(a).matmul(Variable(b)).value
    let at = Variable(a).transposed().value, bt = Variable(b).transposed().value
    for (left, transposeA) in [(a, false), (at, true)] {
        for (right, transposeB) in [(b, false), (bt, true)] {
            let product = Tensor.matrixProduct(left, transposeA: transposeA, right, transposeB: transposeB)
            #expect(product.shape == [300, 90])
            let worst = zip(product.scalars, reference.scalars).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst < 1e-4, "transposeA \(transposeA), transposeB \(transposeB)")
        }
    }
}

@Test func bilinearUpsamplingMatchesPyTorchAlignCornersFalse() {
    // torch.nn.functional.interpolate(tensor([[[[1., 2.], [3., 4.]]]]), scale_factor=2, mode='bilinear', align_corners=False)
    let x = Variable(Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4]))
    #expect(x.upsampledBilinear().value.scalars == [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4])
}

@Test func bilinearUpsamplingAlignCornersTrueKeepsCorners() {
    let x = Variable(Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4]))
    let y = x.upsampledBilinear(alignCorners: true).value
    #expect(y[0, 0, 0, 0] == 1 && y[0, 0, 0, 3] == 2 && y[0, 0, 3, 0] == 3 && y[0, 0, 3, 3] == 4)
    #expect(abs(y[0, 0, 0, 1] - (1 + 1.0 / 3)) < 1e-6)
}

@Test func pixelShuffleMatchesPyTorchLayout() {
    // torch.pixel_shuffle(torch.arange(8.).reshape(1, 4, 1, 2), 2)
    let x = Variable(Tensor(shape: [1, 4, 1, 2], scalars: (0..<8).map(Float.init)))
    let y = x.pixelShuffled(factor: 2).value
    #expect(y.shape == [1, 1, 2, 4])
    #expect(y.scalars == [0, 2, 1, 3, 4, 6, 5, 7])
}

@Test func conv2dMatchesDirectConvolution() {
    let x = randomTensor([2, 3, 6, 5], seed: 5), w = randomTensor([4, 3, 3, 3], seed: 6), b = randomTensor([4], seed: 7)
    let y = Variable(x).conv2d(weight: Variable(w), bias: Variable(b), padding: 1).value
    #expect(y.shape == [2, 4, 6, 5])
    var worst: Float = 0
    for n in 0..<2 {
        for o in 0..<4 {
            for i in 0..<6 {
                for j in 0..<5 {
                    var s = b[o]
                    for c in 0..<3 {
                        for ky in 0..<3 {
                            for kx in 0..<3 {
                                let yy = i + ky - 1, xx = j + kx - 1
                                if yy >= 0 && yy < 6 && xx >= 0 && xx < 5 { s += w[o, c, ky, kx] * x[n, c, yy, xx] }
                            }
                        }
                    }
                    worst = max(worst, abs(s - y[n, o, i, j]))
                }
            }
        }
    }
    #expect(worst < 1e-5)
}

@Test func instanceNormGivesZeroMeanUnitVariance() {
    let y = Variable(randomTensor([2, 3, 8, 8], seed: 8, low: 2, high: 5)).instanceNormalized().value
    for plane in 0..<6 {
        let values = Array(y.scalars[(plane * 64)..<((plane + 1) * 64)])
        let mean = values.reduce(0, +) / 64
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 64
        #expect(abs(mean) < 1e-5)
        #expect(abs(variance - 1) < 1e-3)
    }
}

@Test func quaternionConventionIsScalarFirst() {
    let half = Float(0.5).squareRoot()
    let q = Variable(Tensor(shape: [2, 4], scalars: [2, 0, 0, 0, half, 0, 0, half]))
    let r = q.quaternionToRotationMatrix().value.scalars
    let expected: [Float] = [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, -1, 0, 1, 0, 0, 0, 0, 1]
    #expect(zip(r, expected).allSatisfy { abs($0 - $1) < 1e-6 })
}

@Test func positionalEncodingWidthMatchesGHA() {
    let encoding = PositionalEncoding(frequencies: 4)
    #expect(encoding.outputWidth(inputWidth: 3) == 27)
    let y = encoding(Variable(Tensor(shape: [1, 3], scalars: [0.1, 0.2, 0.3]))).value
    #expect(y.shape == [1, 27])
    #expect(abs(y[0, 3 + 3 * 2 + 1] - Float(sin(0.4))) < 1e-6)
}

@Test func gatherAndScatterAreAdjoint() {
    let x = Variable(Tensor(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6]))
    #expect(x.gatherRows([2, 0, 2]).value.scalars == [5, 6, 1, 2, 5, 6])
    #expect(x.scatterAddRows([1, 1, 0], rowCount: 2).value.scalars == [5, 6, 4, 6])
}

@Test func meshLaplacianRejectsOutOfRangeIndices() {
    #expect(throws: TensorsError.self) { try MeshLaplacian(vertexCount: 3, triangleIndices: [0, 1, 7]) }
}

@Test func vectorisedExpTanhSigmoidMatchLibm() {
    let x = Tensor(shape: [2001]) { Float($0 - 1000) * 0.09 }
    let exp = Variable(x).exp().value, tanh = Variable(x).tanh().value, sigmoid = Variable(x).sigmoid().value
    var worstExp: Float = 0, worstTanh: Float = 0, worstSigmoid: Float = 0
    for i in 0..<x.count {
        let v = x[flat: i]
        let reference = Foundation.exp(v)
        if reference > 1e-37 && reference.isFinite { worstExp = max(worstExp, abs(exp[flat: i] - reference) / reference) }
        worstTanh = max(worstTanh, abs(tanh[flat: i] - Foundation.tanh(v)))
        worstSigmoid = max(worstSigmoid, abs(sigmoid[flat: i] - 1 / (1 + Foundation.exp(-v))))
    }
    #expect(worstExp < 1e-6)
    #expect(worstTanh < 3e-7)
    #expect(worstSigmoid < 3e-7)
    #expect(Variable(Tensor(shape: [16], repeating: -200)).exp().value.scalars.allSatisfy { $0 >= 0 && $0 < 1e-37 })
    #expect(Variable(Tensor(shape: [16], repeating: 200)).tanh().value.scalars.allSatisfy { $0 == 1 })
}

/// Naive Σₖ a[i, k]·b[k, j] in Double with optional transposes of the stored matrices.
private func naiveProduct(_ a: Tensor, _ b: Tensor, _ i: Int, _ j: Int, transposeA: Bool = false, transposeB: Bool = false) -> Double {
    let inner = transposeA ? a.shape[0] : a.shape[1]
    var total = 0.0
    for k in 0..<inner {
        total += Double(transposeA ? a[k, i] : a[i, k]) * Double(transposeB ? b[j, k] : b[k, j])
    }
    return total
}

@Test func matmulGradientsAtParallelSizesMatchNaiveProducts() throws {
    // Large enough that every GEMM is split across the pool (row and column splits, both transposes).
    let a = randomTensor([8, 70], seed: 20), b = randomTensor([70, 5000], seed: 21), upstream = randomTensor([8, 5000], seed: 22)
    let tape = Tape()
    let va = tape.variable(a), vb = tape.variable(b)
    let gradients = tape.backward(from: va.matmul(vb), seed: upstream)
    let ga = try #require(gradients[va]), gb = try #require(gradients[vb])
    for (i, j) in [(0, 0), (7, 69), (3, 41)] {
        #expect(abs(Double(ga[i, j]) - naiveProduct(upstream, b, i, j, transposeB: true)) < 1e-3)
    }
    for (i, j) in [(0, 0), (69, 4999), (35, 2500), (12, 17)] {
        #expect(abs(Double(gb[i, j]) - naiveProduct(a, upstream, i, j, transposeA: true)) < 1e-4)
    }
}

@Test func linearGradientsAtParallelSizesMatchNaiveProducts() throws {
    let x = randomTensor([600, 64], seed: 23), w = randomTensor([80, 64], seed: 24), upstream = randomTensor([600, 80], seed: 25)
    let tape = Tape()
    let vx = tape.variable(x), vw = tape.variable(w), vb = tape.variable(Tensor(zeros: [80]))
    let y = vx.linear(weight: vw, bias: vb)
    for (i, j) in [(0, 0), (599, 79), (300, 40)] {
        #expect(abs(Double(y.value[i, j]) - naiveProduct(x, w, i, j, transposeB: true)) < 1e-4)
    }
    let gradients = tape.backward(from: y, seed: upstream)
    let gx = try #require(gradients[vx]), gw = try #require(gradients[vw]), gb = try #require(gradients[vb])
    for (i, j) in [(0, 0), (599, 63), (123, 45)] {
        #expect(abs(Double(gx[i, j]) - naiveProduct(upstream, w, i, j)) < 1e-4)
    }
    for (i, j) in [(0, 0), (79, 63), (40, 31)] {
        #expect(abs(Double(gw[i, j]) - naiveProduct(upstream, x, i, j, transposeA: true)) < 1e-3)
    }
    let column = (0..<600).reduce(0.0) { $0 + Double(upstream[$1, 17]) }
    #expect(abs(Double(gb[17]) - column) < 1e-3)
}

@Test func permuteMovesChannelsFirst() {
    // An [H=2, W=2, C=3] image to [C, H, W].
    let hwc = Variable(Tensor(shape: [2, 2, 3], scalars: (0..<12).map(Float.init)))
    let chw = hwc.permuted([2, 0, 1]).value
    #expect(chw.shape == [3, 2, 2])
    #expect(chw.scalars == [0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11])
    let large = randomTensor([40, 50, 3], seed: 67)
    let back = Variable(large).permuted([2, 0, 1]).permuted([1, 2, 0]).value
    #expect(back.scalars == large.scalars)
}

/// SSIM's 11-tap window on planes wide enough for the 8-lane paths: the filter and its gradient
/// equal the direct sums in the order a scalar loop over outputs makes them, to the last bit.
@Test func separableFilterValidEqualsTheDirectSumsOnWidePlanes() {
    let height = 23, width = 37, taps = 11
    let kernel = (0..<taps).map { Float(1 + ($0 * 5) % 7) / 40 }
    let image = randomTensor([2, height, width], seed: 71)
    let outputHeight = height - taps + 1, outputWidth = width - taps + 1
    let weights = randomTensor([2, outputHeight, outputWidth], seed: 72)
    let tape = Tape()
    let input = tape.variable(for: Parameter(image))
    let output = input.separableFilterValid(kernel: kernel)
    let gradient = tape.backward(from: (output * Variable(weights)).sum())[input]!
    let x = image.scalars, w = weights.scalars
    for p in 0..<2 {
        // Forward: rows, then columns, each a sum over the taps in order.
        var horizontal = [Float](repeating: 0, count: height * outputWidth)
        for row in 0..<height {
            for ox in 0..<outputWidth {
                var s: Float = 0
                for t in 0..<taps { s += kernel[t] * x[p * height * width + row * width + ox + t] }
                horizontal[row * outputWidth + ox] = s
            }
        }
        for oy in 0..<outputHeight {
            for ox in 0..<outputWidth {
                var s: Float = 0
                for t in 0..<taps { s += kernel[t] * horizontal[(oy + t) * outputWidth + ox] }
                #expect(output.value[flat: p * outputHeight * outputWidth + oy * outputWidth + ox] == s)
            }
        }
        // Backward: the scatter of the upstream gradient through columns, then rows.
        var vertical = [Float](repeating: 0, count: height * outputWidth)
        for oy in 0..<outputHeight {
            for t in 0..<taps {
                for ox in 0..<outputWidth { vertical[(oy + t) * outputWidth + ox] += kernel[t] * w[p * outputHeight * outputWidth + oy * outputWidth + ox] }
            }
        }
        var expected = [Float](repeating: 0, count: height * width)
        for row in 0..<height {
            for ox in 0..<outputWidth {
                for t in 0..<taps { expected[row * width + ox + t] += kernel[t] * vertical[row * outputWidth + ox] }
            }
        }
        for i in 0..<(height * width) { #expect(gradient[flat: p * height * width + i] == expected[i]) }
    }
}
