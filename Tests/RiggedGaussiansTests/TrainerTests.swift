import Foundation
import HeadModel
import MediaIO
import Splatting
import Testing
import Tensors
@testable import RiggedGaussians

@Suite(.serialized) struct RiggedTrainerTests {
    func trainer(_ capture: TinyCapture, iterations: Int, rasterWorkers: Int? = nil) throws -> RiggedTrainer {
        var settings = RiggedTrainingSettings()
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
        let data = try TrainingData.load(frameSet: frameSet, tracking: tracking, heldOutCameras: [], heldOutFrames: 0, background: [1, 1, 1])
        return RiggedTrainer(settings: settings, model: capture.model, tracking: tracking, views: data.training, sceneExtent: data.sceneExtent)
    }

    @Test func resumingFromACheckpointReproducesTheUninterruptedRun() throws {
        let capture = try TinyCapture(size: 32, frameCount: 3, cameraCount: 2)
        defer { capture.remove() }
        let checkpoint = capture.root.appendingPathComponent("checkpoint")
        let uninterrupted = try trainer(capture, iterations: 40, rasterWorkers: 1)
        for _ in 0..<25 { _ = try uninterrupted.step() }
        try uninterrupted.saveCheckpoint(to: checkpoint)
        for _ in 0..<15 { _ = try uninterrupted.step() }

        let resumed = try trainer(capture, iterations: 40, rasterWorkers: 1)
        #expect(try resumed.loadCheckpoint(from: checkpoint) == 25)
        for _ in 0..<15 { _ = try resumed.step() }
        // One rasteriser thread: gradients are summed in a fixed order, so the runs agree bit for bit.
        #expect(resumed.gaussians == uninterrupted.gaussians)
        #expect(resumed.translationOffsets.value.scalars == uninterrupted.translationOffsets.value.scalars)
        #expect(resumed.rotationOffsets.value.scalars == uninterrupted.rotationOffsets.value.scalars)
        #expect(resumed.gaussians.count != capture.model.triangles.count, "the run must have densified or pruned")
    }

    @Test func nonFiniteParametersStopTrainingNamingTheIteration() throws {
        let capture = try TinyCapture(size: 32, frameCount: 2, cameraCount: 1)
        defer { capture.remove() }
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
        defer { capture.remove() }
        let trainer = try trainer(capture, iterations: 40)
        for _ in 0..<40 { _ = try trainer.step() }
        #expect(Set(trainer.binding).count == capture.model.triangles.count)
    }
}
