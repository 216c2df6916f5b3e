import Avatars
import Foundation
import HeadModel
import MediaIO
import Splatting
import Tensors
import Testing

@testable import RiggedGaussians

@Suite(.serialized) struct RiggedTrainerTests {
    func trainer(_ capture: TinyCapture, iterations: Int, rasterWorkers: Int? = nil, finetuneTracking: Bool = true) throws -> RiggedTrainer {
        var settings = RiggedTrainingSettings()
        settings.finetuneTracking = finetuneTracking
        settings.rasterWorkers = rasterWorkers
        settings.iterations = iterations
        settings.densifyStart = 10
        settings.densifyInterval = 10
        settings.densifyUntil = 30
        settings.densifyGradientThreshold = 5e-5
        settings.opacityResetInterval = 20
        settings.shIncreaseInterval = 10
        let frameSet = try MediaIO.FrameSet.open(capture.frames)
        let tracking = try HeadTracking.read(from: capture.tracking)
        let data = try TrainingData.load(frameSet: frameSet, tracking: tracking, heldOutCameras: [], heldOutFrames: 0)
        return try RiggedTrainer(settings: settings, model: capture.model, tracking: tracking, views: data.training, sceneExtent: data.sceneExtent)
    }

    @Test func aCheckpointRestoresTheCompleteTrainingStateBitForBit() throws {
        let capture = try TinyCapture(size: 32, frameCount: 3, cameraCount: 2)
        let checkpoint = capture.root.appendingPathComponent("checkpoint")
        let original = try trainer(capture, iterations: 40, rasterWorkers: 1)
        for _ in 0..<25 { _ = try original.step() }
        try original.saveCheckpoint(to: checkpoint)

        let resumed = try trainer(capture, iterations: 40, rasterWorkers: 1)
        #expect(try resumed.loadCheckpoint(from: checkpoint) == 25)
        #expect(resumed.gaussians == original.gaussians)
        #expect(resumed.gaussians.count != capture.model.triangles.count, "the run must have densified or pruned before the checkpoint")
        #expect(resumed.generator.state == original.generator.state)
        #expect(resumed.adam.iteration == original.adam.iteration)
        for ((name, a), (_, b)) in zip(resumed.namedParameters, original.namedParameters) {
            let x = try #require(resumed.adam.moments(of: a)), y = try #require(original.adam.moments(of: b), "\(name) has no moments")
            #expect(x.first.scalars == y.first.scalars && x.second.scalars == y.second.scalars && x.step == y.step, "\(name) moments")
        }
        #expect(resumed.statistics.gradientNormSum == original.statistics.gradientNormSum)
        #expect(resumed.statistics.visibleViews == original.statistics.visibleViews)
        #expect(resumed.statistics.maxScreenRadius == original.statistics.maxScreenRadius)
    }

    @Test func aCorruptedCheckpointStopsWithAnErrorNamingTheFile() throws {
        let capture = try TinyCapture(size: 32, frameCount: 2, cameraCount: 2)
        let checkpoint = capture.root.appendingPathComponent("checkpoint")
        let original = try trainer(capture, iterations: 10)
        for _ in 0..<3 { _ = try original.step() }
        try original.saveCheckpoint(to: checkpoint)
        let tensors = checkpoint.appendingPathComponent("checkpoint-3.safetensors")
        let bytes = try Data(contentsOf: tensors)
        try bytes.prefix(bytes.count / 2).write(to: tensors)
        let error = #expect(throws: AvatarError.self) { try trainer(capture, iterations: 10).loadCheckpoint(from: checkpoint) }
        #expect(error?.description.hasPrefix("\(tensors.path): the checkpoint is corrupted") == true)
    }

    @Test func resumedTrainingContinuesLikeTheUninterruptedRun() throws {
        let capture = try TinyCapture(size: 32, frameCount: 3, cameraCount: 2)
        let checkpoint = capture.root.appendingPathComponent("checkpoint")
        let uninterrupted = try trainer(capture, iterations: 40, rasterWorkers: 1)
        for _ in 0..<25 { _ = try uninterrupted.step() }
        try uninterrupted.saveCheckpoint(to: checkpoint)
        for _ in 0..<15 { _ = try uninterrupted.step() }
        let resumed = try trainer(capture, iterations: 40, rasterWorkers: 1)
        _ = try resumed.loadCheckpoint(from: checkpoint)
        for _ in 0..<15 { _ = try resumed.step() }
        // With one rasteriser thread and an idle process the runs agree bit for bit; when other tests
        // keep the Tensors pool busy, its reductions run serially and round differently, so the
        // continuous state is compared to a tolerance and the discrete state (views drawn,
        // densification decisions, bindings) exactly.
        let a = resumed.gaussians, b = uninterrupted.gaussians
        #expect(a.binding == b.binding)
        #expect(resumed.generator.state == uninterrupted.generator.state)
        for (name, x, y) in [
            ("means", a.means, b.means), ("log_scales", a.logScales, b.logScales), ("features", a.features, b.features),
            ("opacity", a.opacityLogits, b.opacityLogits),
        ] where x.count == y.count {
            let difference = zip(x, y).map { Swift.abs($0 - $1) }.max() ?? 0
            #expect(difference < 1e-2, "\(name) differs by up to \(difference) after resuming")
        }
    }

    @Test func nonFiniteParametersStopTrainingNamingTheIteration() throws {
        let capture = try TinyCapture(size: 32, frameCount: 2, cameraCount: 1)
        let trainer = try trainer(capture, iterations: 10)
        _ = try trainer.step()
        trainer.features.value.withUnsafeMutableBufferPointer { $0[5] = .nan }
        #expect { try trainer.step() } throws: { error in
            guard let failure = error as? NonFiniteTraining else { return false }
            return failure.iteration == 2 && failure.what.contains("features")
        }
    }

    @Test func everyTriangleKeepsAGaussianThroughTraining() throws {
        let capture = try TinyCapture(size: 32, frameCount: 2, cameraCount: 2)
        let trainer = try trainer(capture, iterations: 40)
        for _ in 0..<40 { _ = try trainer.step() }
        #expect(Set(trainer.binding).count == capture.model.triangles.count)
    }

    @Test func fineTuningMovesExpressionAndJawAndTheRefinedTrackingCarriesThem() throws {
        let capture = try TinyCapture(size: 32, frameCount: 2, cameraCount: 2)
        let trainer = try trainer(capture, iterations: 10)
        let expressionsBefore = trainer.expressions.value.scalars, jawBefore = trainer.jawRotations.value.scalars
        for _ in 0..<10 { _ = try trainer.step() }
        let expressions = trainer.expressions.value.scalars, jaws = trainer.jawRotations.value.scalars
        #expect(expressions != expressionsBefore, "the rendered image's gradient must reach the expression coefficients")
        #expect(jaws != jawBefore, "the rendered image's gradient must reach the jaw rotations")
        let refined = trainer.refinedTracking, k = capture.model.expressionCount
        for f in refined.frames.indices {
            #expect(refined.frames[f].expression == (0..<k).map { Double(expressions[f * k + $0]) })
            #expect(refined.frames[f].jaw == (0..<3).map { Double(jaws[3 * f + $0]) })
        }
    }

    @Test func withoutFineTuningTheTrackingIsReturnedUnchanged() throws {
        let capture = try TinyCapture(size: 32, frameCount: 2, cameraCount: 2)
        let trainer = try trainer(capture, iterations: 10, finetuneTracking: false)
        for _ in 0..<10 { _ = try trainer.step() }
        #expect(trainer.refinedTracking == (try HeadTracking.read(from: capture.tracking)))
    }
}
