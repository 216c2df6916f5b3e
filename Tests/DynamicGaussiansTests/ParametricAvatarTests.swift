import AvatarFlow
import Avatars
import Foundation
import HeadModel
import MediaIO
import Splatting
import Tensors
import TestSupport
import Testing

@testable import DynamicGaussians
@testable import MeshGuidance
@testable import SyntheticCapture

/// The fitted GPHM person as an AvatarModel (family `gphm`), its driving map, and `gphm.edit`
/// (expression transfer, identity/expression interpolation) on a tiny population.
@Suite(.serialized) struct ParametricAvatarTests {
    /// A frame at rest with the given expression coefficients and jaw.
    static func frame(expression: [Double], jaw: [Double] = [0, 0, 0], translation: [Double] = [0, 0, 0]) -> HeadTracking.Frame {
        HeadTracking.Frame(
            rotation: [0, 0, 0], translation: translation, jaw: jaw, expression: expression, landmarks: [], meanResidualPixels: 0, observedViews: 1)
    }

    /// A tiny population, a short stage 1 + 2 and a short fit: the harness, the population and the fit's outputs.
    static func fitted(_ label: String) throws -> (harness: StageHarness, population: URL, outputs: [String: URL]) {
        let harness = try StageHarness(label: label)
        let (population, meshModel) = try ParametricGaussianStageTests.stageOne(harness)
        var overrides = ParametricGaussianStageTests.gaussianQuick
        overrides["iterations"] = .int(10)
        let trained = try #require(
            try harness.run(ParametricGaussianStage.self, inputs: ["population": population, "model": meshModel], with: overrides)["model"])
        let outputs = try harness.run(
            ParametricFitStage.self, inputs: ["model": trained, "population": population], with: ["code_iterations": .int(5), "refine_iterations": .int(3)])
        return (harness, population, outputs)
    }

    @Test func regressionRecoversALinearMapFromExpressionAndJawToCodes() throws {
        var generator = SplitMix64(seed: 3)
        let truth = (0..<(5 * 2)).map { _ in Float.random(in: -1...1, using: &generator) }  // rows: 4 inputs + bias, 2 code values
        var frames: [HeadTracking.Frame] = [], codes: [Float] = []
        for _ in 0..<12 {
            let input = (0..<4).map { _ in Double.random(in: -1...1, using: &generator) }
            frames.append(Self.frame(expression: [input[0]], jaw: Array(input[1..<4])))
            let x = input + [1]
            for k in 0..<2 { codes.append((0..<5).map { Float(x[$0]) * truth[$0 * 2 + k] }.reduce(0, +)) }
        }
        let map = try ExpressionCodeRegression.fit(frames: frames, codes: Tensor(shape: [12, 2], scalars: codes), ridge: 1e-9)
        #expect(zip(map.weights.scalars, truth).allSatisfy { Swift.abs($0 - $1) < 1e-4 })
        #expect(map.rmsResidual < 1e-5)
    }

    @Test func framesOfOneExpressionAcrossSubjectsDriveTheirMeanCode() throws {
        // Two subjects × two expressions: the same head-model input, different auto-decoded codes.
        let smile = Self.frame(expression: [0, 1, 0]), neutral = Self.frame(expression: [0, 0, 0])
        let codes = Tensor(shape: [4, 2], scalars: [0.01, 0.02, 0.03, -0.02, 0.03, 0.00, 0.05, -0.04])
        let map = try ExpressionCodeRegression.fit(frames: [neutral, smile, neutral, smile], codes: codes, ridge: 1e-6)
        let neutralCode = try map.code(for: neutral).scalars, smileCode = try map.code(for: smile).scalars
        #expect(zip(neutralCode, [Float(0.02), 0.01]).allSatisfy { Swift.abs($0 - $1) < 1e-5 })
        #expect(zip(smileCode, [Float(0.04), -0.03]).allSatisfy { Swift.abs($0 - $1) < 1e-5 })
        #expect(Swift.abs(map.rmsResidual - 0.01) < 1e-5, "the spread of each expression's codes about their mean")
        #expect(throws: AvatarError.self) { try map.code(for: Self.frame(expression: [0, 1])) }
    }

    @Test func anchoredMapGivesTheAnchorCodeAtItsFrameAndKeepsDifferences() throws {
        let smile = Self.frame(expression: [0, 1, 0]), neutral = Self.frame(expression: [0, 0, 0])
        let map = try ExpressionCodeRegression.fit(
            frames: [neutral, smile], codes: Tensor(shape: [2, 2], scalars: [0.01, 0.02, 0.03, -0.02]), ridge: 1e-6)
        let anchored = try map.anchored(at: neutral, code: Tensor(shape: [1, 2], scalars: [1, 2]))
        #expect(zip(try anchored.code(for: neutral).scalars, [Float(1), 2]).allSatisfy { Swift.abs($0 - $1) < 1e-6 })
        let difference = zip(try map.code(for: smile).scalars, try map.code(for: neutral).scalars).map { $0 - $1 }
        let anchoredDifference = zip(try anchored.code(for: smile).scalars, try anchored.code(for: neutral).scalars).map { $0 - $1 }
        #expect(zip(difference, anchoredDifference).allSatisfy { Swift.abs($0 - $1) < 1e-6 })
        #expect(throws: AvatarError.self) { try map.anchored(at: neutral, code: Tensor(shape: [1, 3], scalars: [0, 0, 0])) }
    }

    @Test func showcaseBlendsEachExpressionIntoTheNextAndBackToTheFirst() {
        let a = Self.frame(expression: [0, 0]), b = Self.frame(expression: [1, 2], jaw: [0.2, 0, 0])
        let frames = ParametricFitStage.blended([a, b], framesPerState: 2)
        #expect(frames.map(\.expression) == [[0, 0], [0.5, 1], [1, 2], [0.5, 1]])
        #expect(frames[1].jaw == [0.1, 0, 0] && frames[2].jaw == [0.2, 0, 0])
    }

    @Test func codeSequencesAreLinearInCodeSpaceAndEndAtTheTarget() throws {
        let a = Tensor(shape: [1, 2], scalars: [0, 1]), b = Tensor(shape: [1, 2], scalars: [4, -3])
        let sequence = try ParametricHeadAvatar.codeSequence(from: a, to: b, steps: 4)
        #expect(sequence.map(\.scalars) == [[1, 0], [2, -1], [3, -2], [4, -3]])
        #expect(throws: AvatarError.self) { try ParametricHeadAvatar.codeSequence(from: a, to: b, steps: 0) }
        #expect(throws: AvatarError.self) { try ParametricHeadAvatar.interpolate(a, Tensor(shape: [1, 3], scalars: [0, 0, 0]), fraction: 0.5) }
    }

    @Test func fittedAvatarRoundTripsRendersAsTheFitAndIsDrivenByTheTruth() throws {
        let (harness, populationURL, outputs) = try Self.fitted("gphm-avatar")
        let avatarURL = try #require(outputs["avatar"])
        let avatar = try #require(try AvatarLoader.load(from: avatarURL) as? ParametricHeadAvatar)
        #expect(avatar.manifest.family == "gphm" && avatar.manifest.trainingCameras == ["cam01"])

        // Round trip: written again and read back, every tensor is the same.
        let copy = harness.root.appendingPathComponent("avatar-copy")
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
        try avatar.write(to: copy)
        let reread = try ParametricHeadAvatar.read(from: copy)
        #expect(reread.manifest == avatar.manifest && reread.headManifest == avatar.headManifest)
        #expect(reread.headTensors.keys.sorted() == avatar.headTensors.keys.sorted())
        #expect(reread.headTensors.allSatisfy { avatar.headTensors[$0.key]?.scalars == $0.value.scalars })
        #expect(reread.identity.scalars == avatar.identity.scalars && reread.expression.scalars == avatar.expression.scalars)
        #expect(reread.positionOffsets.scalars == avatar.positionOffsets.scalars && reread.driving.weights.scalars == avatar.driving.weights.scalars)

        // The fitted codes rendered by the avatar are the fit stage's own render (right half of its picture).
        let population = try Population.open(populationURL)
        let subject = try #require(population.heldOutSubjects.first)
        let capture = try Capture.open(population.captureDirectory(of: subject))
        let camera = try #require(capture.cameras.first { $0.calibration.id == "cam01" }).calibration
        let rest = Self.frame(expression: [Double](repeating: 0, count: avatar.driving.expressionCount))
        // The fitted frame's true state (neutral, still) drives the fitted code (the map is anchored there).
        let fittedState = try PopulationTrainingData.groundTruthFrames(population: population, subject: subject)[0]
        #expect(zip(try avatar.driving.code(for: fittedState).scalars, avatar.expression.scalars).allSatisfy { Swift.abs($0 - $1) < 1e-6 })
        let rendered = try avatar.render(driving: fittedState, cameras: [try camera.pinholeCamera()], rasterizer: GaussianRasterizer())[0]
        let picture = try PNGFile.read8(try #require(outputs["report"]).appendingPathComponent("pictures/cam01.png"))
        let w = rendered.width
        var largest = 0
        for y in 0..<rendered.height {
            for x in 0..<w {
                for c in 0..<3 {
                    let ours = Int(Image8.byte(unit: rendered.samples[4 * (y * w + x) + c]))
                    largest = max(largest, Swift.abs(ours - Int(picture.samples[picture.channels * (y * 2 * w + w + x) + c])))
                }
            }
        }
        #expect(largest <= 1, "largest 8-bit difference \(largest)")

        // A training frame's true head-model state drives the code the map was fitted to (with one
        // frame per (subject, expression): the mean code of that expression over the subjects),
        // shifted by the anchor: z(e) − z(fitted neutral) = mean(e) − mean(neutral).
        let model = try avatar.model()
        let names = model.head.expressions.names, codes = model.head.expressions.codes.value, z = codes.shape[1]
        func meanCode(_ expression: String) -> [Float] {
            var mean = [Float](repeating: 0, count: z), count: Float = 0
            for (row, name) in names.enumerated() where name.hasSuffix("/\(expression)") {
                for k in 0..<z { mean[k] += codes[flat: row * z + k] }
                count += 1
            }
            return mean.map { $0 / count }
        }
        let training = try #require(population.trainingSubjects.first)
        let truths = try PopulationTrainingData.groundTruthFrames(population: population, subject: training)
        let neutral = meanCode(population.index.trainingExpressions[0])
        for (e, expression) in population.index.trainingExpressions.enumerated() {
            let expected = zip(zip(avatar.expression.scalars, meanCode(expression)), neutral).map { $0.0 + $0.1 - $1 }
            let driven = try avatar.driving.code(for: truths[e]).scalars
            #expect(zip(driven, expected).allSatisfy { Swift.abs($0 - $1) < 1e-4 }, "expression \(expression)")
        }

        // The rigid pose moves the Gaussians: a translation shifts every mean by it.
        let still = try avatar.scene(driving: rest), moved = try avatar.scene(driving: Self.frame(expression: rest.expression, translation: [0.01, 0, -0.02]))
        let shift: SIMD3<Float> = [0.01, 0, -0.02]
        var largestError: Float = 0
        for i in 0..<still.count {
            for a in 0..<3 { largestError = max(largestError, Swift.abs(moved.means[3 * i + a] - still.means[3 * i + a] - shift[a])) }
        }
        #expect(largestError < 1e-5)

        // The subject's tracking and frames: training then held-out expressions, every camera.
        let tracking = try HeadTracking.read(from: try #require(outputs["tracking"]))
        let frames = try FrameSet.open(try #require(outputs["frames"]))
        let total = population.index.trainingExpressions.count + population.index.heldOutExpressions.count
        #expect(tracking.frames.count == total && frames.manifest.frameCount == total && frames.manifest.cameras.count == capture.cameras.count)
        #expect(tracking.model == avatar.headModel.name)
    }

    /// `gphm.edit` on a freshly fitted avatar (target: the first training subject's frame 1 in the
    /// middle camera, 4 code steps), the target's codes fitted the same way, and the avatar's render
    /// of (identity, expression) codes from `camera`; the harness keeps the frames on disk.
    static func edited(_ label: String, mode: String, steps: Int, camera: String) throws -> (
        harness: StageHarness, avatar: ParametricHeadAvatar, frames: FrameSet, target: (identity: Tensor, expression: Tensor),
        render: (Tensor, Tensor) throws -> Image8
    ) {
        let (harness, populationURL, outputs) = try Self.fitted(label)
        let avatarURL = try #require(outputs["avatar"])
        let avatar = try ParametricHeadAvatar.read(from: avatarURL)
        let population = try Population.open(populationURL)
        let target = try #require(population.trainingSubjects.first)
        let edit = try #require(
            try harness.run(
                ParametricEditStage.self, inputs: ["avatar": avatarURL, "population": populationURL],
                with: ["mode": .string(mode), "steps": .int(steps), "code_iterations": .int(4), "cameras": .list([.string(camera)])])["frames"])
        let view = try PopulationTrainingData.views(population: population, subject: target, frame: 1)[1].view
        let codes = try avatar.fitCodes(to: view, fitting: ParametricHeadFitting(codeIterations: 4, refineIterations: 0), rasterizer: GaussianRasterizer())
        let calibration = try #require(try Capture.open(population.captureDirectory(of: target)).cameras.first { $0.calibration.id == camera }).calibration
        let render = { (identity: Tensor, expression: Tensor) throws -> Image8 in
            Image8(
                rounding: try avatar.render(
                    identity: identity, expression: expression, pose: Self.frame(expression: []), cameras: [try calibration.pinholeCamera()],
                    rasterizer: GaussianRasterizer())[0])
        }
        return (harness, avatar, try FrameSet.open(edit), (codes.identity, codes.expression), render)
    }

    @Test func expressionTransferRendersTheFittedIdentityWithTheTargetsExpressionCode() throws {
        let (harness, avatar, frames, target, render) = try Self.edited("gphm-edit", mode: "expression", steps: 2, camera: "cam01")
        #expect(frames.manifest.frameCount == 2 && frames.manifest.cameras == ["cam01"])
        #expect(target.expression.scalars != avatar.expression.scalars)
        // The last frame is the avatar's identity with the target image's fitted expression code.
        let last = try frames.image(frame: 1, camera: "cam01"), expected = try render(avatar.identity, target.expression)
        #expect(zip(last.samples, expected.samples).allSatisfy { Swift.abs(Int($0) - Int($1)) <= 1 })
        // Halfway, the expression code is the mean of the two: a different image from the end.
        #expect(try frames.image(frame: 0, camera: "cam01").samples != last.samples)
        withExtendedLifetime(harness) {}
    }

    @Test func identityInterpolationEndsAtTheTargetsIdentityWithTheAvatarsExpression() throws {
        let (harness, avatar, frames, target, render) = try Self.edited("gphm-identity", mode: "identity", steps: 1, camera: "cam00")
        let only = try frames.image(frame: 0, camera: "cam00"), expected = try render(target.identity, avatar.expression)
        #expect(zip(only.samples, expected.samples).allSatisfy { Swift.abs(Int($0) - Int($1)) <= 1 })
        withExtendedLifetime(harness) {}
    }

    @Test func viewsOfAnImageOverWhiteHaveBoxMeanedHalfSizeImagesAndAlphaMattes() throws {
        let calibration = CameraCalibration(
            id: "cam", width: 2, height: 2, fx: 2, fy: 2, cx: 0.5, cy: 0.5, worldToCamera: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1])
        let image = Image8(width: 2, height: 2, channels: 4, samples: [255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 0, 255, 255, 255, 51])
        let view = try PopulationView(image: image, calibration: calibration)
        #expect(view.high.shape == [1, 3, 2, 2] && view.high.scalars == [1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1])
        #expect(view.low.scalars == [0.5, 0.5, 0.5] && Swift.abs(view.lowMask.scalars[0] - 0.55) < 1e-6)
        #expect(view.lowCamera.width == 1 && view.lowCamera.height == 1)
        let odd = CameraCalibration(id: "odd", width: 1, height: 1, fx: 1, fy: 1, cx: 0, cy: 0, worldToCamera: calibration.worldToCamera)
        #expect(throws: AvatarError.self) { try PopulationView(image: Image8(width: 1, height: 1, channels: 3, samples: [0, 0, 0]), calibration: odd) }
    }

    @Test func videoDrivingFitsEveryFrameWarmStartedAndRendersTheAvatarsIdentityWithItsExpression() throws {
        let (harness, _, outputs) = try Self.fitted("gphm-drive")
        let avatarURL = try #require(outputs["avatar"]), drivingURL = try #require(outputs["frames"])
        let avatar = try ParametricHeadAvatar.read(from: avatarURL)
        let driven = try #require(
            try harness.run(
                ParametricDriveStage.self, inputs: ["avatar": avatarURL, "frames": drivingURL],
                with: ["camera": .string("cam01"), "code_iterations": .int(3), "warm_iterations": .int(2)])["frames"])
        let driving = try FrameSet.open(drivingURL), rendered = try FrameSet.open(driven)
        #expect(rendered.manifest.frameCount == driving.manifest.frameCount && rendered.manifest.cameras == ["cam01"])

        // Each frame's fit starts from the previous frame's codes.
        let calibration = try #require(driving.manifest.calibrations?.first { $0.id == "cam01" })
        let views = try (0..<driving.manifest.frameCount).map {
            try PopulationView(image: try driving.image(frame: $0, camera: "cam01"), calibration: calibration)
        }
        let fitting = ParametricHeadFitting(codeIterations: 3, refineIterations: 0)
        let codes = try avatar.fitCodes(toSequence: views, fitting: fitting, warmIterations: 2, rasterizer: GaussianRasterizer())
        let model = try avatar.model()
        let second = try ParametricHeadFitting(codeIterations: 2, refineIterations: 0).fit(
            model: model, view: views[1], rasterizer: GaussianRasterizer(), start: (codes[0].identity, codes[0].expression))
        #expect(second.expression.scalars == codes[1].expression.scalars && second.identity.scalars == codes[1].identity.scalars)
        let unchanged = try ParametricHeadFitting(codeIterations: 0, refineIterations: 0).fit(
            model: model, view: views[1], rasterizer: GaussianRasterizer(), start: (codes[0].identity, codes[0].expression))
        #expect(unchanged.expression.scalars == codes[0].expression.scalars)

        // The last rendered frame is the avatar's identity with the last driving frame's expression code.
        let last = driving.manifest.frameCount - 1
        let expected = Image8(
            rounding: try avatar.render(
                identity: avatar.identity, expression: codes[last].expression, pose: Self.frame(expression: []),
                cameras: [try calibration.pinholeCamera()], rasterizer: GaussianRasterizer())[0])
        let image = try rendered.image(frame: last, camera: "cam01")
        #expect(zip(image.samples, expected.samples).allSatisfy { Swift.abs(Int($0) - Int($1)) <= 1 })
    }
}
