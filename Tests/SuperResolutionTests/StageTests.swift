import AvatarFlow
import Avatars
import Foundation
import MediaIO
import Tensors
import TestSupport
import Testing

@testable import SuperResolution

/// The three stages through `StageHarness`: ports, shapes, alpha, frame indices, calibrations.
@Suite(.serialized) struct StageTests {
    /// Two RGBA cameras of three 12×10 frames that show source frames 5, 6, 7, with calibrations.
    static func renders(in harness: StageHarness) throws -> URL {
        let size = PixelSize(width: 12, height: 10)
        let calibrations = (0..<2).map { camera in
            CameraCalibration(
                id: "cam\(camera)", width: size.width, height: size.height, fx: 20, fy: 21, cx: 6, cy: 5,
                worldToCamera: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, Double(camera), 0, 0, 0, 1])
        }
        let writer = try FrameSetWriter(
            directory: harness.file("renders"), cameras: ["cam0", "cam1"], calibrations: calibrations, size: size, channels: 4,
            frameRate: Rational(25, 1))
        for frame in 0..<3 {
            let images = (0..<2).map { withDiscAlpha(edgeImage(width: size.width, height: size.height, seed: UInt64(frame * 2 + $0))) }
            try writer.append(images, timestamp: Double(frame) / 25, sourceIndex: 5 + frame)
        }
        try writer.finish()
        return harness.file("renders")
    }

    static func model(in harness: StageHarness, factor: Int) throws -> URL {
        let directory = harness.file("model-\(factor)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let network = try tileableNetwork(factor: factor)
        try SuperResolutionModel(manifest: SuperResolutionManifest(network: network.configuration, iterations: 1), network: network).write(to: directory)
        return directory
    }

    /// Checks the upsampled FrameSet against its input: size × factor, channels, indices, timestamps, calibrations.
    static func expectUpsampled(_ output: FrameSet, from input: FrameSet, factor: Int) throws {
        #expect(output.manifest.width == input.manifest.width * factor && output.manifest.height == input.manifest.height * factor)
        #expect(output.manifest.channels == 4)
        #expect(output.manifest.cameras == input.manifest.cameras)
        #expect(output.manifest.sourceFrameIndices == input.manifest.sourceFrameIndices)
        #expect(output.manifest.timestamps == input.manifest.timestamps)
        #expect(output.manifest.frameRate == input.manifest.frameRate)
        let calibration = try #require(output.manifest.calibrations?[1])
        let original = try #require(input.manifest.calibrations?[1])
        #expect(calibration.fx == original.fx * Double(factor) && calibration.width == original.width * factor)
    }

    /// The alpha of `image` compared with swscale bicubic of the input's alpha: equal.
    static func expectAlphaResampledBicubically(_ image: Image8, from input: Image8) throws {
        let expected = try ImageScaling.resize(input, to: PixelSize(width: image.width, height: image.height), fullChroma: true)
        let alpha = stride(from: 3, to: image.samples.count, by: 4).map { image.samples[$0] }
        let expectedAlpha = stride(from: 3, to: expected.samples.count, by: 4).map { expected.samples[$0] }
        #expect(alpha == expectedAlpha)
        #expect(alpha.contains(0) && alpha.contains(255), "the test alpha must have transparent and opaque pixels")
    }

    @Test(arguments: [2, 4])
    func applyUpsamplesByTheModelsFactorKeepingAlphaAndFrameIndices(factor: Int) throws {
        let harness = try StageHarness(label: "superres-apply")
        let input = try FrameSet.open(try Self.renders(in: harness))
        let outputs = try harness.run(
            SuperResolutionApplyStage.self, inputs: ["frames": input.directory, "model": try Self.model(in: harness, factor: factor)],
            with: ["tile": .int(8)])
        let output = try FrameSet.open(try #require(outputs["frames"]))
        try Self.expectUpsampled(output, from: input, factor: factor)
        try Self.expectAlphaResampledBicubically(try output.image(frame: 2, camera: "cam1"), from: try input.image(frame: 2, camera: "cam1"))
    }

    @Test func applyGivesTheSameFramesForAnyTileSize() throws {
        let harness = try StageHarness(label: "superres-apply-tiles")
        let inputs = ["frames": try Self.renders(in: harness), "model": try Self.model(in: harness, factor: 2)]
        let small = try FrameSet.open(try #require(try harness.run(SuperResolutionApplyStage.self, inputs: inputs, with: ["tile": .int(8)])["frames"]))
        let whole = try FrameSet.open(try #require(try harness.run(SuperResolutionApplyStage.self, inputs: inputs, with: ["tile": .int(64)])["frames"]))
        var largest = 0
        for frame in 0..<3 {
            for camera in ["cam0", "cam1"] {
                let a = try small.image(frame: frame, camera: camera), b = try whole.image(frame: frame, camera: camera)
                largest = max(largest, zip(a.samples, b.samples).map { abs(Int($0) - Int($1)) }.max() ?? 0)
            }
        }
        #expect(largest <= 1, "8-bit frames of tiled and whole-frame runs differ by \(largest) (float rounding may flip one step)")
    }

    @Test(arguments: ["bicubic", "lanczos"])
    func resizeUpsamplesKeepingAlphaAndFrameIndices(filter: String) throws {
        let harness = try StageHarness(label: "superres-resize")
        let input = try FrameSet.open(try Self.renders(in: harness))
        let outputs = try harness.run(ResizeStage.self, inputs: ["frames": input.directory], with: ["factor": .int(2), "filter": .string(filter)])
        let output = try FrameSet.open(try #require(outputs["frames"]))
        try Self.expectUpsampled(output, from: input, factor: 2)
        let image = try output.image(frame: 1, camera: "cam0")
        let alpha = stride(from: 3, to: image.samples.count, by: 4).map { image.samples[$0] }
        #expect(alpha.contains(0) && alpha.contains(255))
    }

    @Test func lanczosAndBicubicAreDifferentKernels() throws {
        let image = edgeImage(width: 16, height: 16, seed: 3)
        let size = PixelSize(width: 32, height: 32)
        #expect(try ImageScaling.resize(image, to: size, filter: .lanczos, fullChroma: true) != ImageScaling.resize(image, to: size, fullChroma: true))
    }

    @Test func trainWritesAModelThatApplyReads() throws {
        let harness = try StageHarness(label: "superres-train")
        let high = (0..<3).map { frame in [edgeImage(width: 32, height: 32, seed: UInt64(frame))] }
        let reference = try writeFrameSet(high, to: harness.file("reference"))
        let low = try writeFrameSet(high.map { $0.map { boxDownsampled($0, factor: 2) } }, to: harness.file("low"))
        let outputs = try harness.run(
            SuperResolutionTrainStage.self, inputs: ["frames": low, "reference": reference],
            with: ["iterations": .int(6), "width": .int(8), "crop": .int(8), "held_out_frames": .int(1), "log_interval": .int(3), "scored_pairs": .int(2)])
        let directory = try #require(outputs["model"])
        let model = try SuperResolutionModel.read(from: directory)
        #expect(model.manifest.network.factor == 2 && !model.manifest.network.instanceNormalization)
        #expect(model.manifest.metrics["pairs"] == 2)
        #expect(model.manifest.metrics["training_psnr_db"]?.isFinite == true)
        let applied = try harness.run(SuperResolutionApplyStage.self, inputs: ["frames": low, "model": directory])
        #expect(try FrameSet.open(try #require(applied["frames"])).manifest.width == 32)
    }

    @Test func trainRefusesVGGWithoutWeights() throws {
        let harness = try StageHarness(label: "superres-train-vgg")
        let high = [[edgeImage(width: 32, height: 32, seed: 1)]]
        let reference = try writeFrameSet(high, to: harness.file("reference"))
        let low = try writeFrameSet(high.map { $0.map { boxDownsampled($0, factor: 2) } }, to: harness.file("low"))
        let error = try #require(throws: SuperResolutionError.self) {
            try harness.run(SuperResolutionTrainStage.self, inputs: ["frames": low, "reference": reference], with: ["perceptual": .string("vgg")])
        }
        #expect(error.description.contains("vgg_weights"))
    }
}
