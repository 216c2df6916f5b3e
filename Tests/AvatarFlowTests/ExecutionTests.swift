import AvatarFlow
import EngineTestStages
import Foundation
import Testing

/// Running plans: results, cache reuse, forced re-runs, parallelism, failures, the run directory.
@Suite struct ExecutionTests {
    @Test func runComputesTheOutputsAndLinksThem() async throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", diamondPipeline)
        let result = try await workspace.run("p.yaml")
        #expect(result.succeeded)
        #expect(try workspace.number(result, output: "total") == (3 + 4) * 2)
        #expect(Set(result.statuses.values) == ["ran"])
    }

    @Test func secondRunReusesEveryStage() async throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", diamondPipeline)
        _ = try await workspace.run("p.yaml")
        let again = try await workspace.run("p.yaml")
        #expect(Set(again.statuses.values) == ["cached"])
        #expect(try workspace.number(again, output: "total") == 14)
    }

    @Test func changingOneParameterRerunsExactlyThatStageAndItsDescendants() async throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", diamondPipeline)
        _ = try await workspace.run("p.yaml")
        let changed = try await workspace.run("p.yaml", overrides: ["start=5"])
        #expect(changed.statuses == ["one": "ran", "two": "cached", "slow": "ran", "sum": "ran"])
        #expect(try workspace.number(changed, output: "total") == 18)
    }

    @Test func changingALeafParameterRerunsOnlyTheLeaf() async throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", diamondPipeline)
        _ = try await workspace.run("p.yaml")
        let changed = try await workspace.run("p.yaml", overrides: ["sum.offset=1"])
        #expect(changed.statuses == ["one": "cached", "two": "cached", "slow": "cached", "sum": "ran"])
    }

    @Test func explainSaysWhichParameterChanged() async throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", diamondPipeline)
        _ = try await workspace.run("p.yaml")
        let explanations = try PipelineExplainer(store: try ArtifactStore(root: workspace.cache))
            .explain(try workspace.plan("p.yaml", overrides: ["start=5"]), options: RunOptions())
        let byStage = Dictionary(uniqueKeysWithValues: explanations.map { ($0.stage, $0) })
        #expect(byStage["one"]?.description == "one: will run because parameter value changed: 3 → 5")
        #expect(byStage["two"]?.description.hasPrefix("two: cached") == true)
        #expect(byStage["slow"]?.description.contains("upstream 'one' will run") == true)
    }

    @Test func explainSaysNeverRunOnAnEmptyCache() throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", diamondPipeline)
        let explanations = try PipelineExplainer(store: try ArtifactStore(root: workspace.cache))
            .explain(try workspace.plan("p.yaml"), options: RunOptions())
        #expect(explanations.first { $0.stage == "one" }?.description == "one: will run because no result of this stage is cached yet")
    }

    @Test func forceRerunsEverything() async throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", diamondPipeline)
        _ = try await workspace.run("p.yaml")
        let forced = try await workspace.run("p.yaml", options: RunOptions(force: true))
        #expect(Set(forced.statuses.values) == ["ran"])
    }

    @Test func fromRerunsAStageAndItsDescendants() async throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", diamondPipeline)
        _ = try await workspace.run("p.yaml")
        let result = try await workspace.run("p.yaml", options: RunOptions(from: "slow"))
        #expect(result.statuses == ["one": "cached", "two": "cached", "slow": "ran", "sum": "ran"])
    }

    @Test func untilRunsOnlyTheStageAndItsAncestors() async throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", diamondPipeline)
        let result = try await workspace.run("p.yaml", options: RunOptions(until: "slow"))
        #expect(result.statuses == ["one": "ran", "slow": "ran"])
    }

    @Test func independentBranchesOverlapInTime() async throws {
        let workspace = try Workspace()
        try workspace.write(
            "p.yaml",
            """
            pipeline: parallel
            stages:
              a: {use: test.emit}
              left: {use: test.slow, in: {number: a.number}, with: {seconds: 1, label: left}}
              right: {use: test.slow, in: {number: a.number}, with: {seconds: 1, label: right}}
            outputs: {left: left.number, right: right.number}
            """)
        let result = try await workspace.run("p.yaml", options: RunOptions(jobs: 2))
        func interval(_ name: String) throws -> (Double, Double) {
            let text = try String(contentsOf: result.runDirectory.appendingPathComponent("outputs/\(name)/interval.txt"), encoding: .utf8)
            let parts = text.split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
            return (parts[0], parts[1])
        }
        let left = try interval("left"), right = try interval("right")
        #expect(max(left.0, right.0) < min(left.1, right.1), "the two 1 s stages must run at the same time")
    }

    @Test func oneJobRunsBranchesOneAfterTheOther() async throws {
        let workspace = try Workspace()
        try workspace.write(
            "p.yaml",
            """
            pipeline: serial
            stages:
              a: {use: test.emit}
              left: {use: test.slow, in: {number: a.number}, with: {seconds: 0.3, label: left}}
              right: {use: test.slow, in: {number: a.number}, with: {seconds: 0.3, label: right}}
            outputs: {left: left.number, right: right.number}
            """)
        let result = try await workspace.run("p.yaml", options: RunOptions(jobs: 1))
        let intervals = try ["left", "right"].map { name -> [Double] in
            try String(contentsOf: result.runDirectory.appendingPathComponent("outputs/\(name)/interval.txt"), encoding: .utf8)
                .split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
        }
        #expect(max(intervals[0][0], intervals[1][0]) >= min(intervals[0][1], intervals[1][1]))
    }

    @Test func failureStopsDownstreamAndNamesStageAndRunDirectory() async throws {
        let workspace = try Workspace()
        try workspace.write(
            "p.yaml",
            """
            pipeline: failing
            stages:
              a: {use: test.emit}
              bad: {use: test.fail, in: {number: a.number}}
              after: {use: test.slow, in: {number: bad.number}}
            """)
        let sink = RecordingSink()
        let result = try await workspace.run("p.yaml", sink: sink)
        #expect(!result.succeeded)
        #expect(result.statuses == ["a": "ran", "bad": "failed", "after": "skipped"])
        let failed = try #require(sink.events.first { $0.kind == .failed })
        #expect(failed.message?.contains("stage 'bad' (test.fail) failed: test.fail failed on purpose") == true)
        #expect(failed.message?.contains(result.runDirectory.path) == true)
    }

    @Test func failFastSkipsIndependentStagesButKeepGoingRunsThem() async throws {
        let workspace = try Workspace()
        try workspace.write(
            "p.yaml",
            """
            pipeline: failing
            stages:
              bad: {use: test.fail}
              other: {use: test.emit, with: {seconds: 0.2}}
              later: {use: test.slow, in: {number: other.number}, with: {seconds: 0}}
            """)
        let failFast = try await workspace.run("p.yaml", options: RunOptions(jobs: 1))
        #expect(failFast.statuses["bad"] == "failed")
        #expect(failFast.statuses["later"] == "skipped")
        let keepGoing = try await workspace.run("p.yaml", options: RunOptions(jobs: 1, keepGoing: true))
        #expect(keepGoing.statuses["later"] == "ran" || keepGoing.statuses["later"] == "cached")
    }

    @Test func completedStagesSurviveALaterFailure() async throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", "pipeline: x\nstages:\n  a: {use: test.emit, with: {value: 9}}\n  bad: {use: test.fail, in: {number: a.number}}\n")
        _ = try await workspace.run("p.yaml")
        let again = try await workspace.run("p.yaml")
        #expect(again.statuses["a"] == "cached")
    }

    @Test func runDirectoryHoldsManifestsLogsAndEvents() async throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", diamondPipeline)
        let sink = RecordingSink()
        let result = try await workspace.run("p.yaml", sink: sink)
        let manifest = result.runDirectory.appendingPathComponent("stages/slow/manifest.json")
        let text = try String(contentsOf: manifest, encoding: .utf8)
        #expect(text.contains("\"cacheKey\""))
        #expect(text.contains("\"peakMemoryBytes\""))
        #expect(FileManager.default.fileExists(atPath: result.runDirectory.appendingPathComponent("stages/slow/log.txt").path))
        let kinds = sink.events.filter { $0.stage == "slow" }.map(\.kind)
        #expect(kinds.first == .started)
        #expect(kinds.contains(.progress))
        #expect(kinds.last == .finished)
    }

    @Test func committedArtifactsCarryTheirDigest() async throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", diamondPipeline)
        let result = try await workspace.run("p.yaml")
        let record = try #require(result.outcomes["sum"]?.record)
        let directory = try ArtifactStore(root: workspace.cache).outputDirectory(key: record.cacheKey, port: "sum")
        #expect(try ArtifactDigest.of(directory: directory) == record.outputs["sum"]?.digest)
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("artifact.json").path))
    }

    @Test func cacheKeyDependsOnEveryComponent() {
        let base = CacheKey(stageID: "s", version: 1, parameters: .object(["x": .int(1)]), inputDigests: ["a": "d1"])
        #expect(base == CacheKey(stageID: "s", version: 1, parameters: .object(["x": .int(1)]), inputDigests: ["a": "d1"]))
        #expect(base != CacheKey(stageID: "t", version: 1, parameters: .object(["x": .int(1)]), inputDigests: ["a": "d1"]))
        #expect(base != CacheKey(stageID: "s", version: 2, parameters: .object(["x": .int(1)]), inputDigests: ["a": "d1"]))
        #expect(base != CacheKey(stageID: "s", version: 1, parameters: .object(["x": .int(2)]), inputDigests: ["a": "d1"]))
        #expect(base != CacheKey(stageID: "s", version: 1, parameters: .object(["x": .int(1)]), inputDigests: ["a": "d2"]))
    }
}

@Suite struct StageContextTests {
    @Test func advanceProgressCountsUnitsFromManyThreads() throws {
        let workspace = try Workspace()
        let sink = RecordingSink()
        let context = StageContext(
            stageName: "s", stageID: "test.emit", runName: "r", inputs: [:], outputs: [:],
            workDirectory: workspace.root, checkpointDirectory: workspace.root,
            pipelineDirectory: workspace.root, logFile: nil, sink: sink)
        _ = parallelMap(200) { _ in context.advanceProgress(total: 200, unit: "units") }
        #expect(sink.events.last { $0.kind == .progress }?.completed == 200)
    }
}
