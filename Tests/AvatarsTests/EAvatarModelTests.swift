import Foundation
import Splatting
import Tensors
import TestSupport
import Testing

@testable import Avatars

/// EAvatar's additions on a Gaussian Head Avatar model (the sphere guidance of DynamicGaussianAvatarTests).
struct EAvatarModelTests {
    /// A small model with non-zero deformation heads, so expression offsets exist.
    static func model(control: ControlGaussianSettings?, seed: UInt64 = 8) throws -> DynamicGaussianModel {
        var rng = Tensors.SplitMix64(seed: seed)
        var initialisation = DynamicGaussianAvatarTests.initialisation(count: 200, mouth: 0)
        initialisation.control = control
        let model = try initialisation.model(from: try DynamicGaussianAvatarTests.sphereGuidance(points: 150), generator: &rng)
        for (_, parameter) in model.networks.namedParameters where parameter.shape.count == 2 && parameter.value.scalars.allSatisfy({ $0 == 0 }) {
            parameter.value = Tensor.normal(shape: parameter.shape, standardDeviation: 0.5, generator: &rng)
        }
        return model
    }

    @Test func withoutControlsTheGaussiansAreGHAs() throws {
        let plain = try Self.model(control: nil)
        let controlled = try Self.model(control: ControlGaussianSettings(threshold: 100, radius: 0.1, sigma: 0.05))
        let condition = plain.condition(of: DynamicGaussianAvatarTests.frame, scale: 1)
        let a = plain.gaussians(condition, on: nil).means.value.scalars, b = controlled.gaussians(condition, on: nil).means.value.scalars
        #expect(zip(a, b).allSatisfy { Swift.abs($0 - $1) < 1e-6 })
    }

    @Test func controlsMoveTheirFollowersAndOnlyThem() throws {
        let settings = ControlGaussianSettings(threshold: 0.2, radius: 0.15, sigma: 0.07)
        let plain = try Self.model(control: nil)
        let controlled = try Self.model(control: settings)
        let condition = plain.condition(of: DynamicGaussianAvatarTests.frame, scale: 1)
        let theta = Variable(Tensor(shape: [1, condition.expression.count], scalars: condition.expression))
        let offsets =
            plain.networks.expressionDisplacement(points: Variable(plain.positions.value), expression: theta, on: nil) * Variable(plain.expressionWeights)
        let plan = plain.controlPropagation(positions: plain.positions.value.scalars, expressionOffsets: offsets.value.scalars, settings: settings)
        try #require(!plan.controls.isEmpty && plan.followerCount > 0, "the fixture has controls and followers")
        let a = plain.gaussians(condition, on: nil).means.value.scalars, b = controlled.gaussians(condition, on: nil).means.value.scalars
        let followers = Set(plan.followers.map(Int.init))
        for i in 0..<plain.count {
            let moved = (0..<3).map { Swift.abs(a[3 * i + $0] - b[3 * i + $0]) }.max()!
            if followers.contains(i) {
                #expect(moved > 0, "follower \(i) moves with its controls")
            } else {
                #expect(moved < 1e-6, "Gaussian \(i) keeps GHA's position")
            }
        }
    }

    @Test func expressionMagnitudesAreTheNormsOfTheWeightedOffsetsOverTheRange() throws {
        let model = try Self.model(control: nil)
        let condition = model.condition(of: DynamicGaussianAvatarTests.frame, scale: 1)
        let theta = Variable(Tensor(shape: [1, condition.expression.count], scalars: condition.expression))
        let offsets =
            (model.networks.expressionDisplacement(points: Variable(model.positions.value), expression: theta, on: nil) * Variable(model.expressionWeights))
            .value
        let magnitudes = model.expressionDisplacementMagnitudes(condition)
        for i in [0, 7, 99] {
            let norm = (0..<3).map { offsets[flat: 3 * i + $0] * offsets[flat: 3 * i + $0] }.reduce(0, +).squareRoot()
            #expect(Swift.abs(magnitudes[i] - norm / model.configuration.networks.deformationScale) < 1e-5)
        }
    }

    @Test func splittingReplacesDisplacedParentsByChildrenWithFreshOptimiserRows() throws {
        let model = try Self.model(control: nil)
        let adam = Adam(groups: [.init(name: "neutral", parameters: model.neutralParameters.map(\.parameter), learningRate: 1e-3)])
        for (_, parameter) in model.neutralParameters {
            parameter.gradient = Tensor(shape: parameter.shape, scalars: [Float](repeating: 1, count: parameter.value.count))
        }
        adam.step()
        let before = model.positions.value, n = model.count
        var magnitudes = [Float](repeating: 0, count: n)
        magnitudes[3] = 0.5
        magnitudes[10] = 0.9
        magnitudes[11] = 0.1
        let edit = model.splitDisplaced(magnitudes: magnitudes, threshold: 0.2, settings: TwoWaySplitSettings(offset: 0.5, maximumCount: 1000), optimizer: adam)
        #expect(edit.split == 2 && model.count == n + 2)
        // Survivors first in order (3 and 10 removed), then the children of 10 (largest first) and of 3.
        #expect(edit.sourceIndex.suffix(4) == [10, 10, 3, 3])
        #expect(!edit.sourceIndex.prefix(n - 2).contains(3) && !edit.sourceIndex.prefix(n - 2).contains(10))
        #expect(model.positions.value[flat: 0] == before[flat: 0])
        let moments = try #require(adam.moments(of: model.positions))
        #expect(moments.first.shape == [n + 2, 3])
        #expect((0..<3).allSatisfy { moments.first[flat: $0] != 0 }, "a survivor keeps its moments")
        #expect((3 * n..<(3 * (n + 2))).allSatisfy { moments.first[flat: $0] == 0 && moments.second[flat: $0] == 0 }, "children start fresh")
        for (_, parameter) in model.neutralParameters { #expect(parameter.shape[0] == n + 2) }
    }

    @Test func splittingStopsAtTheCap() throws {
        let model = try Self.model(control: nil)
        let adam = Adam(groups: [.init(name: "neutral", parameters: model.neutralParameters.map(\.parameter), learningRate: 1e-3)])
        let n = model.count
        let magnitudes = (0..<n).map { Float($0) / Float(n) }
        let edit = model.splitDisplaced(
            magnitudes: magnitudes, threshold: 0.5, settings: TwoWaySplitSettings(offset: 0.5, maximumCount: n + 5), optimizer: adam)
        #expect(edit.split == 5 && model.count == n + 5)
        #expect(Set(edit.sourceIndex.suffix(10)) == Set((n - 5)..<n), "the most displaced go first")
    }
}
