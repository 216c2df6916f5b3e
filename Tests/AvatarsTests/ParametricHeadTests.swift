import Foundation
import Tensors
import TestSupport
import Testing

@testable import Avatars

/// GPHM's library types: code tables, f_inj/f_id/f_exp/f_col and the eq. 7–8 terms.
struct ParametricHeadTests {
    static let configuration = ParametricHeadConfiguration(
        identityWidth: 3, expressionWidth: 2, featureWidth: 4, injectedWidth: 5, colorChannels: 6, injectionHidden: [8],
        identityHidden: [8], expressionHidden: [8], colorHidden: [8], deformationScale: 0.3, codeStandardDeviation: 0.5)

    static func networks(seed: UInt64) -> ParametricHeadNetworks {
        var rng = SplitMix64(seed: seed)
        return ParametricHeadNetworks(configuration: configuration, generator: &rng)
    }

    /// Networks whose zero-initialised deformation heads are given random weights, so their gradients are not trivially zero.
    static func perturbedNetworks(seed: UInt64) -> ParametricHeadNetworks {
        let networks = Self.networks(seed: seed)
        var rng = SplitMix64(seed: seed &+ 1)
        for layer in networks.identityDeformation.layers + networks.expressionDeformation.layers {
            layer.weight.value = Tensor.normal(shape: layer.weight.shape, standardDeviation: 0.5, generator: &rng)
        }
        return networks
    }

    @Test func freshDeformationHeadsDoNotMovePoints() {
        let networks = Self.networks(seed: 1)
        let out = networks(
            features: Variable(randomTensor([6, 4], seed: 2)), identity: Variable(randomTensor([1, 3], seed: 3)),
            expression: Variable(randomTensor([1, 2], seed: 4)), on: nil)
        #expect(out.identityDisplacement.value.scalars.allSatisfy { $0 == 0 })
        #expect(out.expressionDisplacement.value.scalars.allSatisfy { $0 == 0 })
        #expect(out.colors.shape == [6, 6] && out.injected.shape == [6, 5])
    }

    @Test func displacementsStayWithinTheDeformationScale() {
        let networks = Self.perturbedNetworks(seed: 5)
        let out = networks(
            features: Variable(randomTensor([20, 4], seed: 6, low: -20, high: 20)), identity: Variable(randomTensor([1, 3], seed: 7, low: -20, high: 20)),
            expression: Variable(randomTensor([1, 2], seed: 8, low: -20, high: 20)), on: nil)
        let all = out.identityDisplacement.value.scalars + out.expressionDisplacement.value.scalars
        #expect(all.allSatisfy { Swift.abs($0) <= 0.3 })
        #expect(all.contains { Swift.abs($0) > 0.01 })
    }

    @Test func identityCodeChangesIdentityDisplacementButExpressionCodeDoesNot() {
        let networks = Self.perturbedNetworks(seed: 9)
        let features = Variable(randomTensor([4, 4], seed: 10))
        func run(_ id: UInt64, _ exp: UInt64) -> ParametricHeadOutput {
            networks(features: features, identity: Variable(randomTensor([1, 3], seed: id)), expression: Variable(randomTensor([1, 2], seed: exp)), on: nil)
        }
        let a = run(11, 12), otherExpression = run(11, 13), otherIdentity = run(14, 12)
        #expect(a.identityDisplacement.value.scalars == otherExpression.identityDisplacement.value.scalars)
        #expect(a.expressionDisplacement.value.scalars != otherExpression.expressionDisplacement.value.scalars)
        #expect(a.identityDisplacement.value.scalars != otherIdentity.identityDisplacement.value.scalars)
    }

    @Test func networkGradientsMatchCentralFiniteDifferences() throws {
        let networks = Self.perturbedNetworks(seed: 15)
        let features = randomTensor([5, 4], seed: 16), identity = randomTensor([1, 3], seed: 17), expression = randomTensor([1, 2], seed: 18)
        let base = randomTensor([5, 3], seed: 19)
        try expectGradientsMatchFiniteDifferences(inputs: [features, identity, expression, base], step: 1e-3, tolerance: 2e-2) { x in
            let out = networks(features: x[0], identity: x[1], expression: x[2], on: x[0].tape)
            return [out.canonicalPositions(base: x[3]), out.colors]
        }
    }

    @Test func networkParameterGradientsMatchCentralFiniteDifferences() {
        let networks = Self.perturbedNetworks(seed: 20)
        let features = Variable(randomTensor([5, 4], seed: 21)), identity = Variable(randomTensor([1, 3], seed: 22))
        let expression = Variable(randomTensor([1, 2], seed: 23)), weights = Variable(randomTensor([5, 9], seed: 24))
        checkParameterGradients(networks.parameters, step: 1e-3, maximumChecksPerParameter: 8) { tape in
            let out = networks(features: features, identity: identity, expression: expression, on: tape)
            return (Variable.concat([out.canonicalPositions(base: Variable(Tensor(zeros: [5, 3]))), out.colors], axis: 1) * weights).sum()
        }
    }

    @Test func codeTableGradientReachesOnlyTheUsedRow() throws {
        var rng = SplitMix64(seed: 25)
        let table = try LatentCodeTable(names: ["a", "b", "c"], width: 3, standardDeviation: 0.5, generator: &rng)
        let networks = Self.perturbedNetworks(seed: 26)
        let features = Variable(randomTensor([4, 4], seed: 27)), expression = Variable(randomTensor([1, 2], seed: 28))
        checkParameterGradients([table.codes], step: 1e-3) { tape in
            let out = networks(features: features, identity: table.code(1, on: tape), expression: expression, on: tape)
            return out.canonicalPositions(base: Variable(Tensor(zeros: [4, 3]))).square().sum() + out.colors.sum()
        }
        table.codes.zeroGradient()
        let tape = Tape()
        tape.backward(from: table.code(1, on: tape).square().sum())
        let gradient = table.codes.gradient!.scalars
        #expect(gradient[0..<3].allSatisfy { $0 == 0 } && gradient[6..<9].allSatisfy { $0 == 0 })
        #expect(gradient[3..<6].allSatisfy { $0 != 0 })
    }

    @Test func codeTableRefusesRepeatedNamesAndWrongShapes() {
        #expect(throws: AvatarError.self) { try LatentCodeTable(names: ["a", "a"], codes: Tensor(zeros: [2, 3])) }
        #expect(throws: AvatarError.self) { try LatentCodeTable(names: ["a", "b"], codes: Tensor(zeros: [3, 3])) }
        #expect(throws: AvatarError.self) { try LatentCodeTable(names: [], codes: Tensor(zeros: [0, 3])) }
    }

    @Test func codeTableInitialisationHasTheRequestedSpread() throws {
        var rng = SplitMix64(seed: 29)
        let table = try LatentCodeTable(names: (0..<50).map { "s\($0)" }, width: 40, standardDeviation: 0.01, generator: &rng)
        let values = table.codes.value.scalars
        let deviation = (values.map { $0 * $0 }.reduce(0, +) / Float(values.count)).squareRoot()
        #expect(Swift.abs(deviation - 0.01) < 0.001)
        #expect(table.row(of: "s7") == 7 && table.row(of: "x") == nil)
    }

    @Test func displacementRegularizerIsTheMeanSquaredLengthOfBothDisplacements() throws {
        let id = Tensor(shape: [2, 3], scalars: [1, 0, 0, 0, 2, 0]), exp = Tensor(shape: [2, 3], scalars: [0, 0, 3, 0, 0, 0])
        let zeros = Variable(Tensor(zeros: [2, 1]))
        func output(_ a: Variable, _ b: Variable) -> ParametricHeadOutput {
            ParametricHeadOutput(injected: zeros, identityDisplacement: a, expressionDisplacement: b, colors: zeros)
        }
        #expect(ParametricHeadLosses.displacementRegularizer(output(Variable(id), Variable(exp))).value.scalar == 2.5 + 4.5)
        try expectGradientsMatchFiniteDifferences(inputs: [randomTensor([4, 3], seed: 30), randomTensor([4, 3], seed: 31)], step: 1e-3, tolerance: 1e-2) { x in
            [ParametricHeadLosses.displacementRegularizer(output(x[0], x[1]))]
        }
    }

    @Test func landmarkDistanceIsTheMeanEuclideanDistance() throws {
        let predicted = Tensor(shape: [2, 3], scalars: [3, 4, 0, 1, 1, 1]), target = Tensor(shape: [2, 3], scalars: [0, 0, 0, 1, 1, 2])
        #expect(ParametricHeadLosses.landmarkDistance(Variable(predicted), Variable(target)).value.scalar == 3)
        try expectGradientsMatchFiniteDifferences(inputs: [randomTensor([5, 3], seed: 32), randomTensor([5, 3], seed: 33)], step: 1e-3, tolerance: 1e-2) { x in
            [ParametricHeadLosses.landmarkDistance(x[0], x[1])]
        }
    }

    @Test func configurationValidationNamesTheBadField() {
        var bad = ParametricHeadConfiguration.cpu
        bad.colorChannels = 2
        #expect(throws: AvatarError.self) { try bad.validate() }
        #expect(throws: Never.self) { try ParametricHeadConfiguration.cpu.validate() }
    }

    @Test func artifactRoundTripsNamesCodesAndNetworks() throws {
        var rng = SplitMix64(seed: 34)
        let networks = Self.perturbedNetworks(seed: 35)
        let upsampler = try SuperResolutionNetwork(
            configuration: SuperResolutionConfiguration(factor: 2, inputChannels: 6, widths: [4, 4]), generator: &rng)
        let manifest = ParametricHeadManifest(
            stage: "mesh", configuration: Self.configuration, upsampler: upsampler.configuration, unitsPerMetre: 4, metrics: ["loss": 0.5])
        let model = try ParametricHeadModel(
            manifest: manifest, vertices: randomTensor([3, 3], seed: 36), faces: [SIMD3(0, 1, 2)], features: randomTensor([3, 4], seed: 37),
            landmarks: randomTensor([2, 3], seed: 38), landmarkFeatures: randomTensor([2, 4], seed: 39), networks: networks,
            identities: try LatentCodeTable(names: ["s0", "s1"], width: 3, standardDeviation: 0.1, generator: &rng),
            expressions: try LatentCodeTable(names: ["s0/neutral", "s0/smile", "s1/neutral"], width: 2, standardDeviation: 0.1, generator: &rng),
            upsampler: upsampler, extras: ["sdf.layers.0.weight": randomTensor([2, 2], seed: 40)])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parametric-head-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try model.write(to: directory)
        let read = try ParametricHeadModel.read(from: directory)
        #expect(read.manifest.identityNames == ["s0", "s1"] && read.expressions.names == ["s0/neutral", "s0/smile", "s1/neutral"])
        #expect(read.manifest.vertexCount == 3 && read.manifest.faceCount == 1 && read.faces == [SIMD3(0, 1, 2)])
        #expect(read.expressions.codes.value.scalars == model.expressions.codes.value.scalars)
        #expect(read.extras["sdf.layers.0.weight"]?.scalars == model.extras["sdf.layers.0.weight"]?.scalars)
        let features = Variable(randomTensor([3, 4], seed: 41))
        let a = model.networks(features: features, identity: model.identities.code(1, on: nil), expression: model.expressions.code(2, on: nil), on: nil)
        let b = read.networks(features: features, identity: read.identities.code(1, on: nil), expression: read.expressions.code(2, on: nil), on: nil)
        #expect(a.colors.value.scalars == b.colors.value.scalars && a.expressionDisplacement.value.scalars == b.expressionDisplacement.value.scalars)
    }

    @Test func artifactWithoutParametersIsRefusedNamingTheFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parametric-head-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var rng = SplitMix64(seed: 42)
        let upsampler = try SuperResolutionNetwork(
            configuration: SuperResolutionConfiguration(factor: 2, inputChannels: 6, widths: [4, 4]), generator: &rng)
        try ParametricHeadManifest(stage: "mesh", configuration: Self.configuration, upsampler: upsampler.configuration, unitsPerMetre: 4)
            .write(to: directory)
        let error = try #require(throws: AvatarError.self) { try ParametricHeadModel.read(from: directory) }
        #expect(error.description.contains(ParametricHeadModel.parametersFile) && error.description.contains("gphm.train-mesh"))
    }
}
