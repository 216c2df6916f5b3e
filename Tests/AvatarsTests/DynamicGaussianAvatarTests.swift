import Foundation
import Geometry
import HeadModel
import MediaIO
import Splatting
import Tensors
import TestSupport
import Testing

@testable import Avatars

/// The Gaussian Head Avatar family on a small synthetic guidance: a sphere of points around the
/// canonical origin with random features and landmarks on its front (not a head; shapes and
/// algebra are what is tested here, training is tested in DynamicGaussiansTests).
struct DynamicGaussianAvatarTests {
    static let model = ProceduralHeadBuilder.build()

    static let frame = HeadTracking.Frame(
        rotation: [0.1, 0.3, 0], translation: [0.01, 0, 0.02], jaw: [0.2, 0, 0],
        expression: [Double](repeating: 0.3, count: model.expressionCount), landmarks: [],
        meanResidualPixels: 0, observedViews: 1)

    static func sphereGuidance(points: Int = 300) throws -> GuidanceModel {
        var rng = Tensors.SplitMix64(seed: 21)
        let vertices = (0..<points).flatMap { _ -> [Float] in
            let v = SIMD3(rng.nextNormal(), rng.nextNormal(), rng.nextNormal())
            let p = 0.4 * v / (v * v).sum().squareRoot()
            return [p.x, p.y, p.z]
        }
        let landmarks = (0..<68).flatMap { (i: Int) -> [Float] in
            let angle = Float(i) * 0.09
            return [0.2 * cos(angle), 0.2 * sin(angle) - 0.1, 0.4]
        }
        let faces = (0..<(points - 2)).map { (i: Int) -> SIMD3<Int32> in
            let a = Int32(i)
            return SIMD3<Int32>(a, a + 1, a + 2)
        }
        let configuration = DynamicHeadNetworkConfiguration.uniform(
            width: 16, featureWidth: 6, colorChannels: 5,
            expressionWidth: model.expressionCount + 3)
        let tracking = HeadTracking(model: model.name, cameras: [], identity: [], scale: 1, frames: [frame])
        let manifest = GuidanceManifest(
            source: "test-sphere", headModel: HeadModelReference(name: model.name, path: ""), identity: [],
            scale: 1, canonicalSpace: try CanonicalHeadSpace.of(tracking: tracking, model: model),
            blend: ExpressionBlend(), networks: configuration)
        return try GuidanceModel(
            manifest: manifest, vertices: Tensor(shape: [points, 3], scalars: vertices), faces: faces,
            features: Tensor.normal(shape: [points, 6], generator: &rng),
            landmarks: Tensor(shape: [68, 3], scalars: landmarks),
            networks: DynamicHeadNetworks(configuration: configuration, generator: &rng))
    }

    static func initialisation(count: Int = 500, mouth: Int = 40, factor: Int = 2) -> DynamicGaussianInitialization {
        DynamicGaussianInitialization(
            gaussianCount: count, mouthPoints: mouth, attributeExpressionHidden: [8, 8, 8], attributePoseHidden: [8, 8],
            superResolution: SuperResolutionConfiguration(
                factor: factor, inputChannels: 5,
                widths: Array([8, 4, 4].prefix(factor == 4 ? 3 : factor == 2 ? 2 : 1))),
            background: [1, 1, 1])
    }

    static func camera(size: Int) -> PinholeCamera {
        let space = try! sphereGuidance().manifest.canonicalSpace
        let centre = SIMD3<Float>(space.centre.map(Float.init))
        let eye = centre + SIMD3(0, 0, 3 * Float(space.length))
        return PinholeCamera(
            width: size, height: size, fx: Float(size), fy: Float(size), cx: Float(size) / 2 - 0.5,
            cy: Float(size) / 2 - 0.5,
            worldToCamera: PinholeCamera.lookAt(eye: eye, target: centre, up: SIMD3(0, -1, 0)))
    }

    @Test func initialisationKeepsTheGuidanceAndFillsSurfaceAndMouth() throws {
        let guidance = try Self.sphereGuidance()
        var rng = Tensors.SplitMix64(seed: 1)
        let model = try Self.initialisation().model(from: guidance, generator: &rng)
        #expect(model.count == 500)
        #expect(Array(model.positions.value.scalars[0..<900]) == guidance.vertices.scalars)
        #expect(Array(model.features.value.scalars[0..<1800]) == guidance.features.scalars)
        let positions = model.positions.value.scalars
        let mouth = (460..<500).map { SIMD3(positions[3 * $0], positions[3 * $0 + 1], positions[3 * $0 + 2]) }
        let lipsX = (48..<68).map { guidance.landmarks[flat: 3 * $0] }
        let mouthWidth = lipsX.max()! - lipsX.min()!
        #expect(mouth.allSatisfy { $0.z <= 0.4 + 1e-5 && $0.z >= 0.4 - 0.5 * mouthWidth - 1e-5 }, "mouth points reach from the lips into the head")
        #expect(model.rotations.value.scalars[0..<4] == [1, 0, 0, 0])
        let opacity = 1 / (1 + exp(-model.opacityLogits.value.scalars[0]))
        #expect(Swift.abs(opacity - 0.1) < 1e-5)
        #expect(model.logScales.value.scalars.allSatisfy { $0.isFinite && $0 < 0 })
    }

    @Test func freshGeneratorPlacesTheNeutralGaussiansWithTheHeadPose() throws {
        var rng = Tensors.SplitMix64(seed: 2)
        let model = try Self.initialisation().model(from: try Self.sphereGuidance(), generator: &rng)
        let condition = model.condition(of: Self.frame, scale: 1)
        let gaussians = model.gaussians(condition, on: nil)
        let x0 = model.positions.value.scalars, world = gaussians.means.value.scalars
        var worst: Float = 0
        for i in 0..<model.count {
            let expected = condition.transform.apply(SIMD3(x0[3 * i], x0[3 * i + 1], x0[3 * i + 2]))
            for a in 0..<3 { worst = max(worst, Swift.abs(world[3 * i + a] - expected[a])) }
        }
        #expect(worst < 1e-5)
        let scale = gaussians.logScales.value.scalars[0] - model.logScales.value.scalars[0]
        #expect(Swift.abs(scale - log(condition.transform.stretch)) < 1e-5)
        #expect(gaussians.features.shape == [model.count, 5])
    }

    @Test func generatorGradientsMatchCentralFiniteDifferences() throws {
        var rng = Tensors.SplitMix64(seed: 3)
        let guidance = try Self.sphereGuidance(points: 12)
        var initialisation = Self.initialisation(count: 12, mouth: 0)
        initialisation.attributeExpressionHidden = [8]
        initialisation.attributePoseHidden = [8]
        let model = try initialisation.model(from: guidance, generator: &rng)
        // Non-zero last layers, so every path of eq. 3–5 carries gradient.
        for (_, parameter) in model.namedParameters where parameter.shape.count == 2 && parameter.value.scalars.allSatisfy({ $0 == 0 }) {
            parameter.value = Tensor.normal(shape: parameter.shape, standardDeviation: 0.1, generator: &rng)
        }
        let condition = model.condition(of: Self.frame, scale: 1)
        let correction = (Variable(Tensor(shape: [1, 3], scalars: [0.05, -0.02, 0.01])), Variable(Tensor(shape: [1, 3], scalars: [0.01, 0, 0])))
        let probes = [3, 3, 4, 1, 5].map { Variable(Tensor.normal(shape: [12, $0], generator: &rng)) }
        func objective(_ g: GaussianVariables) -> Variable {
            (g.means * probes[0]).sum() + (g.logScales * probes[1]).sum() + (g.rotations * probes[2]).sum()
                + (g.opacityLogits * probes[3]).sum() + (g.features * probes[4]).sum()
        }
        let tape = Tape()
        let loss = objective(model.gaussians(condition, correction: correction, on: tape))
        tape.backward(from: loss)
        let h: Float = 1e-3
        for parameter in [model.positions, model.features, model.logScales, model.opacityLogits] {
            let analytic = try #require(parameter.gradient)
            for i in Swift.stride(from: 0, to: parameter.value.count, by: 5) {
                let original = parameter.value
                parameter.value.withUnsafeMutableBufferPointer { $0[i] += h }
                let plus = Double(objective(model.gaussians(condition, correction: correction, on: nil)).value.scalar)
                let lambdaPlus = model.expressionWeights.scalars
                parameter.value = original
                parameter.value.withUnsafeMutableBufferPointer { $0[i] -= h }
                let minus = Double(objective(model.gaussians(condition, correction: correction, on: nil)).value.scalar)
                let lambdaMinus = model.expressionWeights.scalars
                parameter.value = original
                // λ_exp selects and is not differentiated (eq. 3): skip steps that move a point across the blend band.
                if lambdaPlus != lambdaMinus { continue }
                let numeric = (plus - minus) / Double(2 * h)
                #expect(
                    Swift.abs(numeric - Double(analytic[flat: i])) <= 3e-2 * max(1, Swift.abs(numeric)),
                    "element \(i): analytic \(analytic[flat: i]), numeric \(numeric)")
            }
        }
    }

    @Test(arguments: [1, 2, 4]) func superResolutionUpsamplesByItsFactorToRGBInTheUnitRange(_ factor: Int) throws {
        var rng = Tensors.SplitMix64(seed: 4)
        let widths = Array([8, 4, 4].prefix(factor == 4 ? 3 : factor == 2 ? 2 : 1))
        let network = try SuperResolutionNetwork(
            configuration: SuperResolutionConfiguration(factor: factor, inputChannels: 5, widths: widths),
            generator: &rng)
        let output = network(Variable(Tensor.normal(shape: [1, 5, 6, 4], generator: &rng)), on: nil)
        #expect(output.shape == [1, 3, 6 * factor, 4 * factor])
        #expect(output.value.scalars.allSatisfy { $0 > 0 && $0 < 1 })
    }

    @Test func residualSuperResolutionStartsAtTheUpsampledFirstThreeChannels() throws {
        var rng = Tensors.SplitMix64(seed: 8)
        let configuration = SuperResolutionConfiguration(factor: 2, inputChannels: 5, widths: [8, 4], residual: true)
        let network = try SuperResolutionNetwork(configuration: configuration, generator: &rng)
        let features = Variable(Tensor.normal(shape: [1, 5, 3, 4], generator: &rng))
        let expected = features.slice(0..<3, axis: 1).upsampledBilinear(scale: 2).value.scalars
        #expect(network(features, on: nil).value.scalars == expected)
    }

    @Test func unsupportedSuperResolutionSizesAreRefused() {
        #expect(throws: AvatarError.self) { try SuperResolutionConfiguration(factor: 3, inputChannels: 5, widths: [8]).validate() }
        #expect(throws: AvatarError.self) { try SuperResolutionConfiguration(factor: 2, inputChannels: 5, widths: [8]).validate() }
    }

    @Test func featureCameraIsTheCameraAtReducedResolution() throws {
        var rng = Tensors.SplitMix64(seed: 5)
        let model = try Self.initialisation(factor: 4).model(from: try Self.sphereGuidance(), generator: &rng)
        let camera = Self.camera(size: 32)
        let reduced = try model.featureCamera(for: camera)
        #expect(reduced.width == 8 && reduced.height == 8 && reduced.fx == camera.fx / 4)
        #expect(Swift.abs(reduced.cx - 3.5) < 1e-6, "the image centre maps to the image centre")
        #expect(throws: AvatarError.self) { try model.featureCamera(for: Self.camera(size: 30)) }
    }

    @Test func avatarArtifactRoundTripsThroughTheLoaderAndRendersAtTheCameraSize() throws {
        let directory = uniqueTemporaryURL("gha-avatar")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var rng = Tensors.SplitMix64(seed: 6)
        let model = try Self.initialisation().model(from: try Self.sphereGuidance(), generator: &rng)
        let manifest = AvatarManifest(
            family: DynamicGaussianAvatar.family, headModel: HeadModelReference(name: Self.model.name, path: ""),
            identity: [], scale: 1, shDegree: 0, gaussianCount: model.count, background: [1, 1, 1],
            trainingCameras: ["cam0"], heldOutCameras: [], iterations: 0)
        let original = DynamicGaussianAvatar(manifest: manifest, headModel: Self.model, model: model)
        try original.write(to: directory)
        let loaded = try AvatarLoader.load(from: directory)
        #expect(type(of: loaded).family == DynamicGaussianAvatar.family)
        let rasterizer = GaussianRasterizer(workers: 1)
        let images = try loaded.render(driving: Self.frame, cameras: [Self.camera(size: 32)], rasterizer: rasterizer)
        #expect(images == (try original.render(driving: Self.frame, cameras: [Self.camera(size: 32)], rasterizer: rasterizer)))
        #expect(images[0].width == 32 && images[0].height == 32)
        #expect(images[0].alphaSamples.contains { $0 > 0.5 }, "the sphere covers the image centre")
        #expect(try loaded.scene(driving: Self.frame).appearance == .features(channels: 5))
    }

    @Test func damagedAvatarParametersAreRefusedNamingTheFile() throws {
        let directory = uniqueTemporaryURL("gha-avatar")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var rng = Tensors.SplitMix64(seed: 7)
        let model = try Self.initialisation().model(from: try Self.sphereGuidance(), generator: &rng)
        let manifest = AvatarManifest(
            family: DynamicGaussianAvatar.family, headModel: HeadModelReference(name: Self.model.name, path: ""),
            identity: [], scale: 1, shDegree: 0, gaussianCount: model.count, background: [1, 1, 1],
            trainingCameras: [], heldOutCameras: [], iterations: 0)
        var avatar = DynamicGaussianAvatar(manifest: manifest, headModel: Self.model, model: model)
        avatar.parameters["neutral.features"] = Tensor(zeros: [3, 6])
        try avatar.write(to: directory)
        #expect { try AvatarLoader.load(from: directory) } throws: { error in
            let message = (error as? AvatarError)?.description ?? ""
            return message.contains("gaussians.safetensors") && message.contains("neutral.features")
        }
    }
}

struct RigidCorrectionTests {
    @Test func correctionsComposeWithTheRootRotationAndAddToTheTranslation() throws {
        let model = DynamicGaussianAvatarTests.model
        let tracking = HeadTracking(model: model.name, cameras: [], identity: [], scale: 1, frames: [DynamicGaussianAvatarTests.frame])
        let refined = tracking.applyingRigidCorrections(rotations: [0, 0.2, 0], translations: [0.01, -0.02, 0.03])
        let root = SIMD3<Float>(tracking.frames[0].rotation.map(Float.init))
        let expected = (Matrix3x3(rotationVector: SIMD3(0, 0.2, 0)) * Matrix3x3(rotationVector: root)).rotationVector
        for a in 0..<3 { #expect(Swift.abs(refined.frames[0].rotation[a] - Double(expected[a])) < 1e-6) }
        #expect(zip(refined.frames[0].translation, [0.02, -0.02, 0.05]).allSatisfy { Swift.abs($0 - $1) < 1e-6 })
        let unchanged = tracking.applyingRigidCorrections(rotations: [0, 0, 0], translations: [0, 0, 0])
        #expect(zip(unchanged.frames[0].rotation, tracking.frames[0].rotation).allSatisfy { Swift.abs($0 - $1) < 1e-6 })
    }
}
