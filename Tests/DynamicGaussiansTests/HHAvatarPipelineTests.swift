import AvatarFlow
import AvatarFlowStages
import Avatars
import Foundation
import MediaIO
import TestSupport
import Testing

/// Runs Pipelines/hhavatar.yaml end to end on a tiny hair-swing capture (4 cameras, 64², 20 frames,
/// a short guidance and 150 iterations): hair Gaussians with memory, occlusion-aware masks,
/// reenactment from rest and hair-region scores.
@Suite(.serialized) struct HHAvatarPipelineTests {
    static let repository = GaussianHeadAvatarPipelineTests.repository
    static let tiny =
        GaussianHeadAvatarPipelineTests.tiny.filter { !$0.hasPrefix("guide.iterations") } + [
            "guide.iterations=40", "guide.pretrain_iterations=60", "guide.grid_resolution=24", "iterations=150", "train.history_frames=2",
            "train.hair_width=16",
        ]

    static func spec(_ file: String, overrides: [String] = []) throws -> PipelineSpec {
        let parsed = try overrides.enumerated().map { try Override(parsing: $1, location: .commandLine(argument: $0 + 1)) }
        return try PipelineLoader(overrides: parsed).load(repository.appendingPathComponent("Pipelines/\(file)"))
    }

    @Test func hhavatarPipelineTrainsAnAvatarWithMemoryAndScoresTheHair() async throws {
        let root = uniqueTemporaryURL("hhavatar")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = try ArtifactStore(root: root.appendingPathComponent("cache"))
        let runner = PipelineRunner(store: store, sink: FanOutEventSink([]))
        let plan = try PipelineValidator(registry: StageRegistry(ProductionStages.all)).plan(try Self.spec("hhavatar.yaml", overrides: Self.tiny))
        let result = try await runner.run(plan, options: RunOptions(runsDirectory: root.appendingPathComponent("runs")))
        #expect(result.succeeded, "\(result.outcomes)")
        func output(_ stage: String, _ port: String) throws -> URL {
            store.outputDirectory(key: try #require(result.outcomes[stage]?.record?.cacheKey), port: port)
        }
        let avatar = try HeadHairAvatar.read(from: try output("train", "avatar"))
        #expect(avatar.hairConfiguration.memory && avatar.hairConfiguration.dynamicHair)
        let hairCount = try avatar.model().parts.hairIndices.count
        #expect(hairCount > 0 && hairCount < avatar.manifest.gaussianCount, "both parts are present: \(hairCount) hair")
        let rendered = try FrameSet.open(try output("reenact", "frames"))
        #expect(rendered.manifest.sourceFrameIndices == [16, 17, 18, 19])
        let metrics =
            try JSONSerialization.jsonObject(with: Data(contentsOf: try output("score", "report").appendingPathComponent("metrics.json")))
            as? [String: Any]
        let overall = try #require((metrics?["overall"] as? [String: Any])?["psnr_db"] as? Double)
        let hair = try #require(
            ((metrics?["regions"] as? [String: Any])?["hair"] as? [String: Any]).flatMap { ($0["overall"] as? [String: Any])?["psnr_db"] as? Double },
            "hair region scores")
        print("hhavatar pipeline (64², 4 cameras, 150 iterations): self-reenactment \(overall) dB, hair region \(hair) dB")
        // An untrained avatar scores about 9 dB (GaussianHeadAvatarPipelineTests); measured 16.1 dB under load.
        #expect(overall > 12)
    }

    @Test func tableFiveAblationsChangeOnlyTheTrainingParameters() throws {
        let full = try Self.spec("hhavatar.yaml")
        func train(_ spec: PipelineSpec) throws -> PipelineSpec.StageEntry { try #require(spec.stages.first { $0.name == "train" }) }
        for file in ["hhavatar-no-hair-dynamics.yaml", "hhavatar-no-occlusion.yaml", "hhavatar-gha.yaml"] {
            let ablation = try Self.spec(file)
            #expect(Set(full.stages.map(\.name)) == Set(ablation.stages.map(\.name)))
            for stage in ablation.stages where stage.name != "train" {
                #expect(full.stages.first { $0.name == stage.name }?.use == stage.use, "\(file): \(stage.name)")
            }
            #expect(try train(ablation).use == "gaussians.dynamic")
        }
    }
}
