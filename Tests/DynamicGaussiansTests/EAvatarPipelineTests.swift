import AvatarFlow
import AvatarFlowStages
import Avatars
import Foundation
import MediaIO
import TestSupport
import Testing

@testable import DynamicGaussians

/// EAvatar's pipelines: a tiny end-to-end run of Pipelines/eavatar.yaml (visual hull → prior-guided
/// SDF guidance → gaussians.eavatar with controls and splits → reenactment and region scores), and
/// the Table 3/4 files' structure.
@Suite(.serialized) struct EAvatarPipelineTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let tiny = [
        "cameras=4", "size=64", "frames=20", "test_frames=4", "novel_frames=4", "sr=2", "iterations=150",
        "train.gaussians=2000", "train.mouth_points=100", "train.attribute_width=16", "train.sr_width=16",
        "train.checkpoint_interval=100", "train.split_from=50", "train.split_interval=50", "train.split_frames=2",
        "tau_s=0.01", "tau_c=0.02", "split_until=100",
        "guide.iterations=20", "guide.pretrain_iterations=20", "guide.grid_resolution=20", "guide.render_size=64",
        "guide.width=16", "guide.feature_width=8", "guide.color_channels=8", "hull.resolution=24",
    ]

    static func spec(_ file: String, overrides: [String] = []) throws -> PipelineSpec {
        let parsed = try overrides.enumerated().map { try Override(parsing: $1, location: .commandLine(argument: $0 + 1)) }
        return try PipelineLoader(overrides: parsed).load(repository.appendingPathComponent("Pipelines/\(file)"))
    }

    @Test func eavatarPipelineCarvesThePriorSplitsControlsAndScoresRegions() async throws {
        let root = uniqueTemporaryURL("eavatar")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = try ArtifactStore(root: root.appendingPathComponent("cache"))
        let runner = PipelineRunner(store: store, sink: FanOutEventSink([]))
        func plan(_ overrides: [String]) throws -> ExecutionPlan {
            try PipelineValidator(registry: StageRegistry(ProductionStages.all)).plan(try Self.spec("eavatar.yaml", overrides: Self.tiny + overrides))
        }
        let options = RunOptions(runsDirectory: root.appendingPathComponent("runs"))
        // The untrained avatar (one step) is the baseline; the upstream stages are reused from the cache.
        let untrained = try await runner.run(try plan(["iterations=1"]), options: options)
        let result = try await runner.run(try plan([]), options: options)
        #expect(untrained.succeeded && result.succeeded, "\(result.outcomes)")
        func output(_ stage: String, _ port: String, of run: RunResult? = nil) throws -> URL {
            store.outputDirectory(key: try #require((run ?? result).outcomes[stage]?.record?.cacheKey), port: port)
        }
        func metrics(_ run: RunResult) throws -> [String: Any] {
            let url = try output("score", "report", of: run).appendingPathComponent("metrics.json")
            return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        }
        func psnr(_ run: RunResult) throws -> Double { try #require((try metrics(run)["overall"] as? [String: Any])?["psnr_db"] as? Double) }
        let avatar = try output("train", "avatar")
        let configuration = try DynamicGaussianConfiguration.read(from: avatar)
        #expect(configuration.control == ControlGaussianSettings(threshold: 0.02, radius: 0.05, sigma: 0.025))
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: avatar.appendingPathComponent("eavatar.json"))) as? [String: Any]
        let splits = try #require(record?["splits"] as? [[String: Any]])
        #expect(splits.map { $0["iteration"] as? Int } == [50, 100])
        let start = try #require(record?["gaussians_start"] as? Int), end = try #require(record?["gaussians_end"] as? Int)
        print("eavatar pipeline (64², 4 cameras, 150 iterations): \(start) → \(end) Gaussians, splits \(splits)")
        #expect(end > start, "displaced Gaussians were split")
        let before = try psnr(untrained), after = try psnr(result)
        print("eavatar pipeline self-reenactment: \(before) → \(after) dB")
        #expect(after > before + 1, "training improves the held-out frames: \(before) → \(after) dB")
        let regions = try metrics(result)["regions"] as? [String: Any]
        // Only the requested regions, each where it has pixels (the 4 held-out frames of this tiny capture show no open mouth).
        let scored = Set(regions?.keys.map { $0 } ?? [])
        #expect(scored.contains("eyes") && scored.isSubset(of: ["eyes", "mouth"]), "regions scored: \(scored)")
        let mesh = try output("hull", "mesh")
        #expect(FileManager.default.fileExists(atPath: mesh.appendingPathComponent("mesh.ply").path))
    }

    @Test func tableFourRowsChangeOnlyTheirComponent() throws {
        let validator = PipelineValidator(registry: StageRegistry(ProductionStages.all))
        func plan(_ file: String) throws -> ExecutionPlan { try validator.plan(try Self.spec(file)) }
        func setting(_ plan: ExecutionPlan, _ name: String) -> ConfigValue? { plan.stage("train")?.parameters.value(atDottedPath: name) }
        let full = try plan("eavatar.yaml")
        #expect(full.stage("hull")?.descriptor.id == "mesh.visual-hull" && full.stage("guide")?.inputs["prior"] != nil)
        let rows: [(String, control: Bool, split: Bool)] = [
            ("eavatar-baseline.yaml", false, false), ("eavatar-control.yaml", true, false), ("eavatar-control-split.yaml", true, true),
        ]
        for (file, control, split) in rows {
            let row = try plan(file)
            #expect(row.stage("hull") == nil && row.stage("guide")?.inputs["prior"] == nil, "\(file) has no prior")
            #expect(Set(row.stages.map(\.name)) == Set(full.stages.map(\.name)).subtracting(["hull", "prior_frames"]))
            #expect(setting(row, "control") == .bool(control) && setting(row, "split") == .bool(split), "\(file)")
        }
        #expect(setting(full, "control") == .bool(true) && setting(full, "split") == .bool(true))
    }

    @Test func thePriorIsCarvedFromBodyFreeFramesEvenWhenTheBodyIsKept() throws {
        let validator = PipelineValidator(registry: StageRegistry(ProductionStages.all))
        for removed in ["removed_parts=[body]", "removed_parts=[]"] {
            let plan = try validator.plan(try Self.spec("eavatar.yaml", overrides: [removed]))
            #expect(plan.stage("hull")?.inputs["frames"] == .stageOutput(stage: "prior_frames", port: "frames"), "\(removed)")
            #expect(plan.stage("prior_frames")?.parameters.value(atDottedPath: "parts") == .list([.string("body")]), "\(removed)")
        }
        let kept = try validator.plan(try Self.spec("eavatar.yaml", overrides: ["removed_parts=[]"]))
        #expect(kept.stage("head")?.parameters.value(atDottedPath: "parts") == .list([]), "training and scoring keep the body")
    }

    @Test func sweepFilesVaryOnlyTheirParametersAndIncludeTheFullMethod() throws {
        let validator = PipelineValidator(registry: StageRegistry(ProductionStages.all))
        let full = try validator.plan(try Self.spec("eavatar.yaml"))
        func trainParameters(_ plan: ExecutionPlan) -> [String: ConfigValue] {
            guard case .object(let values) = plan.stage("train")?.parameters else { return [:] }
            return values
        }
        let sweeps: [(file: String, swept: Set<String>, points: Int)] = [
            ("eavatar-control-threshold.yaml", ["control_threshold"], 3),
            ("eavatar-control-kernel.yaml", ["control_radius", "control_sigma"], 9),
        ]
        for sweep in sweeps {
            let base = try Self.spec(sweep.file)
            let points = Matrix.points(of: base.matrix)
            #expect(points.count == sweep.points, "\(sweep.file): \(points.map(\.label))")
            var matchesFull = 0
            for point in points {
                let plan = try validator.plan(
                    try PipelineLoader(overrides: point.overrides).load(Self.repository.appendingPathComponent("Pipelines/\(sweep.file)")))
                #expect(plan.stages.map(\.name) == full.stages.map(\.name), "\(sweep.file) \(point.label)")
                let changed = Set(trainParameters(plan).keys.filter { trainParameters(plan)[$0] != trainParameters(full)[$0] })
                #expect(changed.isSubset(of: sweep.swept), "\(sweep.file) \(point.label) changes \(changed)")
                if changed.isEmpty { matchesFull += 1 }
            }
            #expect(matchesFull == 1, "\(sweep.file): exactly one point is eavatar.yaml itself (shared with Table 4's full row through the cache)")
        }
    }

    @Test func eavatarStageTakesEveryGaussianHeadAvatarParameterUnderItsOwnName() {
        let gha = Set(DynamicGaussiansStage.Parameters.fields.map(\.name))
        let eavatar = Set(EAvatarGaussiansStage.Parameters.fields.map(\.name))
        #expect(gha.isSubset(of: eavatar))
        #expect(eavatar.subtracting(gha).allSatisfy { $0.hasPrefix("control") || $0.hasPrefix("split") || $0 == "max_gaussians" })
    }
}
