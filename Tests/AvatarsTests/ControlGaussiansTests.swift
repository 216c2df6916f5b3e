import Foundation
import Splatting
import Tensors
import TestSupport
import Testing

@testable import Avatars

/// EAvatar's control Gaussians (eq. 9–13) on hand-placed points.
struct ControlGaussiansTests {
    static let settings = ControlGaussianSettings(threshold: 0.3, radius: 0.1, sigma: 0.05)

    /// Two controls (0 and 1) with followers between and around them, and one point out of reach.
    static let positions: [Float] = [
        0, 0, 0,  // 0: control
        0.12, 0, 0,  // 1: control
        0.06, 0, 0,  // 2: reaches both
        -0.05, 0, 0,  // 3: reaches control 0 only
        0, 0.5, 0,  // 4: out of reach
        0.03, 0.01, 0,  // 5: close to control 0, within reach of 1
    ]
    static let magnitudes: [Float] = [0.5, 0.4, 0.1, 0.2, 0.29, 0.0]

    @Test func controlsAreTheGaussiansDisplacedAboveTheThreshold() {
        let plan = ControlPropagation(positions: Self.positions, magnitudes: Self.magnitudes, settings: Self.settings)
        #expect(plan.controls == [0, 1])
    }

    @Test func everyFollowersWeightsSumToOne() {
        let plan = ControlPropagation(positions: Self.positions, magnitudes: Self.magnitudes, settings: Self.settings)
        var sums: [Int32: Float] = [:]
        for (j, w) in zip(plan.followers, plan.weights) { sums[j, default: 0] += w }
        #expect(Set(sums.keys) == [2, 3, 5])
        for (j, sum) in sums { #expect(Swift.abs(sum - 1) < 1e-6, "follower \(j)") }
    }

    @Test func followersReachOnlyControlsWithinTheRadius() {
        let plan = ControlPropagation(positions: Self.positions, magnitudes: Self.magnitudes, settings: Self.settings)
        let pairs = Set(zip(plan.followers, plan.sources).map { "\($0.0)-\($0.1)" })
        #expect(pairs == ["2-0", "2-1", "3-0", "5-0", "5-1"])
    }

    @Test func theNearerControlWeighsMoreByTheGaussianKernel() {
        let plan = ControlPropagation(positions: Self.positions, magnitudes: Self.magnitudes, settings: Self.settings)
        let weights = Dictionary(
            uniqueKeysWithValues: zip(plan.followers, plan.sources).enumerated().filter { $0.element.0 == 5 }.map { ($0.element.1, plan.weights[$0.offset]) })
        // Follower 5 lies at squared distances 0.001 and 0.0082 from controls 0 and 1.
        let k0 = exp(-0.001 / (2 * 0.0025)), k1 = exp(-0.0082 / (2 * 0.0025))
        #expect(Swift.abs(weights[0]! - Float(k0 / (k0 + k1))) < 1e-5)
        #expect(weights[0]! > weights[1]!)
    }

    @Test func followersTakeTheWeightedControlOffsetsAndTheRestKeepTheirOwn() {
        let plan = ControlPropagation(positions: Self.positions, magnitudes: Self.magnitudes, settings: Self.settings)
        var rng = Tensors.SplitMix64(seed: 4)
        let offsets = Tensor.normal(shape: [6, 3], generator: &rng)
        let out = plan.apply(Variable(offsets)).value
        for i in [0, 1, 4] {
            for a in 0..<3 { #expect(out[flat: 3 * i + a] == offsets[flat: 3 * i + a], "Gaussian \(i) keeps its offset") }
        }
        for j in [2, 3, 5] {
            for a in 0..<3 {
                var expected: Float = 0
                for (q, follower) in plan.followers.enumerated() where follower == Int32(j) {
                    expected += plan.weights[q] * offsets[flat: 3 * Int(plan.sources[q]) + a]
                }
                #expect(Swift.abs(out[flat: 3 * j + a] - expected) < 1e-6, "follower \(j)")
            }
        }
    }

    @Test func withoutControlsTheOffsetsPassUnchanged() {
        let plan = ControlPropagation(positions: Self.positions, magnitudes: [Float](repeating: 0.1, count: 6), settings: Self.settings)
        #expect(plan.controls.isEmpty && plan.followers.isEmpty)
        var rng = Tensors.SplitMix64(seed: 6)
        let offsets = Tensor.normal(shape: [6, 3], generator: &rng)
        #expect(plan.apply(Variable(offsets)).value.scalars == offsets.scalars)
    }

    @Test func propagationGradientsMatchCentralFiniteDifferences() throws {
        let plan = ControlPropagation(positions: Self.positions, magnitudes: Self.magnitudes, settings: Self.settings)
        var rng = Tensors.SplitMix64(seed: 5)
        try expectGradientsMatchFiniteDifferences(inputs: [Tensor.normal(shape: [6, 3], generator: &rng)], step: 1e-2, tolerance: 1e-3) {
            [plan.apply($0[0])]
        }
    }

    @Test func magnitudesAreOffsetNormsInUnitsOfTheRange() {
        let m = ControlPropagation.magnitudes(of: [0.03, 0.04, 0, 0, 0, -0.3], range: 0.3)
        #expect(Swift.abs(m[0] - 0.05 / 0.3) < 1e-6 && Swift.abs(m[1] - 1) < 1e-6)
    }
}
