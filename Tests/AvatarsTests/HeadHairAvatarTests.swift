import Foundation
import HeadModel
import MediaIO
import Splatting
import Tensors
import TestSupport
import Testing

@testable import Avatars

/// HHAvatar's hair on GHA's small synthetic sphere (DynamicGaussianAvatarTests): points with
/// y > 0 are hair, the scalp is a ring at the top. Shapes, weights, history and gradients are
/// tested here; training in DynamicGaussiansTests.
struct HeadHairAvatarTests {
    typealias GHA = DynamicGaussianAvatarTests

    /// A head-hair model of `count` Gaussians with random (non-zero) hair MLPs.
    static func model(
        count: Int = 60, dynamicHair: Bool = true, seed: UInt64 = 4, poseHistory: HairDynamicsConfiguration.PoseHistory = .absolute
    ) throws -> HeadHairModel {
        var rng = Tensors.SplitMix64(seed: seed)
        var initialisation = GHA.initialisation(count: count, mouth: 0, factor: 1)
        initialisation.attributeExpressionHidden = [8]
        initialisation.attributePoseHidden = [8]
        let base = try initialisation.model(from: try GHA.sphereGuidance(points: count), generator: &rng)
        let positions = base.positions.value.scalars
        let isHair = (0..<count).map { positions[3 * $0 + 1] > 0 }
        let scalp = (0..<8).map { i -> SIMD3<Float> in
            let angle = Float(i) * .pi / 4
            return SIMD3(0.3 * cos(angle), 0.3, 0.3 * sin(angle))
        }
        let parts = HeadHairParts(isHair: isHair, scalp: scalp)
        let hairPoints = Variable(base.positions.value).gatherRows(parts.hairIndices).value
        let hair = HairDynamicsNetworks(
            configuration: HairDynamicsConfiguration(hidden: [8, 8], frequencies: 2, colorChannels: 5, poseHistory: poseHistory), generator: &rng)
        for parameter in hair.parameters where parameter.value.scalars.allSatisfy({ $0 == 0 }) {
            parameter.value = Tensor.normal(shape: parameter.shape, standardDeviation: 0.3, generator: &rng)
        }
        return HeadHairModel(
            base: base, parts: parts, hairWeights: ScalpHairBlend(near: 0.05, far: 0.4).weights(points: hairPoints, scalp: scalp),
            hair: hair, dynamicHair: dynamicHair)
    }

    static func history(_ model: HeadHairModel, seed: UInt64) -> HairMotionHistory {
        var rng = Tensors.SplitMix64(seed: seed)
        let rest = model.restHairPositions
        let h = rest.shape[0]
        return HairMotionHistory(
            previous: (Variable(rest) + Variable(Tensor.normal(shape: [h, 3], standardDeviation: 0.03, generator: &rng))).value,
            beforePrevious: (Variable(rest) + Variable(Tensor.normal(shape: [h, 3], standardDeviation: 0.03, generator: &rng))).value,
            previousPose: (0..<6).map { _ in 0.2 * rng.nextNormal() }, beforePreviousPose: (0..<6).map { _ in 0.2 * rng.nextNormal() })
    }

    @Test func paperHairWeightIsOneNearTheScalpFallingLinearlyToZeroAtT4() {
        let blend = ScalpHairBlend()
        #expect(blend.near == 0.05 && blend.far == 0.15)
        #expect(blend.weight(distance: 0.02) == 1)
        #expect(Swift.abs(blend.weight(distance: 0.10) - 0.5) < 1e-6)
        #expect(blend.weight(distance: 0.15) == 0)
        #expect(blend.weight(distance: 0.4) == 0)
    }

    @Test func rootsToTipsWeightRisesFromTheScalpToOneAtT4() {
        let blend = ScalpHairBlend(rule: .rootsToTips)
        #expect(blend.weight(distance: 0) == 0)
        #expect(Swift.abs(blend.weight(distance: 0.075) - 0.5) < 1e-6)
        #expect(blend.weight(distance: 0.3) == 1)
    }

    @Test func hairWeightsUseTheNearestScalpPoint() {
        let points = Tensor(shape: [2, 3], scalars: [0, 0.02, 0, 1, 0, 0])
        let weights = ScalpHairBlend().weights(points: points, scalp: [SIMD3(0, 0, 0), SIMD3(1, 0.1, 0)])
        #expect(weights.shape == [2, 1])
        #expect(weights.scalars[0] == 1)
        #expect(Swift.abs(weights.scalars[1] - 0.5) < 1e-5)
    }

    @Test func pointsNearTheScalpOrAwayFromTheSkinAreHairTheRestHead() {
        let vertices: [SIMD3<Float>] = [SIMD3(0, 1, 0), SIMD3(0, 0, 1), SIMD3(1, 0, 0)]
        let regions: [HeadRegion] = [.scalp, .face, .ears]
        let points = Tensor(shape: [4, 3], scalars: [0, 1.01, 0, 0, 0, 1.01, 1, 0.01, 0, 0, -1, 0])
        let parts = HeadHairParts(points: points, vertices: vertices, regions: regions, margin: 0.03)
        #expect(parts.isHair == [true, false, false, true])
        #expect(parts.scalp == [SIMD3(0, 1, 0)])
        #expect(parts.hairIndices == [0, 3])
        #expect(parts.scatterRows == [0, 2, 2, 1])
        #expect(parts.partColors.scalars == [0, 1, 1, 0, 1, 0, 0, 1])
    }

    @Test func historyStartsAtRestAndShiftsOneFramePerAdvance() {
        let rest = Tensor(shape: [1, 3], scalars: [0, 0, 0])
        var history = HairMotionHistory.atRest(positions: rest, pose: [1, 1, 1, 1, 1, 1])
        #expect(history.previous.scalars == [0, 0, 0] && history.beforePrevious.scalars == [0, 0, 0] && history.beforePreviousPose == [1, 1, 1, 1, 1, 1])
        history.advance(positions: Tensor(shape: [1, 3], scalars: [1, 2, 3]), pose: [2, 2, 2, 2, 2, 2])
        #expect(history.previous.scalars == [1, 2, 3] && history.beforePrevious.scalars == [0, 0, 0])
        #expect(history.previousPose == [2, 2, 2, 2, 2, 2] && history.beforePreviousPose == [1, 1, 1, 1, 1, 1])
    }

    @Test(arguments: HairDynamicsConfiguration.PoseHistory.allCases)
    func hairNetworkGradientsWithRespectToNeutralPositionsHistoryAndPosesMatchFiniteDifferences(
        poseHistory: HairDynamicsConfiguration.PoseHistory
    ) throws {
        let model = try Self.model(count: 16, poseHistory: poseHistory)
        let hair = model.hair
        let h = model.parts.hairIndices.count
        let inputs = [
            randomTensor([h, 3], seed: 1, low: -0.4, high: 0.4), randomTensor([h, 3], seed: 2, low: -0.4, high: 0.4),
            randomTensor([h, 3], seed: 3, low: -0.4, high: 0.4), randomTensor([1, 6], seed: 4), randomTensor([1, 6], seed: 5),
            randomTensor([1, 6], seed: 6),
        ]
        try expectGradientsMatchFiniteDifferences(inputs: inputs, step: 1e-3, tolerance: 3e-2) { v in
            let input = hair.input(x0: v[0], previous: v[1], beforePrevious: v[2], poses: [v[3], v[4], v[5]])
            return [hair.deformation, hair.color, hair.attributes].map { $0(input.perPoint, condition: input.poses, on: nil) }
        }
    }

    @Test func differencesEncodingFeedsTheCurrentPoseEncodedAndTheScaledPerFrameChanges() throws {
        let model = try Self.model(count: 16, poseHistory: .differences)
        let hair = model.hair
        let h = model.parts.hairIndices.count
        let x0 = Variable(randomTensor([h, 3], seed: 1, low: -0.4, high: 0.4))
        let poses = [4, 5, 6].map { Variable(randomTensor([1, 6], seed: $0)) }
        let columns = hair.input(x0: x0, previous: x0, beforePrevious: x0, poses: poses).poses.value.scalars
        let encoded = hair.encoding(poses[0]).value.scalars
        let (now, before, earlier) = (poses[0].value.scalars, poses[1].value.scalars, poses[2].value.scalars)
        let expected = encoded + (0..<6).map { 10 * (now[$0] - before[$0]) } + (0..<6).map { 10 * (before[$0] - earlier[$0]) }
        #expect(columns.count == expected.count)
        #expect(zip(columns, expected).allSatisfy { Swift.abs($0 - $1) < 1e-5 })
    }

    @Test func aHairConfigurationWrittenWithoutPoseHistoryReadsAsAbsolutePoses() throws {
        let json = #"{"hidden":[64,64],"frequencies":4,"color_channels":32,"history_scale":10,"deformation_scale":0.2,"attribute_scale":0.2}"#
        let configuration = try JSONDecoder().decode(HairDynamicsConfiguration.self, from: Data(json.utf8))
        #expect(configuration.poseHistory == .absolute)
        #expect(configuration == HairDynamicsConfiguration(hidden: [64, 64], colorChannels: 32))
    }

    @Test func headHairGaussianGradientsMatchFiniteDifferences() throws {
        let model = try Self.model(count: 16)
        let condition = model.base.condition(of: GHA.frame, scale: 1)
        let history = Self.history(model, seed: 8)
        var rng = Tensors.SplitMix64(seed: 9)
        let probes = [3, 3, 4, 1, 5].map { Variable(Tensor.normal(shape: [16, $0], generator: &rng)) }
        func objective(_ tape: Tape?) -> Variable {
            let g = model.gaussians(condition, history: history, on: tape).gaussians
            return (g.means * probes[0]).sum() + (g.logScales * probes[1]).sum() + (g.rotations * probes[2]).sum()
                + (g.opacityLogits * probes[3]).sum() + (g.features * probes[4]).sum()
        }
        // A small step: leaky-ReLU kinks crossed within the step would bias the finite difference.
        checkParameterGradients(
            model.hair.parameters + [model.base.features, model.base.logScales], step: 2e-4, absolute: 2e-2, relative: 3e-2, objective)
    }

    @Test func hairOffsetsReachOnlyHairGaussiansScaledByTheirHairWeight() throws {
        let model = try Self.model(count: 40)
        let frozen = try Self.model(count: 40, dynamicHair: true, seed: 4)
        for parameter in frozen.hair.parameters { parameter.value = Tensor(zeros: parameter.shape) }
        let condition = model.base.condition(of: GHA.frame, scale: 1)
        let history = Self.history(model, seed: 3)
        let moved = model.gaussians(condition, history: history, on: nil).gaussians.means.value.scalars
        let still = frozen.gaussians(condition, history: history, on: nil).gaussians.means.value.scalars
        let weights = model.hairWeights.scalars
        var hairRank = 0
        for (i, hair) in model.parts.isHair.enumerated() {
            let delta = (0..<3).map { Swift.abs(moved[3 * i + $0] - still[3 * i + $0]) }.max()!
            if hair {
                #expect((delta > 0) == (weights[hairRank] > 0), "hair Gaussian \(i), λ_hair \(weights[hairRank])")
                hairRank += 1
            } else {
                #expect(delta == 0, "head Gaussian \(i) moved by \(delta)")
            }
        }
    }

    @Test func hairHasNoExpressionWeightWhenDynamic() throws {
        let model = try Self.model(count: 40)
        let ablation = try Self.model(count: 40, dynamicHair: false)
        for (i, hair) in model.parts.isHair.enumerated() where hair { #expect(model.expressionWeights.scalars[i] == 0) }
        #expect(ablation.expressionWeights.scalars == ablation.base.expressionWeights.scalars)
    }

    @Test func theHistoryChangesTheHairOfTheSameFrame() throws {
        let model = try Self.model(count: 40)
        let condition = model.base.condition(of: GHA.frame, scale: 1)
        let a = model.gaussians(condition, history: Self.history(model, seed: 1), on: nil).hairPositions
        let b = model.gaussians(condition, history: Self.history(model, seed: 2), on: nil).hairPositions
        #expect(a.scalars != b.scalars)
        let rolled = model.canonicalHairPositions(condition, history: Self.history(model, seed: 1)).scalars
        #expect(zip(a.scalars, rolled).allSatisfy { Swift.abs($0 - $1) < 1e-5 }, "the cheap roll-out gives the render's hair positions")
    }

    @Test func partMaskGradientsThroughTheRasteriserMatchFiniteDifferences() throws {
        let model = try Self.model(count: 30)
        let camera = GHA.camera(size: 8)
        let condition = model.base.condition(of: GHA.frame, scale: 1)
        let gaussians = model.gaussians(condition, history: model.rest(condition), on: nil).gaussians
        let rasterizer = GaussianRasterizer(workers: 1)
        let target = randomTensor([8, 8, 2], seed: 12, low: 0, high: 1)
        let featureCamera = try model.base.featureCamera(for: camera)
        #expect(featureCamera.width == 8)
        checkGradients([gaussians.means.value, gaussians.opacityLogits.value], step: 2e-4, absolute: 3e-3, relative: 5e-2) { v in
            var g = gaussians
            g.means = v[0]
            g.opacityLogits = v[1]
            let raster = try! rasterizer.render(
                OcclusionAwareMasks.withPartChannels(g, partColors: model.parts.partColors), camera: featureCamera,
                // No α cut-off or early stop: the rendered masks are smooth within a finite-difference step.
                settings: RasterSettings(
                    background: model.base.configuration.featureBackground + [0, 0], alphaThreshold: 1e-7, transmittanceThreshold: 0))
            return OcclusionAwareMasks.loss(rendered: raster.image.slice(5..<7, axis: 2), target: target)
        }
    }

    @Test func hairInFrontHidesTheHeadInTheHeadMask() throws {
        let (gaussians, parts, camera) = Self.hairInFrontOfHead()
        let raster = try GaussianRasterizer(workers: 1).render(
            OcclusionAwareMasks.withPartChannels(gaussians, partColors: parts.partColors), camera: camera,
            settings: RasterSettings(background: [0, 0, 0]))
        let centre = raster.image.value.scalars[3 * (1 * 4 + 1)..<3 * (1 * 4 + 1) + 3]
        #expect(centre[centre.startIndex + 2] > 0.9, "hair channel \(Array(centre))")
        #expect(centre[centre.startIndex + 1] < 0.1, "head channel \(Array(centre))")
    }

    @Test func separateAlphaMasksKeepTheHeadBehindTheHairAsHead() throws {
        let (gaussians, parts, camera) = Self.hairInFrontOfHead()
        let masks = try OcclusionAwareMasks.separateAlphaMasks(
            gaussians, isHair: parts.isHair, camera: camera, rasterizer: GaussianRasterizer(workers: 1))
        #expect(masks.shape == [4, 4, 2])
        let centre = Array(masks.value.scalars[2 * (1 * 4 + 1)..<2 * (1 * 4 + 1) + 2])
        #expect(centre[0] > 0.9, "head alone covers the centre: \(centre)")
        #expect(centre[1] > 0.9, "hair alone covers the centre: \(centre)")
    }

    @Test func separateAlphaMaskGradientsMatchFiniteDifferences() throws {
        let model = try Self.model(count: 30)
        let condition = model.base.condition(of: GHA.frame, scale: 1)
        let gaussians = model.gaussians(condition, history: model.rest(condition), on: nil).gaussians
        let rasterizer = GaussianRasterizer(workers: 1)
        let camera = try model.base.featureCamera(for: GHA.camera(size: 8))
        let target = randomTensor([8, 8, 2], seed: 13, low: 0, high: 1)
        checkGradients([gaussians.means.value, gaussians.opacityLogits.value], step: 2e-4, absolute: 3e-3, relative: 5e-2) { v in
            var g = gaussians
            g.means = v[0]
            g.opacityLogits = v[1]
            // No α cut-off or early stop: the rendered masks are smooth within a finite-difference step.
            let masks = try! OcclusionAwareMasks.separateAlphaMasks(
                g, isHair: model.parts.isHair, camera: camera, rasterizer: rasterizer,
                settings: RasterSettings(background: [0], alphaThreshold: 1e-7, transmittanceThreshold: 0))
            return OcclusionAwareMasks.loss(rendered: masks, target: target)
        }
    }

    @Test func exportedPLYLabelsEveryGaussianWithItsPart() throws {
        let model = try Self.model(count: 40)
        let manifest = AvatarManifest(
            family: HeadHairAvatar.family, headModel: HeadModelReference(name: GHA.model.name, path: ""),
            identity: [], scale: 1, shDegree: 0, gaussianCount: model.base.count, background: [1, 1, 1],
            trainingCameras: ["cam0"], heldOutCameras: [], iterations: 0)
        let configuration = HeadHairConfiguration(
            dynamicHair: true, hairBlend: ScalpHairBlend(), hairNetworks: model.hair.configuration, historyFrames: 2)
        let avatar = HeadHairAvatar(manifest: manifest, headModel: GHA.model, model: model, hairConfiguration: configuration)
        let url = uniqueTemporaryURL("hh-parts").appendingPathExtension("ply")
        defer { try? FileManager.default.removeItem(at: url) }
        try GaussianPLY.write(try avatar.scene(driving: GHA.frame), to: url)
        let read = try GaussianPLY.read(from: url)
        let labels = model.parts.isHair.map { Int32($0 ? 1 : 0) }
        #expect(labels.contains(1) && labels.contains(0), "the test model has both parts")
        #expect(read.attributes[HeadHairAvatar.partAttribute] == GaussianAttribute(width: 1, values: .int32(labels)))
    }

    @Test func avatarRoundTripsWithItsMemoryAndRendersASequenceFromRest() throws {
        let directory = uniqueTemporaryURL("hh-avatar")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = try Self.model(count: 80)
        let configuration = HeadHairConfiguration(
            dynamicHair: true, hairBlend: ScalpHairBlend(), hairNetworks: model.hair.configuration, historyFrames: 2)
        let manifest = AvatarManifest(
            family: HeadHairAvatar.family, headModel: HeadModelReference(name: GHA.model.name, path: ""),
            identity: [], scale: 1, shDegree: 0, gaussianCount: model.base.count, background: [1, 1, 1],
            trainingCameras: ["cam0"], heldOutCameras: [], iterations: 0)
        let original = HeadHairAvatar(manifest: manifest, headModel: GHA.model, model: model, hairConfiguration: configuration)
        try original.write(to: directory)
        let loaded = try #require(try AvatarLoader.load(from: directory) as? any MotionHistoryAvatar)
        #expect(try HeadHairAvatar.read(from: directory).hairConfiguration.memory)
        var moving = GHA.frame
        moving.rotation = [0.1, -0.3, 0]
        let driving = [GHA.frame, moving, GHA.frame, moving]
        let rasterizer = GaussianRasterizer(workers: 1)
        let cameras = [GHA.camera(size: 16)]
        var whole: [Int: [FloatImage]] = [:], tail: [Int: [FloatImage]] = [:]
        try loaded.renderSequence(driving: driving, range: 0..<4, cameras: { _ in cameras }, rasterizer: rasterizer) { whole[$0] = $1 }
        try original.renderSequence(driving: driving, range: 2..<4, cameras: { _ in cameras }, rasterizer: rasterizer) { tail[$0] = $1 }
        // The roll-out evaluates the MLPs on the hair rows only, the render on every row: equal up to BLAS rounding.
        let difference = zip(try #require(whole[3])[0].samples, try #require(tail[3])[0].samples).map { Swift.abs($0 - $1) }.max() ?? 1
        #expect(difference < 1e-4, "rendering the last frames rolls the history through the earlier ones (max difference \(difference))")
        #expect(whole[2] != (try loaded.render(driving: GHA.frame, cameras: cameras, rasterizer: rasterizer)), "frame 2 remembers the turns before it")
        #expect(whole[0] == (try loaded.render(driving: GHA.frame, cameras: cameras, rasterizer: rasterizer)), "a sequence starts at rest")
    }

    /// One head Gaussian behind one opaque hair Gaussian on the axis of a 4×4 camera.
    static func hairInFrontOfHead() -> (GaussianVariables, HeadHairParts, PinholeCamera) {
        let camera = PinholeCamera(
            width: 4, height: 4, fx: 4, fy: 4, cx: 1.5, cy: 1.5,
            worldToCamera: PinholeCamera.lookAt(eye: SIMD3(0, 0, 3), target: .zero, up: SIMD3(0, -1, 0)))
        let gaussians = GaussianVariables(
            means: Variable(Tensor(shape: [2, 3], scalars: [0, 0, 0, 0, 0, 1])),
            rotations: Variable(Tensor(shape: [2, 4], scalars: [1, 0, 0, 0, 1, 0, 0, 0])),
            logScales: Variable(Tensor(shape: [2, 3], scalars: [Float](repeating: log(2), count: 6))),
            opacityLogits: Variable(Tensor(shape: [2, 1], scalars: [8, 8])),
            features: Variable(Tensor(zeros: [2, 1])), appearance: .features(channels: 1))
        return (gaussians, HeadHairParts(isHair: [false, true], scalp: []), camera)
    }
}
