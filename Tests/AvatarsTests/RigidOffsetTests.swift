import Foundation
import Geometry
import Testing
import Tensors
@testable import Avatars

struct RigidOffsetTests {
    @Test func gradientsMatchCentralFiniteDifferencesAwayFromZero() throws {
        var rng = Tensors.SplitMix64(seed: 21)
        let n = 6
        let means = Tensor.normal(shape: [n, 3], standardDeviation: 0.3, generator: &rng)
        let rotations = Tensor.normal(shape: [n, 4], generator: &rng)
        let delta = Tensor(shape: [1, 3], scalars: [0.3, -0.2, 0.5])
        let tau = Tensor(shape: [1, 3], scalars: [0.01, 0.02, -0.03])
        let pivot = SIMD3<Float>(0.1, -0.05, 0.2)
        let weights = (Tensor.normal(shape: [n, 3], generator: &rng), Tensor.normal(shape: [n, 4], generator: &rng))
        func loss(_ inputs: [Tensor]) -> Double {
            let out = RigidOffset.apply(means: Variable(inputs[0]), rotations: Variable(inputs[1]), rotationOffset: Variable(inputs[2]),
                                        translationOffset: Variable(inputs[3]), pivot: pivot)
            var total = 0.0
            for i in 0..<(n * 3) { total += Double(out.means.value[flat: i]) * Double(weights.0[flat: i]) }
            for i in 0..<(n * 4) { total += Double(out.rotations.value[flat: i]) * Double(weights.1[flat: i]) }
            return total
        }
        let inputs = [means, rotations, delta, tau]
        let tape = Tape()
        let variables = inputs.map { tape.variable($0) }
        let out = RigidOffset.apply(means: variables[0], rotations: variables[1], rotationOffset: variables[2],
                                    translationOffset: variables[3], pivot: pivot)
        let gradients = tape.backward(from: (out.means * Variable(weights.0)).sum() + (out.rotations * Variable(weights.1)).sum())
        let h: Float = 1e-2
        for which in 0..<4 {
            let analytic = try #require(gradients[variables[which]])
            for i in 0..<inputs[which].count {
                var plus = inputs, minus = inputs
                plus[which].withUnsafeMutableBufferPointer { $0[i] += h }
                minus[which].withUnsafeMutableBufferPointer { $0[i] -= h }
                let numeric = (loss(plus) - loss(minus)) / Double(2 * h)
                let value = Double(analytic[flat: i])
                #expect(Swift.abs(numeric - value) <= 3e-3 * max(1, Swift.abs(numeric)), "input \(which) element \(i): analytic \(value), numeric \(numeric)")
            }
        }
    }

    @Test func offsetRotatesAboutThePivotAndComposesWithTheGaussianRotation() {
        let pivot = SIMD3<Float>(1, 2, 3)
        let delta = SIMD3<Float>(0, 0.5, 0)
        let out = RigidOffset.apply(means: Variable(Tensor(shape: [2, 3], scalars: [1, 2, 3, 2, 2, 3])),
                                    rotations: Variable(Tensor(shape: [2, 4], scalars: [1, 0, 0, 0, 1, 0, 0, 0])),
                                    rotationOffset: Variable(Tensor(shape: [1, 3], scalars: [delta.x, delta.y, delta.z])),
                                    translationOffset: Variable(Tensor(shape: [1, 3], scalars: [0, 0, 0])), pivot: pivot)
        let m = out.means.value.scalars
        #expect(Array(m[0..<3]) == [1, 2, 3])                      // the pivot stays put
        let expected = Matrix3x3(rotationVector: delta) * SIMD3(1, 0, 0) + pivot
        for a in 0..<3 { #expect(Swift.abs(m[3 + a] - expected[a]) < 1e-6) }
        let q = out.rotations.value.scalars
        #expect(Swift.abs(q[0] - cos(0.25)) < 1e-6 && Swift.abs(q[2] - sin(0.25)) < 1e-6)
    }
}
