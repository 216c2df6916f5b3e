import Avatars
import Foundation
import MediaIO
import Tensors
import TestSupport
import Testing

@testable import SuperResolution

/// `SuperResolutionTrainer`: exact resume, learning, and beating bicubic on an image it never saw.
@Suite(.serialized) struct TrainerTests {
    static func trainer(iterations: Int = 20, seed: UInt64 = 0, networkSeed: UInt64 = 1) throws -> SuperResolutionTrainer {
        var generator = Tensors.SplitMix64(seed: networkSeed)
        let configuration = SuperResolutionConfiguration(factor: 2, inputChannels: 3, widths: [16, 8], residual: true, instanceNormalization: false)
        let network = try SuperResolutionNetwork(configuration: configuration, generator: &generator)
        return SuperResolutionTrainer(
            settings: quickSettings(iterations: iterations, seed: seed), network: network,
            pairs: edgePairs(count: 4, size: 48, factor: 2, firstSeed: 100))
    }

    @Test func resumedTrainingContinuesBitForBitLikeTheUninterruptedRun() throws {
        let directory = uniqueTemporaryURL("superres-trainer")
        defer { try? FileManager.default.removeItem(at: directory) }
        let uninterrupted = try Self.trainer()
        for _ in 0..<5 { _ = try uninterrupted.step() }
        try uninterrupted.saveCheckpoint(to: directory)
        for _ in 0..<4 { _ = try uninterrupted.step() }
        let resumed = try Self.trainer(seed: 99, networkSeed: 98)
        #expect(try resumed.loadCheckpoint(from: directory) == 5)
        for _ in 0..<4 { _ = try resumed.step() }
        #expect(resumed.iteration == uninterrupted.iteration)
        for ((name, a), (_, b)) in zip(resumed.namedParameters, uninterrupted.namedParameters) {
            #expect(a.value.scalars == b.value.scalars, "\(name) differs after resuming")
        }
    }

    @Test func cropsHaveTheSettingsSideAndTheFactorBetweenInputAndTarget() throws {
        let trainer = try Self.trainer()
        let batch = trainer.sampleBatch()
        #expect(batch.low.shape == [4, 3, 16, 16])
        #expect(batch.high.shape == [4, 3, 32, 32])
    }

    @Test func aTrainedModelBeatsBicubicOnAHeldOutImage() throws {
        var generator = Tensors.SplitMix64(seed: 2)
        let configuration = SuperResolutionConfiguration(factor: 2, inputChannels: 3, widths: [16, 8], residual: true, instanceNormalization: false)
        let network = try SuperResolutionNetwork(configuration: configuration, generator: &generator)
        let trainer = SuperResolutionTrainer(
            settings: quickSettings(iterations: 800, crop: 16, batch: 4), network: network,
            pairs: edgePairs(count: 8, size: 64, factor: 2, firstSeed: 200))
        for _ in 0..<trainer.settings.iterations { _ = try trainer.step() }
        let truth = edgeImage(width: 64, height: 64, seed: 999)
        let low = boxDownsampled(truth, factor: 2)
        let learned = RGBPlanes.image(try network.upsampled(RGBPlanes.tensor(low), tile: 16))
        let bicubic = try ImageScaling.resize(low, to: PixelSize(width: 64, height: 64), filter: .bicubic, fullChroma: true)
        let gain = psnr(learned, truth) - psnr(bicubic, truth)
        #expect(gain > 0.5, "learned \(psnr(learned, truth)) dB vs bicubic \(psnr(bicubic, truth)) dB on an unseen image")
    }

    @Test func heldOutCamerasAndTrailingFramesAreNotTrainingPairs() throws {
        let harness = try TemporaryDirectory(prefix: "superres-test")
        let high = (0..<5).map { frame in (0..<2).map { camera in edgeImage(width: 16, height: 16, seed: UInt64(10 * frame + camera)) } }
        let reference = try FrameSet.open(try writeFrameSet(high, to: harness.file("reference")))
        let low = try FrameSet.open(try writeFrameSet(high.map { $0.map { boxDownsampled($0, factor: 2) } }, to: harness.file("low")))
        let pairs = try TrainingPairs.load(low: low, reference: reference, heldOutCameras: ["cam1"], heldOutFrames: 2)
        #expect(pairs.map(\.camera) == ["cam0", "cam0", "cam0"])
        #expect(pairs.map(\.frame) == [0, 1, 2])
        #expect(pairs[1].high == high[1][0])
    }

    @Test func framesThatAreNotAFactorTwoOrFourSmallerAreRefusedWithTheSizes() throws {
        let harness = try TemporaryDirectory(prefix: "superres-test")
        let reference = try FrameSet.open(try writeFrameSet([[edgeImage(width: 18, height: 18, seed: 1)]], to: harness.file("reference")))
        let low = try FrameSet.open(try writeFrameSet([[edgeImage(width: 6, height: 6, seed: 1)]], to: harness.file("low")))
        let error = try #require(throws: SuperResolutionError.self) {
            try TrainingPairs.load(low: low, reference: reference, heldOutCameras: [], heldOutFrames: 0)
        }
        #expect(error.description.contains("6×6") && error.description.contains("18×18"))
    }
}
