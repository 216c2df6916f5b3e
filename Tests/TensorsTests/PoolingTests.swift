import Testing

@testable import Tensors

struct MaxPoolingTests {
    @Test func maxPoolingKeepsTheMaximumOfEachWindowAndDropsIncompleteOnes() {
        let input = Tensor(
            shape: [1, 1, 3, 5],
            scalars: [
                1, 9, 2, 3, 7,
                4, 0, 8, 5, 7,
                6, 6, 6, 6, 6,
            ])
        let pooled = Variable(input).maxPooled2d()
        #expect(pooled.shape == [1, 1, 1, 2])
        #expect(pooled.value.scalars == [9, 8])
    }

    /// Distinct values 0.01 apart in random order, so that no ±1e-3 step changes a window's maximum.
    static func shuffledDistinct(_ shape: [Int], seed: UInt64) -> Tensor {
        var generator = SplitMix64(seed: seed)
        var values = (0..<shape.reduce(1, *)).map { Float($0) * 0.01 - 0.5 }
        for i in stride(from: values.count - 1, to: 0, by: -1) { values.swapAt(i, Int(generator.next() % UInt64(i + 1))) }
        return Tensor(shape: shape, scalars: values)
    }

    @Test func maxPoolingGradientMatchesFiniteDifferences() {
        checkGradients([Self.shuffledDistinct([2, 3, 6, 7], seed: 71)]) { $0[0].maxPooled2d() }
        checkGradients([Self.shuffledDistinct([1, 2, 6, 6], seed: 72)]) { $0[0].maxPooled2d(window: 3).square() }
    }

    @Test func maxPoolingGradientGoesToTheFirstMaximumOnTies() {
        let tape = Tape()
        let x = tape.variable(Tensor(shape: [1, 1, 2, 2], scalars: [5, 5, 1, 5]))
        let gradients = tape.backward(from: x.maxPooled2d().sum())
        #expect(gradients[x]?.scalars == [1, 0, 0, 0])
    }
}
