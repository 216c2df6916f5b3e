import AvatarFlow
import Foundation
import Testing

/// `avatarflow run --executor slurm` end to end on a real slurmctld and slurmd (the testbed CLI
/// with the engine's test stages). Serialized: the cluster and the machine's two cores are shared.
@Suite(.serialized) struct SlurmExecutorTests {
    /// emit ×2 → add → train → checkpointed: deterministic outputs, every stage kind.
    static let deterministicPipeline = """
        pipeline: identical
        stages:
          one: {use: test.emit, with: {value: 4}}
          two: {use: test.emit, with: {value: 5}}
          sum: {use: test.add, in: {a: one.number, b: two.number}, with: {offset: 1}, resources: {memory: 256M, time: 10}}
          train: {use: test.train, in: {number: sum.sum}, with: {steps: 10}}
          count: {use: test.checkpointed, in: {number: train.number}, with: {steps: 3, seconds_per_step: 0.01}}
        outputs:
          sum: sum.sum
          trained: train.number
          counted: count.number
        """

    /// one → first (1 s) → second (1 s), and sum of first and one.
    static let chainPipeline = """
        pipeline: chain
        stages:
          one: {use: test.emit, with: {value: 3}}
          first: {use: test.slow, in: {number: one.number}, with: {seconds: 1, label: first}}
          second: {use: test.slow, in: {number: first.number}, with: {seconds: 1, label: second}}
          sum: {use: test.add, in: {a: first.number, b: one.number}}
        outputs:
          first: first.number
          second: second.number
          sum: sum.sum
        """

    /// A shared upstream stage and one slow stage per matrix point.
    static func sweepPipeline(seconds: Double) -> String {
        """
        pipeline: sweep
        params: {label: a}
        stages:
          one: {use: test.emit, with: {value: 5}}
          work: {use: test.slow, in: {number: one.number}, with: {seconds: \(seconds), label: "${label}"}}
        outputs:
          result: work.number
        matrix:
          label: [a, b, c]
        """
    }

    static let checkpointPipeline = """
        pipeline: resume
        stages:
          one: {use: test.emit, with: {value: 1}}
          count: {use: test.checkpointed, in: {number: one.number}, with: {steps: 60, seconds_per_step: 0.1}}
        outputs:
          result: count.number
        """

    func events(_ url: URL) -> [RunEvent] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(RunEvent.self, from: Data($0.utf8)) }
    }

    func submissions(_ error: String) -> [String] {
        error.split(separator: "\n").filter { $0.contains("submitted as Slurm job") }.map(String.init)
    }

    @Test func outputsAreByteIdenticalToTheLocalExecutorAndEveryStageIsItsOwnJob() throws {
        let workspace = try SlurmWorkspace()
        try workspace.write("p.yaml", Self.deterministicPipeline)
        let local = try workspace.run(
            ["run", "p.yaml", "--runs", "local-runs", "--events", "local.jsonl", "--cache", workspace.root.appendingPathComponent("local-cache").path],
            name: "local")
        #expect(local.status == 0, "\(local.error)")
        let slurm = try workspace.run(["run", "p.yaml", "--executor", "slurm", "--runs", "runs", "--events", "slurm.jsonl"], name: "slurm")
        #expect(slurm.status == 0, "\(slurm.error)")

        let localRun = try #require(try FileManager.default.contentsOfDirectory(atPath: workspace.root.appendingPathComponent("local-runs").path).first)
        let slurmRun = try #require(try workspace.runDirectories("identical").first)
        for output in ["sum", "trained", "counted"] {
            let expected = try filesUnder(workspace.root.appendingPathComponent("local-runs/\(localRun)/outputs/\(output)"))
            let actual = try filesUnder(slurmRun.appendingPathComponent("outputs/\(output)"))
            #expect(!expected.isEmpty)
            #expect(actual == expected, "output \(output) differs")
        }

        var jobs: Set<String> = []
        let record = LocalCluster.completionRecord()
        for stage in ["one", "two", "sum", "train", "count"] {
            let manifest = try workspace.manifest(slurmRun, stage)
            #expect(manifest["status"] as? String == "ran")
            let job = try #require(manifest["job"] as? String, "no job id in the manifest of \(stage)")
            jobs.insert(job)
            let line = record.split(separator: "\n").first { $0.hasPrefix("JobId=\(job) ") }
            #expect(line?.contains("Name=avatarflow:identical:\(stage) JobState=COMPLETED") == true, "job \(job) not in Slurm's record")
        }
        #expect(jobs.count == 5)

        // The same stage events as a local run.
        let stageEvents = { (url: URL) in Set(self.events(url).filter { [.started, .finished].contains($0.kind) }.map { "\($0.kind) \($0.stage ?? "")" }) }
        let localEvents = stageEvents(workspace.root.appendingPathComponent("local.jsonl"))
        #expect(localEvents.count == 10)
        #expect(stageEvents(workspace.root.appendingPathComponent("slurm.jsonl")) == localEvents)
        #expect(stageEvents(slurmRun.appendingPathComponent("events.jsonl")) == localEvents)
    }

    @Test func aStageStartsOnlyAfterTheStagesItReadsCommitted() throws {
        let workspace = try SlurmWorkspace()
        try workspace.write("p.yaml", Self.chainPipeline)
        let result = try workspace.run(["run", "p.yaml", "--executor", "slurm", "--runs", "runs"])
        #expect(result.status == 0, "\(result.error)")
        let run = try #require(try workspace.runDirectories("chain").first)
        let first = try workspace.interval(run, output: "first")
        let second = try workspace.interval(run, output: "second")
        #expect(second.start >= first.end)
        let firstRecord = try #require(try workspace.manifest(run, "first")["record"] as? [String: Any])
        let sumRecord = try #require(try workspace.manifest(run, "sum")["record"] as? [String: Any])
        #expect((sumRecord["committedAt"] as? Double ?? 0) > (firstRecord["committedAt"] as? Double ?? .infinity))
        #expect(submissions(result.error).contains { $0.contains("second submitted") && $0.contains("(after ") })
    }

    @Test func aFailingJobCancelsItsDependantsAndTheErrorNamesStageJobAndLog() throws {
        let workspace = try SlurmWorkspace()
        try workspace.write(
            "p.yaml",
            """
            pipeline: failing
            stages:
              one: {use: test.emit, with: {value: 3}}
              bad: {use: test.fail, in: {number: one.number}}
              after: {use: test.slow, in: {number: bad.number}, with: {seconds: 0.2}}
              last: {use: test.add, in: {a: after.number}}
              side: {use: test.slow, in: {number: one.number}, with: {seconds: 0.5, label: side}}
            """)
        let result = try workspace.run(["run", "p.yaml", "--executor", "slurm", "--runs", "runs", "--keep-going"])
        #expect(result.status == 1)
        let run = try #require(try workspace.runDirectories("failing").first)
        let job = try #require(try workspace.manifest(run, "bad")["job"] as? String)
        let log = run.appendingPathComponent("stages/bad/slurm-\(job).log")
        #expect(result.error.contains("stage 'bad' (test.fail) failed in Slurm job \(job): test.fail failed on purpose"))
        #expect(result.error.contains("job log: \(log.path)"))
        #expect(try String(contentsOf: log, encoding: .utf8).contains("test.fail failed on purpose"))
        for stage in ["after", "last"] {
            let manifest = try workspace.manifest(run, stage)
            #expect(manifest["status"] as? String == "skipped")
            #expect((manifest["message"] as? String)?.contains("upstream stage 'bad' failed (Slurm job \(job))") == true)
            let dependant = try #require(manifest["job"] as? String)
            #expect(try LocalCluster.state(of: dependant) == "CANCELLED")
            #expect(!FileManager.default.fileExists(atPath: run.appendingPathComponent("stages/\(stage)/events.jsonl").path))
        }
        #expect(try workspace.manifest(run, "side")["status"] as? String == "ran")
    }

    @Test func aRerunSubmitsOnlyTheStagesThatAreNotCommitted() throws {
        let workspace = try SlurmWorkspace()
        try workspace.write("p.yaml", Self.chainPipeline)
        let first = try workspace.run(["run", "p.yaml", "--executor", "slurm", "--runs", "runs"], name: "first")
        #expect(first.status == 0, "\(first.error)")
        #expect(submissions(first.error).count == 4)
        let second = try workspace.run(["run", "p.yaml", "--executor", "slurm", "--runs", "runs", "--set", "sum.offset=2"], name: "second")
        #expect(second.status == 0, "\(second.error)")
        let submitted = submissions(second.error)
        #expect(submitted.count == 1)
        #expect(submitted.first?.contains("sum submitted") == true)
        let run = try #require(try workspace.runDirectories("chain").last)
        for stage in ["one", "first", "second"] {
            let manifest = try workspace.manifest(run, stage)
            #expect(manifest["status"] as? String == "cached")
            #expect(manifest["job"] == nil)
        }
        #expect(try String(contentsOf: run.appendingPathComponent("outputs/sum/value.txt"), encoding: .utf8) == "8\n")
    }

    @Test func aJobCancelledMidStageResumesFromItsCheckpointInTheNextJob() throws {
        let workspace = try SlurmWorkspace()
        try workspace.write("p.yaml", Self.checkpointPipeline)
        let driver = try workspace.launch(["run", "p.yaml", "--executor", "slurm", "--runs", "runs"], name: "killed")
        let checkpoints = workspace.cache.appendingPathComponent("checkpoints")
        let reachedStepFive = waitFor(60) {
            let keys = (try? FileManager.default.contentsOfDirectory(atPath: checkpoints.path)) ?? []
            return keys.contains { key in
                let text = try? String(contentsOf: checkpoints.appendingPathComponent("\(key)/step.txt"), encoding: .utf8)
                return (text.flatMap { Int($0) } ?? 0) >= 5
            }
        }
        #expect(reachedStepFive)
        let run = try #require(try workspace.runDirectories("resume").first)
        let job = try #require(try workspace.manifest(run, "count")["job"] as? String)
        try LocalCluster.command("/usr/bin/env", ["scancel", job])
        workspace.finish(driver)
        #expect(driver.terminationStatus == 1)
        #expect(workspace.text("killed.err").contains("stage 'count' (test.checkpointed) failed in Slurm job \(job): Slurm ended the job: CANCELLED"))

        let again = try workspace.run(["run", "p.yaml", "--executor", "slurm", "--runs", "runs"], name: "again")
        #expect(again.status == 0, "\(again.error)")
        let resumedRun = try #require(try workspace.runDirectories("resume").last)
        let resumedFrom = Int(
            try String(contentsOf: resumedRun.appendingPathComponent("outputs/result/resumed.txt"), encoding: .utf8).trimmingCharacters(
                in: .whitespacesAndNewlines))
        #expect((resumedFrom ?? 0) >= 5)
        #expect(try String(contentsOf: resumedRun.appendingPathComponent("outputs/result/value.txt"), encoding: .utf8) == "61\n")
        #expect(try workspace.manifest(resumedRun, "count")["job"] as? String != job)
    }

    @Test func withRetriesAJobEndedBySlurmIsSubmittedAgainAndResumesInTheSameRun() throws {
        let workspace = try SlurmWorkspace()
        try workspace.write("p.yaml", Self.checkpointPipeline)
        let driver = try workspace.launch(["run", "p.yaml", "--executor", "slurm", "--runs", "runs", "--retries", "1"], name: "retried")
        let checkpoints = workspace.cache.appendingPathComponent("checkpoints")
        #expect(
            waitFor(60) {
                let keys = (try? FileManager.default.contentsOfDirectory(atPath: checkpoints.path)) ?? []
                return keys.contains { key in
                    let text = try? String(contentsOf: checkpoints.appendingPathComponent("\(key)/step.txt"), encoding: .utf8)
                    return (text.flatMap { Int($0) } ?? 0) >= 5
                }
            })
        let run = try #require(try workspace.runDirectories("resume").first)
        let killed = try #require(try workspace.manifest(run, "count")["job"] as? String)
        try LocalCluster.command("/usr/bin/env", ["scancel", killed])
        workspace.finish(driver)
        #expect(driver.terminationStatus == 0, "\(workspace.text("retried.err"))")
        #expect(workspace.text("retried.err").contains("Slurm ended job \(killed) (CANCELLED); submitting the stage again (retry 1 of 1)"))
        let manifest = try workspace.manifest(run, "count")
        #expect(manifest["status"] as? String == "ran")
        #expect(manifest["job"] as? String != killed)
        let resumedFrom = Int(
            try String(contentsOf: run.appendingPathComponent("outputs/result/resumed.txt"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
        #expect((resumedFrom ?? 0) >= 5)
    }

    @Test func aThreePointMatrixRunsItsPointsConcurrentlyAndSharesTheUpstreamJob() throws {
        let workspace = try SlurmWorkspace()
        try workspace.write("p.yaml", Self.sweepPipeline(seconds: 3))
        let result = try workspace.run(["run", "p.yaml", "--executor", "slurm", "--runs", "runs"])
        #expect(result.status == 0, "\(result.error)")
        let runs = try workspace.runDirectories("sweep-label=")
        #expect(runs.count == 3)
        let intervals = try runs.map { try workspace.interval($0, output: "result") }
        #expect(intervals.map(\.start).max()! < intervals.map(\.end).min()!, "the three points did not overlap: \(intervals)")
        #expect(submissions(result.error).filter { $0.contains(": one submitted") }.count == 1)
        let sharedJob = try workspace.manifest(runs[0], "one")["job"] as? String
        for run in runs.dropFirst() { #expect(try workspace.manifest(run, "one")["job"] as? String == sharedJob) }
    }

    @Test func maxJobsBoundsTheJobsInTheQueue() throws {
        let workspace = try SlurmWorkspace()
        try workspace.write("p.yaml", Self.sweepPipeline(seconds: 0.5))
        let result = try workspace.run(["run", "p.yaml", "--executor", "slurm", "--runs", "runs", "--max-jobs", "1"])
        #expect(result.status == 0, "\(result.error)")
        let intervals = try workspace.runDirectories("sweep-label=").map { try workspace.interval($0, output: "result") }.sorted { $0.start < $1.start }
        #expect(intervals.count == 3)
        for (earlier, later) in zip(intervals, intervals.dropFirst()) { #expect(later.start >= earlier.end) }
    }

    @Test func aDetachedRunIsFollowedToItsEndByStatus() throws {
        let workspace = try SlurmWorkspace()
        try workspace.write("p.yaml", Self.chainPipeline)
        let detached = try workspace.run(["run", "p.yaml", "--executor", "slurm", "--runs", "runs", "--detach"], name: "detached")
        #expect(detached.status == 0, "\(detached.error)")
        let run = try #require(try workspace.runDirectories("chain").first)
        #expect(detached.output.contains("follow with: avatarflow status \(run.path)"))
        #expect(!FileManager.default.fileExists(atPath: run.appendingPathComponent("summary.json").path))
        let status = try workspace.run(["status", run.path], name: "status")
        #expect(status.status == 0, "\(status.error)")
        #expect(status.output.contains("second: ran"))
        #expect(try String(contentsOf: run.appendingPathComponent("outputs/sum/value.txt"), encoding: .utf8) == "6\n")
        #expect(events(run.appendingPathComponent("events.jsonl")).last?.kind == .runFinished)
    }

    @Test func interruptingTheDriverCancelsItsJobs() throws {
        let workspace = try SlurmWorkspace()
        try workspace.write("p.yaml", Self.checkpointPipeline)
        let driver = try workspace.launch(["run", "p.yaml", "--executor", "slurm", "--runs", "runs"], name: "driver")
        var job: String?
        #expect(
            waitFor(60) {
                guard let run = try? workspace.runDirectories("resume").first, let manifest = try? workspace.manifest(run, "count") else { return false }
                job = manifest["job"] as? String
                return job != nil && FileManager.default.fileExists(atPath: run.appendingPathComponent("stages/count/events.jsonl").path)
            })
        kill(driver.processIdentifier, SIGINT)
        workspace.finish(driver)
        #expect(driver.terminationStatus == 1)
        #expect(workspace.text("driver.err").contains("interrupted: the run's Slurm jobs were cancelled"))
        let cancelled = try #require(job)
        #expect(waitFor(10) { (try? LocalCluster.state(of: cancelled)) == "CANCELLED" })
    }
}
