import AvatarFlow
import AvatarFlowStages
import Foundation
import MediaIO
import Splatting
import TestSupport
import Testing

/// Runs Pipelines/gaussian-avatars.yaml end to end on a tiny synthetic capture and validates its ablations.
@Suite(.serialized) struct GaussianAvatarsPipelineTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let tiny = [
        "cameras=4", "size=64", "frames=10", "test_frames=2", "iterations=300", "held_out_camera=cam01",
        "train.densify_start=100", "train.densify_interval=50", "train.densify_until=250", "train.sh_increase_interval=100",
        "train.checkpoint_interval=100", "train.feature_lr=0.01",
    ]

    static func plan(_ file: String, overrides: [String]) throws -> ExecutionPlan {
        let parsed = try overrides.enumerated().map { try Override(parsing: $1, location: .commandLine(argument: $0 + 1)) }
        let spec = try PipelineLoader(overrides: parsed).load(repository.appendingPathComponent("Pipelines/\(file)"))
        return try PipelineValidator(registry: StageRegistry(ProductionStages.all)).plan(spec)
    }

    @Test func gaussianAvatarsPipelineRunsOnATinySyntheticCapture() async throws {
        let root = uniqueTemporaryURL("gaussian-avatars")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = try ArtifactStore(root: root.appendingPathComponent("cache"))
        let result = try await PipelineRunner(store: store, sink: FanOutEventSink([]))
            .run(try Self.plan("gaussian-avatars.yaml", overrides: Self.tiny), options: RunOptions(runsDirectory: root.appendingPathComponent("runs")))
        #expect(result.succeeded, "\(result.outcomes)")
        func output(_ stage: String, _ port: String) throws -> URL {
            store.outputDirectory(key: try #require(result.outcomes[stage]?.record?.cacheKey), port: port)
        }
        let training =
            try JSONSerialization.jsonObject(with: Data(contentsOf: try output("train", "avatar").appendingPathComponent("training.json"))) as? [String: Any]
        let novelView = try #require(training?["held_out_camera_psnr_db"] as? Double)
        let metrics =
            try JSONSerialization.jsonObject(with: Data(contentsOf: try output("score", "report").appendingPathComponent("metrics.json"))) as? [String: Any]
        let selfReenactment = try #require((metrics?["overall"] as? [String: Any])?["psnr_db"] as? Double)
        print("gaussian-avatars pipeline (64², 4 cameras, 300 iterations): novel view \(novelView) dB, self-reenactment \(selfReenactment) dB")
        // 300 steps at 64² on a textured subject with hair and shoulders the head model does not
        // cover: far from converged (the CPU preset's 2000 steps at 128² reach more), but clearly
        // above the untrained avatar (10.9 dB novel view, measured with iterations=1) — the floors catch a broken chain, not small regressions.
        #expect(novelView > 12.5)
        #expect(selfReenactment > 13)
        let rendered = try FrameSet.open(try output("reenact", "frames"))
        #expect(rendered.manifest.frameCount == 2 && rendered.manifest.sourceFrameIndices == [8, 9])
        #expect(FileManager.default.fileExists(atPath: try output("encode", "video").appendingPathComponent("video.mp4").path))
        let ply = try GaussianPLY.read(from: try output("train", "avatar").appendingPathComponent("ply/frame_000000.ply"))
        #expect(ply.attributes["binding"] != nil)
    }

    @Test(arguments: [
        "gaussian-avatars-no-density-control.yaml", "gaussian-avatars-no-scale-loss.yaml",
        "gaussian-avatars-scale-loss-no-threshold.yaml", "gaussian-avatars-no-position-loss.yaml",
        "gaussian-avatars-position-loss-no-threshold.yaml", "gaussian-avatars-no-tracking-finetune.yaml",
    ])
    func ablationPipelinesValidateAndChangeOnlyTheTrainingStage(_ file: String) throws {
        let base = try Self.plan("gaussian-avatars.yaml", overrides: [])
        let ablation = try Self.plan(file, overrides: [])
        #expect(ablation.stages.map(\.name).sorted() == base.stages.map(\.name).sorted())
        let changed = ablation.stages.filter { stage in base.stages.first { $0.name == stage.name }?.parameters != stage.parameters }
        #expect(changed.map(\.name) == ["train"])
    }

    @Test func detectedLandmarksVariantSwapsTheLandmarkStagesAndTrainsOnTheRefinedFit() throws {
        let base = try Self.plan("gaussian-avatars.yaml", overrides: [])
        let variant = try Self.plan("gaussian-avatars-detected-landmarks.yaml", overrides: [])
        #expect(Set(variant.stages.map(\.name)) == Set(base.stages.map(\.name)).union(["boxes", "refine", "quality"]))
        #expect(variant.stage("points")?.descriptor.id == "face.landmarks-ert68")
        #expect(variant.stage("refine")?.descriptor.id == "face.refine-photometric")
        #expect(variant.stage("train")?.inputs["tracking"] == .stageOutput(stage: "refine", port: "tracking"))
        #expect(variant.stage("train")?.parameters == base.stage("train")?.parameters)
    }
}
