import AvatarFlow
import Foundation
import TestSupport
import Testing

/// The CLI as a child process: exit codes, killing a run mid-stage, two runs on one cache.
@Suite(.serialized) struct ProcessTests {
    /// Starts the testbed CLI in `workspace` with `arguments`; stdout and stderr go to files.
    func launch(_ workspace: Workspace, _ arguments: [String], name: String) throws -> Process {
        let process = Process()
        process.executableURL = try builtExecutable("EngineTestbed")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["AVATARFLOW_CACHE": workspace.cache.path]) { $1 }
        process.currentDirectoryURL = workspace.root
        process.standardOutput = try FileHandle(forWritingTo: workspace.write("\(name).out", ""))
        process.standardError = try FileHandle(forWritingTo: workspace.write("\(name).err", ""))
        try process.run()
        return process
    }

    func runToEnd(_ workspace: Workspace, _ arguments: [String], name: String = "cli") throws -> (status: Int32, output: String, error: String) {
        let process = try launch(workspace, arguments, name: name)
        process.waitUntilExit()
        let output = try String(contentsOf: workspace.root.appendingPathComponent("\(name).out"), encoding: .utf8)
        let error = try String(contentsOf: workspace.root.appendingPathComponent("\(name).err"), encoding: .utf8)
        return (process.terminationStatus, output, error)
    }

    func events(_ url: URL) -> [RunEvent] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(RunEvent.self, from: Data($0.utf8)) }
    }

    /// Polls until `condition` holds (at most `timeout` seconds).
    func waitFor(_ timeout: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    @Test func validateExitsNonZeroAndPrintsEveryProblem() throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", "pipeline: x\nstages:\n  a: {use: test.emitt}\n  b: {use: test.emit, with: {valu: 1}}\n")
        let result = try runToEnd(workspace, ["validate", "p.yaml"])
        #expect(result.status == 1)
        #expect(result.error.contains("p.yaml:3:12: error: unknown stage 'test.emitt'"))
        #expect(result.error.contains("p.yaml:4:30: error: stage 'b' (test.emit) has no parameter 'valu'"))
        #expect(result.error.contains("2 errors found"))
    }

    @Test func validateAcceptsAValidPipeline() throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", diamondPipeline)
        let result = try runToEnd(workspace, ["validate", "p.yaml"])
        #expect(result.status == 0)
        #expect(result.output.contains("ok (4 stages)"))
    }

    @Test func stagesJSONListsPortsAndParameters() throws {
        let workspace = try Workspace()
        let result = try runToEnd(workspace, ["stages", "--json"])
        #expect(result.status == 0)
        let stages = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[String: Any]]
        let add = try #require(stages?.first { $0["id"] as? String == "test.add" })
        #expect((add["inputs"] as? [[String: Any]])?.count == 2)
        #expect((add["parameters"] as? [[String: Any]])?.contains { $0["name"] as? String == "scale.factor" } == true)
    }

    @Test func graphDrawsPortTypesOnEdges() throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", diamondPipeline)
        let result = try runToEnd(workspace, ["graph", "p.yaml", "--format", "dot"])
        #expect(result.status == 0)
        #expect(result.output.contains("\"one\" -> \"slow\" [label=\"number → number: Numbers\"]"))
    }

    @Test func matrixRunsEveryPointUnderItsOwnName() throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", diamondPipeline + "\nmatrix:\n  start: [1, 2]\n")
        let result = try runToEnd(workspace, ["run", "p.yaml", "--runs", "runs"])
        #expect(result.status == 0)
        let runs = try FileManager.default.contentsOfDirectory(atPath: workspace.runs.path)
        #expect(runs.contains { $0.hasPrefix("diamond-start=1-") })
        #expect(runs.contains { $0.hasPrefix("diamond-start=2-") })
    }

    @Test func failingRunExitsNonZero() throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", "pipeline: x\nstages:\n  bad: {use: test.fail}\n")
        let result = try runToEnd(workspace, ["run", "p.yaml"])
        #expect(result.status == 1)
        #expect(result.error.contains("bad FAILED: stage 'bad' (test.fail) failed: test.fail failed on purpose"))
    }

    @Test func runKilledMidStageResumesAfterTheLastCommittedStage() async throws {
        let workspace = try Workspace()
        try workspace.write(
            "p.yaml",
            """
            pipeline: killable
            stages:
              first: {use: test.emit, with: {value: 2}}
              long: {use: test.checkpointed, in: {number: first.number}, with: {steps: 40, seconds_per_step: 0.05}}
              last: {use: test.add, in: {a: long.number}}
            outputs: {total: last.sum}
            """)
        let eventsFile = workspace.root.appendingPathComponent("events.jsonl")
        let process = try launch(workspace, ["run", "p.yaml", "--events", eventsFile.path], name: "killed")
        let midway = waitFor(30) {
            events(eventsFile).contains { $0.kind == .progress && $0.stage == "long" && ($0.completed ?? 0) >= 10 }
        }
        #expect(midway)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(!events(eventsFile).contains { $0.kind == .finished && $0.stage == "long" })

        let sink = RecordingSink()
        let result = try await workspace.run("p.yaml", sink: sink)
        #expect(result.statuses == ["first": "cached", "long": "ran", "last": "ran"])
        #expect(try workspace.number(result, output: "total") == 42)
        let resumedFrom = try String(contentsOf: result.runDirectory.appendingPathComponent("outputs/../stages/long/manifest.json"), encoding: .utf8)
        #expect(resumedFrom.contains("\"status\" : \"ran\""))
        let longKey = try #require(result.outcomes["long"]?.record?.cacheKey)
        let store = try ArtifactStore(root: workspace.cache)
        let resumed = try String(contentsOf: store.outputDirectory(key: longKey, port: "number").appendingPathComponent("resumed.txt"), encoding: .utf8)
        #expect((Int(resumed.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) >= 10, "the stage resumed from its checkpoint")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: workspace.cache.appendingPathComponent("tmp").path)
        #expect(leftovers.isEmpty, "the killed attempt's partial workspace was cleaned up")
    }

    @Test func twoConcurrentRunsShareOneCacheWithoutCorruption() throws {
        let workspace = try Workspace()
        try workspace.write(
            "p.yaml",
            """
            pipeline: shared
            stages:
              a: {use: test.emit, with: {value: 5}}
              slow: {use: test.slow, in: {number: a.number}, with: {seconds: 1}}
              sum: {use: test.add, in: {a: slow.number}, with: {offset: 1}}
            outputs: {total: sum.sum}
            """)
        let first = try launch(workspace, ["run", "p.yaml", "--events", "one.jsonl"], name: "one")
        let second = try launch(workspace, ["run", "p.yaml", "--events", "two.jsonl"], name: "two")
        first.waitUntilExit()
        second.waitUntilExit()
        #expect(first.terminationStatus == 0)
        #expect(second.terminationStatus == 0)
        let all = events(workspace.root.appendingPathComponent("one.jsonl")) + events(workspace.root.appendingPathComponent("two.jsonl"))
        let slowRuns = all.filter { $0.stage == "slow" && $0.kind == .finished }.count
        let slowReuses = all.filter { $0.stage == "slow" && $0.kind == .cached }.count
        #expect(slowRuns == 1, "the expensive stage is computed once")
        #expect(slowReuses == 1, "the other run waits for it and reuses it")
        for name in ["one.out", "two.out"] {
            let output = try String(contentsOf: workspace.root.appendingPathComponent(name), encoding: .utf8)
            let line = try #require(output.split(separator: "\n").first { $0.contains("total:") })
            let path = line.split(separator: " ").last.map(String.init) ?? ""
            #expect(try String(contentsOfFile: path + "/value.txt", encoding: .utf8) == "6\n")
        }
    }
}
