import Avatars
import Foundation
import HeadModel
import MediaIO
import Splatting
import Tensors
import TestSupport
import Testing

@testable import DynamicGaussians

/// Trainer behaviour on an in-memory problem: a few tracked frames of the procedural head seen by
/// two 32² cameras, targets a smooth colour pattern (what is learnt does not matter here).
@Suite(.serialized) struct DynamicTrainerTests {
    static let model = TemplateGuidanceFixture.model

    static func tracking(frames: Int) -> HeadTracking {
        let records = (0..<frames).map { f in
            var expression = [Double](repeating: 0, count: model.expressionCount)
            expression[0] = 0.3 * Double(f)
            return HeadTracking.Frame(
                rotation: [0, 0.1 * Double(f), 0], translation: [0, 0, 0], jaw: [0.05 * Double(f), 0, 0],
                expression: expression, landmarks: [], meanResidualPixels: 0, observedViews: 2)
        }
        return HeadTracking(model: model.name, cameras: ["a", "b"], identity: [], scale: 1, frames: records)
    }

    static func views(tracking: HeadTracking, size: Int = 32) throws -> [SupervisedView] {
        let vertices = try tracking.vertices(frame: 0, model: model)
        let centre = vertices.reduce(SIMD3<Float>.zero, +) / Float(vertices.count)
        let extent = vertices.map { (($0 - centre) * ($0 - centre)).sum().squareRoot() }.max()!
        return tracking.frames.indices.flatMap { frame in
            [Float(-0.4), 0.4].enumerated().map { index, azimuth in
                let eye = centre + 3 * extent * SIMD3(sin(azimuth), 0, cos(azimuth))
                let camera = PinholeCamera(
                    width: size, height: size, fx: Float(size), fy: Float(size), cx: Float(size) / 2 - 0.5,
                    cy: Float(size) / 2 - 0.5,
                    worldToCamera: PinholeCamera.lookAt(eye: eye, target: centre, up: SIMD3(0, -1, 0)))
                let plane = size * size
                let target = (0..<(3 * plane)).map { i in 0.5 + 0.4 * sin(Float(i % plane) * 0.05 + Float(i / plane) + Float(frame)) }
                let low = (0..<(plane / 4 * 3)).map { _ in Float(0.5) }
                return SupervisedView(
                    frame: frame, cameraID: index == 0 ? "a" : "b", camera: camera,
                    target: Tensor(shape: [3, size, size], scalars: target),
                    lowResolutionTarget: Tensor(shape: [size / 2, size / 2, 3], scalars: low))
            }
        }
    }

    static func trainer(seed: UInt64 = 1, workers: Int? = 1, split: DisplacementSplitSchedule? = nil) throws -> DynamicTrainer {
        let tracking = tracking(frames: 3)
        let guidance = try TemplateGuidanceFixture.guidance(tracking: tracking)
        var generator = Tensors.SplitMix64(seed: seed)
        let initialisation = DynamicGaussianInitialization(
            gaussianCount: 2500, mouthPoints: 50, attributeExpressionHidden: [16, 16, 16], attributePoseHidden: [16, 16],
            superResolution: SuperResolutionConfiguration(factor: 2, inputChannels: 8, widths: [8, 4]), background: [1, 1, 1])
        var settings = DynamicGaussiansStage.Parameters().trainingSettings(perceptual: .dssim)
        settings.rasterWorkers = workers
        settings.iterations = 20
        settings.split = split
        return DynamicTrainer(
            settings: settings, model: try initialisation.model(from: guidance, generator: &generator),
            tracking: tracking, views: try views(tracking: tracking))
    }

    @Test func resumedTrainingContinuesBitForBitLikeTheUninterruptedRun() throws {
        let directory = uniqueTemporaryURL("gha-trainer")
        defer { try? FileManager.default.removeItem(at: directory) }
        let uninterrupted = try Self.trainer()
        for _ in 0..<6 { _ = try uninterrupted.step() }
        try uninterrupted.saveCheckpoint(to: directory)
        for _ in 0..<4 { _ = try uninterrupted.step() }
        let resumed = try Self.trainer(seed: 99)
        #expect(try resumed.loadCheckpoint(from: directory) == 6)
        for _ in 0..<4 { _ = try resumed.step() }
        #expect(resumed.iteration == uninterrupted.iteration)
        for ((name, a), (_, b)) in zip(resumed.namedParameters, uninterrupted.namedParameters) {
            #expect(a.value.scalars == b.value.scalars, "\(name) differs after resuming")
        }
    }

    @Test func aResumedRunKeepsTheSplitEventsBeforeItsCheckpoint() throws {
        let directory = uniqueTemporaryURL("eavatar-trainer")
        defer { try? FileManager.default.removeItem(at: directory) }
        // τ_s = 0 splits every Gaussian up to the cap after steps 2 and 4.
        let schedule = DisplacementSplitSchedule(
            threshold: 0, start: 2, interval: 2, stop: 4, frames: 2, split: TwoWaySplitSettings(offset: 0.5, maximumCount: 3200))
        let original = try Self.trainer(split: schedule)
        for _ in 0..<5 { _ = try original.step() }
        #expect(original.splitEvents.map(\.iteration) == [2, 4])
        try original.saveCheckpoint(to: directory)
        let resumed = try Self.trainer(seed: 99, split: schedule)
        #expect(try resumed.loadCheckpoint(from: directory) == 5)
        #expect(resumed.splitEvents == original.splitEvents)
        #expect(resumed.model.count == original.model.count)
    }

    @Test func learningRatesFallLogLinearlyToTheDecayFractionAtTheLastIteration() throws {
        let trainer = try Self.trainer()
        let base = trainer.settings.networkLearningRate, decay = trainer.settings.learningRateDecay
        #expect(trainer.adam.learningRate(ofGroup: "networks") == base)
        for _ in 0..<(trainer.settings.iterations / 2) { _ = try trainer.step() }
        let halfway = try #require(trainer.adam.learningRate(ofGroup: "networks"))
        #expect(abs(halfway / (base * decay.squareRoot()) - 1) < 0.15, "halfway the rate is near base·√decay, got \(halfway)")
        for _ in (trainer.settings.iterations / 2)..<(trainer.settings.iterations - 1) { _ = try trainer.step() }
        let last = try #require(trainer.adam.learningRate(ofGroup: "networks"))
        #expect(abs(last / (base * decay) - 1) < 1e-4, "the last step runs at base·decay, got \(last)")
    }

    @Test func trainingLowersTheLoss() throws {
        let trainer = try Self.trainer(workers: nil)
        var first: Float = 0, last: Float = 0
        for i in 0..<30 {
            let loss = try trainer.step().loss
            if i < 5 { first += loss } else if i >= 25 { last += loss }
        }
        #expect(last < first, "loss of the last five steps \(last / 5) should be below the first five \(first / 5)")
    }

    @Test func aCorruptedCheckpointStopsWithAnErrorNamingTheFile() throws {
        let directory = uniqueTemporaryURL("gha-trainer")
        defer { try? FileManager.default.removeItem(at: directory) }
        let trainer = try Self.trainer()
        _ = try trainer.step()
        try trainer.saveCheckpoint(to: directory)
        let file = directory.appendingPathComponent("checkpoint-1.safetensors")
        try Data("not a safetensors file".utf8).write(to: file)
        #expect { try Self.trainer().loadCheckpoint(from: directory) } throws: { error in
            let message = (error as? AvatarError)?.description ?? ""
            return message.contains("checkpoint-1.safetensors") && message.contains("corrupted") && message.contains("delete")
        }
    }

    @Test func aNonFiniteParameterStopsTrainingNamingIt() throws {
        let trainer = try Self.trainer()
        var values = trainer.model.features.value.scalars
        values[7] = .nan
        trainer.model.features.value = Tensor(shape: trainer.model.features.shape, scalars: values)
        #expect { _ = try trainer.step() } throws: { error in
            guard let failure = error as? NonFiniteTraining else { return false }
            return failure.what.contains("neutral.features") || failure.what.contains("loss")
        }
    }

    @Test func aCaptureWithoutTrackedFacesIsRefused() throws {
        let directory = uniqueTemporaryURL("gha-trainer")
        defer { try? FileManager.default.removeItem(at: directory) }
        let calibration = CameraCalibration(
            id: "a", width: 8, height: 8, fx: 8, fy: 8, cx: 3.5, cy: 3.5,
            worldToCamera: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2, 0, 0, 0, 1])
        let writer = try FrameSetWriter(
            directory: directory, cameras: ["a"], calibrations: [calibration], size: PixelSize(width: 8, height: 8),
            channels: 4, frameRate: Rational(25, 1))
        for f in 0..<2 {
            try writer.append(
                [Image8(width: 8, height: 8, channels: 4, samples: [UInt8](repeating: 255, count: 256))], timestamp: Double(f) / 25, sourceIndex: f)
        }
        try writer.finish()
        var tracking = Self.tracking(frames: 2)
        for f in tracking.frames.indices { tracking.frames[f].observedViews = 0 }
        #expect {
            _ = try CaptureViews.load(frameSet: try FrameSet.open(directory), tracking: tracking, heldOutCameras: [], heldOutFrames: 0, factor: 2)
        } throws: { ($0 as? DynamicGaussiansError)?.description.contains("no face was tracked") == true }
    }
}
