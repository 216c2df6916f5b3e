import AvatarFlow
import AvatarFlowStages
import Foundation
import MediaIO
import Testing

/// Runs the GHA pipeline end to end on a tiny synthetic capture (4 cameras, 64², 20 frames, a few
/// hundred iterations): Pipelines/gha-template-init.yaml, i.e. gaussian-head-avatar.yaml with the
/// fast template guidance (the SDF guidance has its own tests in MeshGuidanceTests).
@Suite(.serialized) struct GaussianHeadAvatarPipelineTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let tiny = [
        "cameras=4", "size=64", "frames=20", "test_frames=4", "novel_frames=4", "sr=2",
        "train.gaussians=3000", "train.mouth_points=100", "train.attribute_width=16", "train.sr_width=16",
        "train.checkpoint_interval=100", "guide.iterations=100", "guide.width=32",
        "guide.feature_width=16", "guide.color_channels=8",
    ]

    static func plan(overrides: [String]) throws -> ExecutionPlan {
        let parsed = try overrides.enumerated().map { try Override(parsing: $1, location: .commandLine(argument: $0 + 1)) }
        let spec = try PipelineLoader(overrides: parsed).load(repository.appendingPathComponent("Pipelines/gha-template-init.yaml"))
        return try PipelineValidator(registry: StageRegistry(ProductionStages.all)).plan(spec)
    }

    static func psnr(_ report: URL) throws -> Double {
        let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: report.appendingPathComponent("metrics.json"))) as? [String: Any]
        return try #require((metrics?["overall"] as? [String: Any])?["psnr_db"] as? Double)
    }

    @Test func gaussianHeadAvatarPipelineTrainsReenactsScoresAndEncodes() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("gha-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = try ArtifactStore(root: root.appendingPathComponent("cache"))
        let runner = PipelineRunner(store: store, sink: FanOutEventSink([]))
        let options = RunOptions(runsDirectory: root.appendingPathComponent("runs"))
        // The untrained avatar (one step) is the baseline; the upstream stages are reused from the cache.
        let baseline = try await runner.run(try Self.plan(overrides: Self.tiny + ["iterations=1"]), options: options)
        let result = try await runner.run(try Self.plan(overrides: Self.tiny + ["iterations=300"]), options: options)
        #expect(baseline.succeeded && result.succeeded, "\(result.outcomes)")
        func output(_ run: RunResult, _ stage: String, _ port: String) throws -> URL {
            store.outputDirectory(key: try #require(run.outcomes[stage]?.record?.cacheKey), port: port)
        }
        let novelBefore = try Self.psnr(try output(baseline, "score_novel", "report"))
        let novel = try Self.psnr(try output(result, "score_novel", "report"))
        let reenactment = try Self.psnr(try output(result, "score", "report"))
        print(
            "gaussian-head-avatar pipeline (64², 4 cameras, 300 iterations): held-out cameras \(novelBefore) → \(novel) dB, self-reenactment \(reenactment) dB")
        #expect(novel > novelBefore + 3, "novel-view PSNR must improve clearly: \(novelBefore) → \(novel) dB")
        #expect(reenactment > 15)
        let rendered = try FrameSet.open(try output(result, "reenact", "frames"))
        #expect(rendered.manifest.frameCount == 4 && rendered.manifest.sourceFrameIndices == [16, 17, 18, 19])
        #expect(rendered.manifest.width == 64 && rendered.manifest.cameras.count == 4)
        for (stage, port) in [("encode", "video"), ("encode_reenactment", "video")] {
            #expect(FileManager.default.fileExists(atPath: try output(result, stage, port).appendingPathComponent("video.mp4").path))
        }
        let training =
            try JSONSerialization.jsonObject(with: Data(contentsOf: try output(result, "train", "avatar").appendingPathComponent("training.json")))
            as? [String: Any]
        #expect(training?["gaussian_count"] as? Int == TemplateGuidanceFixture.model.vertexCount + 100, "every template vertex plus the mouth points")
        #expect(training?["guidance_source"] as? String == "template")
    }

    @Test func templateInitialisationAblationChangesOnlyTheGuidanceStage() throws {
        func plan(_ file: String) throws -> PipelineSpec {
            try PipelineLoader(overrides: []).load(Self.repository.appendingPathComponent("Pipelines/\(file)"))
        }
        let base = try plan("gaussian-head-avatar.yaml"), ablation = try plan("gha-template-init.yaml")
        #expect(Set(base.stages.map(\.name)) == Set(ablation.stages.map(\.name)))
        let changed = ablation.stages.filter { stage in base.stages.first { $0.name == stage.name }?.use != stage.use }
        #expect(changed.map(\.name) == ["guide"])
        #expect(ablation.stages.first { $0.name == "guide" }?.use == "guidance.template")
    }
}
