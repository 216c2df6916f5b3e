import AvatarFlow
import AvatarFlowStages
import Foundation
import MediaIO
import TestSupport
import Testing

/// Pipelines/gaussian-avatars-sr.yaml end to end on a tiny capture, and its bicubic variant.
@Suite(.serialized) struct SuperResolutionPipelineTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let tiny = [
        "cameras=3", "size=32", "hr_size=64", "frames=6", "test_frames=2", "iterations=60", "held_out_camera=cam01",
        "train.densify_start=1000", "sr_iterations=20", "sr_train.width=8", "sr_train.crop=16",
    ]

    static func plan(_ file: String, overrides: [String]) throws -> ExecutionPlan {
        let parsed = try overrides.enumerated().map { try Override(parsing: $1, location: .commandLine(argument: $0 + 1)) }
        let spec = try PipelineLoader(overrides: parsed).load(repository.appendingPathComponent("Pipelines/\(file)"))
        return try PipelineValidator(registry: StageRegistry(ProductionStages.all)).plan(spec)
    }

    @Test func theSuperResolutionPipelineScoresUpsampledAndDirectRendersAtTheReferenceSize() async throws {
        let root = uniqueTemporaryURL("gaussian-avatars-sr")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = try ArtifactStore(root: root.appendingPathComponent("cache"))
        let result = try await PipelineRunner(store: store, sink: FanOutEventSink([]))
            .run(try Self.plan("gaussian-avatars-sr.yaml", overrides: Self.tiny), options: RunOptions(runsDirectory: root.appendingPathComponent("runs")))
        #expect(result.succeeded, "\(result.outcomes)")
        func output(_ stage: String, _ port: String) throws -> URL {
            store.outputDirectory(key: try #require(result.outcomes[stage]?.record?.cacheKey), port: port)
        }
        let upsampled = try FrameSet.open(try output("upsample", "frames"))
        #expect(upsampled.manifest.width == 64 && upsampled.manifest.channels == 4)
        #expect(upsampled.manifest.sourceFrameIndices == [4, 5])
        for report in [try output("score_sr", "report"), try output("score_hr", "report")] {
            let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: report.appendingPathComponent("metrics.json"))) as? [String: Any]
            let psnr = try #require((metrics?["overall"] as? [String: Any])?["psnr_db"] as? Double)
            #expect(psnr > 8, "\(report.path): \(psnr) dB")
        }
    }

    @Test func theBicubicVariantSwapsOnlyTheUpsampler() throws {
        let learned = try Self.plan("gaussian-avatars-sr.yaml", overrides: [])
        let bicubic = try Self.plan("gaussian-avatars-sr-bicubic.yaml", overrides: [])
        #expect(Set(learned.stages.map(\.name)).subtracting(bicubic.stages.map(\.name)) == ["renders_train", "sr_train"])
        #expect(bicubic.stage("upsample")?.descriptor.id == "superres.resize")
        let changed = bicubic.stages.filter { stage in learned.stages.first { $0.name == stage.name }?.parameters != stage.parameters }
        #expect(changed.map(\.name) == ["upsample"])
    }

    @Test func theSuperResolutionPipelineLeavesTheAvatarsStagesAsGaussianAvatarsHasThem() throws {
        let base = try Self.plan("gaussian-avatars.yaml", overrides: [])
        let sr = try Self.plan("gaussian-avatars-sr.yaml", overrides: [])
        for stage in base.stages {
            #expect(sr.stage(stage.name)?.parameters == stage.parameters, "\(stage.name) changed")
        }
    }
}
