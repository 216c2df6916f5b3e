import Foundation
import HeadModel
import Tensors
import TestSupport
import Testing

@testable import Avatars

struct DynamicHeadTests {
    static let model = ProceduralHeadBuilder.build()

    static func tracking() -> HeadTracking {
        let frame = HeadTracking.Frame(
            rotation: [0.1, 0.4, -0.05], translation: [0.02, -0.01, 0.3], jaw: [0, 0, 0],
            expression: [Double](repeating: 0, count: model.expressionCount), landmarks: [],
            meanResidualPixels: 0, observedViews: 1)
        var identity = [Double](repeating: 0, count: model.identityCount)
        identity[0] = 0.7
        return HeadTracking(model: model.name, cameras: [], identity: identity, scale: 1.05, frames: [frame])
    }

    @Test func canonicalHeadIsAboutOneUnitLongAndCentred() throws {
        let tracking = Self.tracking()
        let space = try CanonicalHeadSpace.of(tracking: tracking, model: Self.model)
        let neutral = try Self.model.shapedVertices(
            identity: tracking.identity.map(Float.init),
            expression: [Float](repeating: 0, count: Self.model.expressionCount))
        let canonical = neutral.map(space.canonical(fromModel:))
        let low = canonical.reduce(SIMD3<Float>(repeating: .infinity)) { pointwiseMin($0, $1) }
        let high = canonical.reduce(SIMD3<Float>(repeating: -.infinity)) { pointwiseMax($0, $1) }
        #expect(Swift.abs((high - low).max() - 1) < 1e-5)
        #expect(((high + low) / 2).max() < 1e-5 && ((high + low) / 2).min() > -1e-5)
    }

    @Test func canonicalToWorldReproducesTheTrackedNeutralHead() throws {
        let tracking = Self.tracking()
        let space = try CanonicalHeadSpace.of(tracking: tracking, model: Self.model)
        let neutral = try Self.model.shapedVertices(
            identity: tracking.identity.map(Float.init),
            expression: [Float](repeating: 0, count: Self.model.expressionCount))
        let expected = try tracking.vertices(frame: 0, model: Self.model)
        let transform = space.worldTransform(of: tracking.frames[0], scale: tracking.scale)
        var worst: Float = 0
        for (vertex, truth) in zip(neutral, expected) {
            let world = transform.apply(space.canonical(fromModel: vertex))
            worst = max(worst, ((world - truth) * (world - truth)).sum().squareRoot())
        }
        #expect(worst < 1e-5 * Float(space.length))
    }

    @Test func canonicalToWorldTurnsTheHeadAboutTheNeck() throws {
        var tracking = Self.tracking()
        tracking.frames[0].neck = [0.15, -0.3, 0.05]
        let space = try CanonicalHeadSpace.of(tracking: tracking, model: Self.model)
        let neutral = try Self.model.shapedVertices(
            identity: tracking.identity.map(Float.init),
            expression: [Float](repeating: 0, count: Self.model.expressionCount))
        let expected = try tracking.vertices(frame: 0, model: Self.model)
        let transform = space.worldTransform(of: tracking.frames[0], scale: tracking.scale)
        let root = try #require(Self.model.jointIndex("root")), joints = Self.model.jointCount
        // Vertices the neck carries entirely (no root weight) move rigidly with the head.
        let carried = neutral.indices.filter { Self.model.skinningWeights[$0 * joints + root] == 0 }
        #expect(carried.count > 100)
        var worst: Float = 0
        for v in carried {
            let world = transform.apply(space.canonical(fromModel: neutral[v]))
            worst = max(worst, ((world - expected[v]) * (world - expected[v])).sum().squareRoot())
        }
        #expect(worst < 1e-5 * Float(space.length), "worst \(worst)")
    }

    @Test func tapeTransformMatchesThePointTransform() {
        let transform = CanonicalToWorld(
            stretch: 0.25, offset: SIMD3(0.01, 0.02, 0.03), rotation: SIMD3(0.2, -0.3, 0.1),
            pivot: SIMD3(0, -0.05, 0), translation: SIMD3(0.1, 0, 0.5))
        let points: [SIMD3<Float>] = [SIMD3(0.1, 0.2, -0.3), SIMD3(-0.4, 0, 0.25)]
        let out = transform.apply(
            means: Variable(Tensor(shape: [2, 3], scalars: points.flatMap { [$0.x, $0.y, $0.z] })),
            rotations: Variable(Tensor(shape: [2, 4], scalars: [1, 0, 0, 0, 1, 0, 0, 0])))
        for (i, point) in points.enumerated() {
            let expected = transform.apply(point)
            for a in 0..<3 { #expect(Swift.abs(out.means.value[flat: 3 * i + a] - expected[a]) < 1e-6) }
        }
    }

    @Test func poseConditionIsRotationAndTranslationInCanonicalUnits() throws {
        let tracking = Self.tracking()
        var space = try CanonicalHeadSpace.of(tracking: tracking, model: Self.model)
        space.referenceTranslation = [0, 0, 0.2]
        let beta = space.poseCondition(of: tracking.frames[0], scale: tracking.scale)
        #expect(Array(beta[0..<3]) == [0.1, 0.4, -0.05])
        #expect(Swift.abs(Double(beta[5]) - 0.1 / (1.05 * space.length)) < 1e-6)
    }

    @Test func expressionWeightsFollowEquationThree() {
        let blend = ExpressionBlend()
        let landmarks = Tensor(shape: [1, 3], scalars: [0, 0, 0])
        let points = Tensor(shape: [4, 3], scalars: [0.1, 0, 0, 0, 0.2, 0, 0, 0, 0.3, 0.15, 0, 0])
        let weights = blend.expressionWeights(points: points, landmarks: landmarks).scalars
        #expect(weights[0] == 1 && weights[2] == 0 && weights[3] == 1)
        #expect(Swift.abs(weights[1] - 0.5) < 1e-6)
    }

    static func networks(seed: UInt64) -> DynamicHeadNetworks {
        var rng = Tensors.SplitMix64(seed: seed)
        let configuration = DynamicHeadNetworkConfiguration.uniform(width: 16, featureWidth: 8, colorChannels: 5, expressionWidth: 4)
        return DynamicHeadNetworks(configuration: configuration, generator: &rng)
    }

    @Test func freshDeformationNetworksDoNotMovePoints() {
        let networks = Self.networks(seed: 3)
        var rng = Tensors.SplitMix64(seed: 4)
        let points = Variable(Tensor.normal(shape: [7, 3], standardDeviation: 0.3, generator: &rng))
        let displacement = networks.displacement(
            points: points, expression: Variable(Tensor(shape: [1, 4], scalars: [0.5, 0.1, 0, 1])),
            pose: Variable(Tensor(shape: [1, 6], scalars: [0.1, 0, 0, 0, 0, 0.2])),
            expressionWeights: Tensor(shape: [7, 1], repeating: 0.5), on: nil)
        #expect(displacement.value.scalars.allSatisfy { $0 == 0 })
    }

    @Test func blendRunsEachBranchOnlyWhereItsWeightIsNonZeroAndMatchesTheDenseBlend() throws {
        let networks = Self.networks(seed: 5)
        var rng = Tensors.SplitMix64(seed: 6)
        let features = Tensor.normal(shape: [6, 8], generator: &rng)
        let expression = Variable(Tensor.normal(shape: [1, 4], generator: &rng))
        let pose = networks.encoding(Variable(Tensor.normal(shape: [1, 6], standardDeviation: 0.3, generator: &rng)))
        let lambda = Tensor(shape: [6, 1], scalars: [1, 0, 0.25, 1, 0, 0.5])
        var expressionRowCounts: [Int] = [], poseRowCounts: [Int] = []

        let parameters = networks.namedParameters.map(\.parameter)
        func run(_ blend: (Variable, Tape) -> Variable) -> (value: [Float], input: [Float], parameters: [[Float]]) {
            parameters.forEach { $0.zeroGradient() }
            let tape = Tape()
            let input = tape.variable(features)
            let output = blend(input, tape)
            let gradients = tape.backward(from: output.sum())
            return (output.value.scalars, gradients[input]?.scalars ?? [], parameters.map { $0.gradient?.scalars ?? [] })
        }
        let split = run { input, tape in
            DynamicHeadNetworks.blend(input, lambda) { rows in
                expressionRowCounts.append(rows.shape[0])
                return networks.expressionColor(rows, condition: expression, on: tape)
            } pose: { rows in
                poseRowCounts.append(rows.shape[0])
                return networks.poseColor(rows, condition: pose, on: tape)
            }
        }
        let dense = run { input, tape in
            let weight = Variable(lambda)
            return networks.expressionColor(input, condition: expression, on: tape) * weight
                + networks.poseColor(input, condition: pose, on: tape) * (1 - weight)
        }

        #expect(expressionRowCounts == [4] && poseRowCounts == [4])
        func close(_ a: [Float], _ b: [Float]) -> Bool { a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) < 1e-5 } }
        #expect(close(split.value, dense.value))
        #expect(!split.input.isEmpty && close(split.input, dense.input))
        #expect(zip(split.parameters, dense.parameters).allSatisfy(close))
    }

    @Test func weightedDisplacementHalvesAreEachMLPTimesItsWeightAndSumToTheBlend() throws {
        let networks = Self.networks(seed: 7)
        var rng = Tensors.SplitMix64(seed: 8)
        for parameter in networks.namedParameters.map(\.parameter) where parameter.value.scalars.allSatisfy({ $0 == 0 }) {
            parameter.value = Tensor.normal(shape: parameter.shape, standardDeviation: 0.3, generator: &rng)
        }
        let points = Variable(Tensor.normal(shape: [6, 3], standardDeviation: 0.3, generator: &rng))
        let expression = Variable(Tensor.normal(shape: [1, 4], generator: &rng))
        let pose = Variable(Tensor.normal(shape: [1, 6], standardDeviation: 0.3, generator: &rng))
        let lambda = Tensor(shape: [6, 1], scalars: [1, 0, 0.25, 1, 0, 0.5])
        let weight = Variable(lambda)
        let expressionHalf = networks.weightedExpressionDisplacement(points: points, expression: expression, expressionWeights: lambda, on: nil)
        let poseHalf = networks.weightedPoseDisplacement(points: points, pose: pose, expressionWeights: lambda, on: nil)
        let denseExpression = networks.expressionDisplacement(points: points, expression: expression, on: nil) * weight
        let densePose = networks.poseDisplacement(points: points, pose: pose, on: nil) * (1 - weight)
        let blend = networks.displacement(points: points, expression: expression, pose: pose, expressionWeights: lambda, on: nil)

        func close(_ a: Variable, _ b: Variable) -> Bool {
            a.shape == b.shape && zip(a.value.scalars, b.value.scalars).allSatisfy { Swift.abs($0 - $1) < 1e-5 }
        }
        #expect(denseExpression.value.scalars.contains { $0 != 0 } && densePose.value.scalars.contains { $0 != 0 })
        #expect(close(expressionHalf, denseExpression))
        #expect(close(poseHalf, densePose))
        #expect(close(expressionHalf + poseHalf, blend))
        let noExpression = networks.weightedExpressionDisplacement(
            points: points, expression: expression, expressionWeights: Tensor(zeros: [6, 1]), on: nil)
        #expect(noExpression.shape == [6, 3] && noExpression.value.scalars.allSatisfy { $0 == 0 })
    }

    @Test func colorGradientsMatchCentralFiniteDifferences() throws {
        let networks = Self.networks(seed: 9)
        var rng = Tensors.SplitMix64(seed: 10)
        let features = Tensor.normal(shape: [5, 8], generator: &rng)
        let expression = Tensor.normal(shape: [1, 4], generator: &rng)
        let pose = Tensor.normal(shape: [1, 6], standardDeviation: 0.3, generator: &rng)
        let lambda = Tensor(shape: [5, 1], scalars: [1, 0.75, 0.5, 0.25, 0])
        // A small step: the positional encoding multiplies pose steps by up to 2³, and larger steps
        // cross LeakyReLU kinks of the hidden units (the difference quotient then averages two slopes).
        try expectGradientsMatchFiniteDifferences(inputs: [features, expression, pose], step: 1e-4, tolerance: 2e-2) { x in
            [networks.color(features: x[0], expression: x[1], pose: x[2], expressionWeights: lambda, on: x[0].tape)]
        }
    }

    @Test func guidanceArtifactRoundTrips() throws {
        let tracking = Self.tracking()
        let networks = Self.networks(seed: 11)
        var rng = Tensors.SplitMix64(seed: 12)
        for (_, parameter) in networks.namedParameters {
            parameter.value = Tensor.normal(shape: parameter.shape, generator: &rng)
        }
        let manifest = GuidanceManifest(
            source: "template", headModel: HeadModelReference(name: Self.model.name, path: ""),
            identity: tracking.identity, scale: tracking.scale,
            canonicalSpace: try CanonicalHeadSpace.of(tracking: tracking, model: Self.model),
            blend: ExpressionBlend(), networks: networks.configuration, metrics: ["iou": 0.97])
        let guidance = try GuidanceModel(
            manifest: manifest, vertices: Tensor.normal(shape: [4, 3], generator: &rng),
            faces: [SIMD3(0, 1, 2), SIMD3(0, 2, 3)], features: Tensor.normal(shape: [4, 8], generator: &rng),
            landmarks: Tensor.normal(shape: [68, 3], generator: &rng),
            networks: networks, extras: ["sdf.layers.0.weight": Tensor(shape: [1, 2], scalars: [3, 4])])
        let directory = uniqueTemporaryURL("guidance")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try guidance.write(to: directory)
        let read = try GuidanceModel.read(from: directory)
        #expect(read.manifest.vertexCount == 4 && read.manifest.faceCount == 2)
        #expect(read.vertices.scalars == guidance.vertices.scalars && read.faces == guidance.faces)
        #expect(read.features.scalars == guidance.features.scalars && read.landmarks.scalars == guidance.landmarks.scalars)
        #expect(read.extras["sdf.layers.0.weight"]?.scalars == [3, 4])
        for ((name, a), (_, b)) in zip(guidance.networks.namedParameters, read.networks.namedParameters) {
            #expect(a.value.scalars == b.value.scalars, "\(name)")
        }
    }

    @Test func guidanceWithoutParametersIsRefusedNamingTheFile() throws {
        let directory = uniqueTemporaryURL("guidance")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let error = #expect(throws: AvatarError.self) { try GuidanceModel.read(from: directory) }
        #expect(error?.description.contains("guidance.json is missing; the directory holds no Guidance artifact") == true)
    }
}
