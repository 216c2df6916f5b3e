import Foundation
import Geometry
import Tensors
import TestSupport
import Testing

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
        try expectGradientsMatchFiniteDifferences(inputs: [means, rotations, delta, tau], step: 1e-2, tolerance: 3e-3) { x in
            let out = RigidOffset.apply(means: x[0], rotations: x[1], rotationOffset: x[2], translationOffset: x[3], pivot: pivot)
            return [out.means, out.rotations]
        }
    }

    @Test func offsetRotatesAboutThePivotAndComposesWithTheGaussianRotation() {
        let pivot = SIMD3<Float>(1, 2, 3)
        let delta = SIMD3<Float>(0, 0.5, 0)
        let out = RigidOffset.apply(
            means: Variable(Tensor(shape: [2, 3], scalars: [1, 2, 3, 2, 2, 3])),
            rotations: Variable(Tensor(shape: [2, 4], scalars: [1, 0, 0, 0, 1, 0, 0, 0])),
            rotationOffset: Variable(Tensor(shape: [1, 3], scalars: [delta.x, delta.y, delta.z])),
            translationOffset: Variable(Tensor(shape: [1, 3], scalars: [0, 0, 0])), pivot: pivot)
        let m = out.means.value.scalars
        #expect(Array(m[0..<3]) == [1, 2, 3])  // the pivot stays put
        let expected = Matrix3x3(rotationVector: delta) * SIMD3(1, 0, 0) + pivot
        for a in 0..<3 { #expect(Swift.abs(m[3 + a] - expected[a]) < 1e-6) }
        let q = out.rotations.value.scalars
        #expect(Swift.abs(q[0] - cos(0.25)) < 1e-6 && Swift.abs(q[2] - sin(0.25)) < 1e-6)
    }
}

extension RigidOffsetTests {
    /// Above a few thousand Gaussians the op runs in parallel parts; the offset gradients (sums over
    /// all Gaussians) must equal those of the two halves applied separately.
    @Test func offsetGradientsOfManyGaussiansEqualTheSumOverTheirHalves() {
        var rng = Tensors.SplitMix64(seed: 5)
        let n = 20_000, half = n / 2
        let means = Tensor.normal(shape: [n, 3], standardDeviation: 0.3, generator: &rng)
        let rotations = Tensor.normal(shape: [n, 4], generator: &rng)
        let meanWeights = Tensor.normal(shape: [n, 3], generator: &rng), rotationWeights = Tensor.normal(shape: [n, 4], generator: &rng)
        func offsetGradients(_ rows: Range<Int>) -> [Float] {
            let tape = Tape()
            let delta = Parameter(Tensor(shape: [1, 3], scalars: [0.3, -0.2, 0.5]))
            let tau = Parameter(Tensor(shape: [1, 3], scalars: [0.01, 0.02, -0.03]))
            let out = RigidOffset.apply(
                means: Variable(means.rows(rows)), rotations: Variable(rotations.rows(rows)),
                rotationOffset: tape.variable(for: delta), translationOffset: tape.variable(for: tau),
                pivot: SIMD3(0.1, -0.05, 0.2))
            let loss = (out.means * Variable(meanWeights.rows(rows))).sum() + (out.rotations * Variable(rotationWeights.rows(rows))).sum()
            tape.backward(from: loss)
            return delta.gradient!.scalars + tau.gradient!.scalars
        }
        let whole = offsetGradients(0..<n)
        let halves = zip(offsetGradients(0..<half), offsetGradients(half..<n)).map { $0 + $1 }
        for (a, b) in zip(whole, halves) { #expect(Swift.abs(a - b) <= 1e-3 * max(1, Swift.abs(b))) }
    }
}
