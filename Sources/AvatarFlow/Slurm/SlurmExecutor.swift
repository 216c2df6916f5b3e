import Foundation

/// Runs plans on a Slurm cluster: every stage that is not cached becomes one `sbatch` job running
/// `avatarflow slurm-stage` (`SlurmStageJob`), chained with `--dependency=afterok`; the driver
/// follows the jobs (`squeue`/`sacct` and the stages' event files) and reports the same events as
/// a local run.
///
/// The cache and run directories must be on a file system every node sees at the same path: jobs
/// commit into the cache with the local executor's protocol (key lock, atomic rename) and read
/// upstream results through the upstream stages' manifests.
public struct SlurmExecutor: Sendable {
    /// The cache.
    public var store: ArtifactStore
    /// Partition, account, QoS and extra flags.
    public var settings: SlurmSettings
    /// The Slurm commands.
    public var client: SlurmClient
    /// The avatarflow executable the jobs run (the one running now, by default).
    public var executable: URL
    /// Seconds between two looks at the queue.
    public var pollInterval: Double
    /// Human-readable lines about submissions (the CLI prints them on standard error).
    public var log: @Sendable (String) -> Void

    /// Creates an executor.
    public init(
        store: ArtifactStore, settings: SlurmSettings = SlurmSettings(), client: SlurmClient = SlurmClient(),
        executable: URL = SlurmExecutor.currentExecutable, pollInterval: Double = 0.5, log: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.store = store
        self.settings = settings
        self.client = client
        self.executable = executable
        self.pollInterval = pollInterval
        self.log = log
    }

    /// The running executable (`/proc/self/exe` on Linux).
    public static var currentExecutable: URL {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
    }

    // MARK: Preparing

    /// Creates a run directory per plan, reuses every stage already in the cache, writes a job
    /// description for each other stage and returns the session (saved, nothing submitted yet).
    /// Stages equal across plans (same stage, parameters and upstream) become one job. A stage whose
    /// job Slurm ends (time limit, cancel, preemption, node failure) is submitted again up to
    /// `retries` times, resuming from its checkpoint.
    public func prepare(
        _ plans: [(plan: ExecutionPlan, options: RunOptions)], maxJobs: Int, retries: Int = 0, sink: any RunEventSink
    ) throws -> SlurmSession {
        var session = SlurmSession(
            runs: [], units: [], maxJobs: max(1, maxJobs), keepGoing: plans.contains { $0.options.keepGoing }, retries: max(0, retries),
            cache: store.root.path, finished: false)
        var ownerByIdentity: [String: Int] = [:]
        let runner = PipelineRunner(store: store, sink: sink)
        let workingDirectory = FileManager.default.currentDirectoryPath
        for (plan, options) in plans {
            let runName = options.runName ?? plan.spec.name
            let runsDirectory = URL(fileURLWithPath: options.runsDirectory.path, relativeTo: URL(fileURLWithPath: workingDirectory + "/"))
                .standardizedFileURL
            let runDirectory = try RunDirectory.create(in: runsDirectory, name: runName, plan: plan)
            let runIndex = session.runs.count
            var selected = Set(plan.stages.map(\.name))
            if let until = options.until { selected = plan.ancestors(of: until) }
            var forced: Set<String> = options.force ? selected : []
            if let from = options.from { forced.formUnion(plan.descendants(of: from).intersection(selected)) }
            let stages = plan.stages.filter { selected.contains($0.name) }
            session.runs.append(
                .init(
                    directory: runDirectory.url.path, name: runName, pipeline: plan.spec.name,
                    outputs: Dictionary(plan.spec.outputs.map { ($0.name, $0.source.description) }, uniquingKeysWith: { first, _ in first }),
                    stages: stages.map(\.name)))
            let events = try runSink(runDirectory.url, sink)
            events.receive(RunEvent(.runStarted, run: runName, message: runDirectory.url.path))
            // Where the driver ran; each job's own node is in its log (`slurm-<job>.log`).
            try? RunEnvironment.current(stageJobs: session.maxJobs, components: options.environmentComponents).write(into: runDirectory.url)

            var externalDigests: [String: String] = [:]
            for input in plan.spec.inputs {
                guard let path = input.path else { continue }
                externalDigests[input.name] = try store.digestOfExternalInput(path)
            }
            var outcomes: [String: StageOutcome] = [:]
            var identities: [String: String] = [:]
            var unitOf: [String: Int] = [:]
            for stage in stages {
                let identity: String
                if stage.dependencies.allSatisfy({ outcomes[$0]?.record != nil }) {
                    let inputs = runner.resolveInputs(stage, plan: plan, outcomes: outcomes, externalDigests: externalDigests)
                    let key = CacheKey(
                        stageID: stage.descriptor.id, version: stage.descriptor.version, parameters: stage.parameters, inputDigests: inputs.digests)
                    if !forced.contains(stage.name), let record = store.record(for: key.value) {
                        outcomes[stage.name] = .cached(record)
                        store.remember(record, pipeline: plan.spec.name, stage: stage.name)
                        runDirectory.recordStage(stage, outcome: .cached(record), inputs: inputs.sources)
                        events.receive(RunEvent(.cached, run: runName, stage: stage.name, cacheKey: key.value))
                        continue
                    }
                    identity = "key \(key.value) force \(forced.contains(stage.name))"
                } else {
                    // Some input is still to be computed: identify the stage by what determines its key.
                    var material: [String: ConfigValue] = [:]
                    for (port, reference) in stage.inputs {
                        switch reference {
                        case .pipelineInput(let name): material[port] = .string("digest \(externalDigests[name] ?? "")")
                        case .stageOutput(let producer, let producerPort):
                            if let digest = outcomes[producer]?.record?.outputs[producerPort]?.digest {
                                material[port] = .string("digest \(digest)")
                            } else {
                                material[port] = .string("stage \(identities[producer] ?? producer) port \(producerPort)")
                            }
                        }
                    }
                    let object: ConfigValue = .object([
                        "stage": .string(stage.descriptor.id), "version": .int(stage.descriptor.version), "parameters": stage.parameters,
                        "inputs": .object(material), "force": .bool(forced.contains(stage.name)),
                    ])
                    identity = ArtifactDigest.of(text: object.canonicalJSON)
                }
                identities[stage.name] = identity
                let index = session.units.count
                unitOf[stage.name] = index
                let owner = ownerByIdentity[identity]
                if owner == nil { ownerByIdentity[identity] = index }
                let dependencies = stage.dependencies.compactMap { unitOf[$0] }.map { session.units[$0].owner ?? $0 }
                var unit = SlurmSession.Unit(
                    run: runIndex, stage: stage.name, stageID: stage.descriptor.id, dependencies: Array(Set(dependencies)).sorted(),
                    owner: owner, sbatch: [], job: nil, status: .waiting, message: nil, eventOffset: 0, unknownPolls: 0)
                if owner == nil {
                    let specFile = try writeJobSpec(
                        stage, plan: plan, runName: runName, runDirectory: runDirectory, force: forced.contains(stage.name),
                        externalDigests: externalDigests,
                        manifestOf: { producer in
                            if let producerUnit = unitOf[producer] {
                                let ownerUnit = session.units[session.units[producerUnit].owner ?? producerUnit]
                                return session.stageDirectory(ownerUnit).appendingPathComponent("manifest.json").path
                            }
                            return runDirectory.stageDirectory(producer).appendingPathComponent("manifest.json").path
                        })
                    unit.sbatch = sbatchArguments(
                        stage, runName: runName, stageDirectory: runDirectory.stageDirectory(stage.name), specFile: specFile,
                        workingDirectory: workingDirectory)
                }
                session.units.append(unit)
            }
        }
        try session.save()
        return session
    }

    private func writeJobSpec(
        _ stage: ExecutionPlan.PlannedStage, plan: ExecutionPlan, runName: String, runDirectory: RunDirectory, force: Bool,
        externalDigests: [String: String], manifestOf: (String) -> String
    ) throws -> URL {
        var inputs: [String: SlurmJobSpec.Input] = [:]
        for (port, reference) in stage.inputs {
            switch reference {
            case .pipelineInput(let name):
                let path = plan.spec.inputs.first { $0.name == name }?.path
                inputs[port] = .init(source: reference.description, path: path?.path, digest: externalDigests[name])
            case .stageOutput(let producer, let producerPort):
                inputs[port] = .init(source: reference.description, manifest: manifestOf(producer), port: producerPort)
            }
        }
        let spec = SlurmJobSpec(
            runName: runName, pipelineName: plan.spec.name, pipelineDirectory: plan.spec.directory.path, runDirectory: runDirectory.url.path,
            stage: stage.name, stageID: stage.descriptor.id, version: stage.descriptor.version, parameters: stage.parameters,
            canonicalParameters: stage.parameters.canonicalJSON, inputs: inputs, force: force, cache: store.root.path)
        let url = runDirectory.stageDirectory(stage.name).appendingPathComponent(SlurmJobSpec.fileName)
        try ArtifactStore.writeJSON(spec, to: url)
        return url
    }

    private func sbatchArguments(
        _ stage: ExecutionPlan.PlannedStage, runName: String, stageDirectory: URL, specFile: URL, workingDirectory: String
    ) -> [String] {
        [
            "--job-name=avatarflow:\(runName):\(stage.name)",
            "--output=\(stageDirectory.path)/slurm-%j.log",
            "--open-mode=append",
            "--chdir=\(workingDirectory)",
            "--kill-on-invalid-dep=yes",
            // Preempted or node-failed jobs go back to the queue and resume from their checkpoint.
            "--requeue",
        ] + stage.resources.sbatchArguments + runSettings(for: stage.resources).sbatchArguments + [
            "--wrap=exec \(Self.shellQuoted(executable.path)) slurm-stage \(Self.shellQuoted(specFile.path))"
        ]
    }

    /// The run's settings, without its partition when the stage names its own.
    private func runSettings(for resources: StageResources) -> SlurmSettings {
        var settings = self.settings
        if resources.partition != nil { settings.partition = nil }
        return settings
    }

    static func shellQuoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    private func runSink(_ runDirectory: URL, _ sink: any RunEventSink) throws -> FanOutEventSink {
        FanOutEventSink([try AppendingEventWriter(url: runDirectory.appendingPathComponent(RunDirectory.eventsFileName)), sink])
    }

    // MARK: Following

    /// Submits what is ready and follows the jobs until every run ended; returns one result per
    /// run. With `detach`, returns nil right after submitting (a later `follow` takes over).
    /// `interrupted` is polled: once true, every submitted job is cancelled.
    public func follow(
        _ session: inout SlurmSession, sink: any RunEventSink, detach: Bool = false, interrupted: @Sendable () -> Bool = { false }
    ) async throws -> [RunResult]? {
        let sinks = try session.runs.map { try runSink(URL(fileURLWithPath: $0.directory), sink) }
        if !session.finished {
            while true {
                if interrupted() {
                    stopAll(&session, sinks: sinks, reason: "cancelled: the driver was interrupted (Ctrl-C)")
                    break
                }
                submitReady(&session, sinks: sinks)
                try session.save()
                if detach { return nil }
                let active = session.units.indices.filter { session.units[$0].status == .submitted && session.units[$0].owner == nil }
                if active.isEmpty && !session.units.contains(where: { $0.status == .waiting }) { break }
                let states = client.states(of: active.compactMap { session.units[$0].job })
                for index in active where session.units[index].status == .submitted {
                    forwardEvents(&session, index, sinks: sinks)
                    guard let job = session.units[index].job, let state = states[job] else {
                        session.units[index].unknownPolls += 1
                        if session.units[index].unknownPolls >= 20 {
                            finish(&session, index, state: nil, sinks: sinks)
                        }
                        continue
                    }
                    session.units[index].unknownPolls = 0
                    if state.isFinished { finish(&session, index, state: state, sinks: sinks) }
                }
                try session.save()
                try await Task.sleep(nanoseconds: UInt64(pollInterval * 1e9))
            }
        }
        let results = session.runs.indices.map { finalize(session, $0, sink: sinks[$0], announce: !session.finished) }
        session.finished = true
        try session.save()
        return results
    }

    /// Submits every waiting owner whose dependencies are all submitted or done, up to `maxJobs` in the queue.
    private func submitReady(_ session: inout SlurmSession, sinks: [FanOutEventSink]) {
        var active = session.units.filter { $0.status == .submitted && $0.owner == nil }.count
        for index in session.units.indices where session.units[index].status == .waiting && session.units[index].owner == nil {
            let unit = session.units[index]
            let statuses = unit.dependencies.map { session.units[$0].status }
            guard statuses.allSatisfy({ $0 == .submitted || $0 == .succeeded }) else { continue }
            guard active < session.maxJobs else { break }
            let pending: [String] = unit.dependencies.filter { session.units[$0].status == .submitted }.compactMap { session.units[$0].job }
            var arguments = unit.sbatch
            if !pending.isEmpty { arguments.insert("--dependency=afterok:" + pending.joined(separator: ":"), at: arguments.count - 1) }
            do {
                let job = try client.submit(arguments)
                session.units[index].job = job
                session.units[index].status = .submitted
                active += 1
                for follower in session.units.indices where session.units[follower].owner == index { session.units[follower].job = job }
                writeManifest(
                    session, session.units[index], status: "submitted",
                    message: "Slurm job \(job)\(pending.isEmpty ? "" : " after job \(pending.joined(separator: ", "))")", record: nil)
                log(
                    "\(session.runs[unit.run].name): \(unit.stage) submitted as Slurm job \(job)\(pending.isEmpty ? "" : " (after \(pending.joined(separator: ", ")))")"
                )
            } catch {
                fail(&session, index, message: "\(error)", sinks: sinks)
            }
        }
    }

    /// Forwards the stage's new events (all but `failed`, which the driver reports with the job id).
    private func forwardEvents(_ session: inout SlurmSession, _ index: Int, sinks: [FanOutEventSink]) {
        let unit = session.units[index]
        let url = session.stageDirectory(unit).appendingPathComponent(SlurmStageJob.eventsFileName)
        guard let handle = try? FileHandle(forReadingFrom: url) else { return }
        defer { try? handle.close() }
        handle.seek(toFileOffset: unit.eventOffset)
        let data = handle.readDataToEndOfFile()
        guard let lastNewline = data.lastIndex(of: 0x0A) else { return }
        let complete = data[data.startIndex...lastNewline]
        session.units[index].eventOffset += UInt64(complete.count)
        for line in complete.split(separator: 0x0A) {
            guard let event = try? JSONDecoder().decode(RunEvent.self, from: Data(line)), event.kind != .failed else { continue }
            sinks[unit.run].receive(event)
        }
    }

    /// A job ended (or Slurm forgot it): success when it committed, else a failure naming the job.
    private func finish(_ session: inout SlurmSession, _ index: Int, state: SlurmClient.JobState?, sinks: [FanOutEventSink]) {
        forwardEvents(&session, index, sinks: sinks)
        let unit = session.units[index]
        let manifest = readManifest(session.stageDirectory(unit))
        if state?.name ?? "COMPLETED" == "COMPLETED", let record = manifest?.record, manifest?.status == "ran" || manifest?.status == "cached" {
            session.units[index].status = .succeeded
            for follower in session.units.indices where session.units[follower].owner == index {
                session.units[follower].status = .succeeded
                let shared = session.units[follower]
                writeManifest(
                    session, shared, status: "cached", message: "computed by Slurm job \(unit.job ?? "?") of run \(session.runs[unit.run].name)", record: record
                )
                sinks[shared.run].receive(RunEvent(.cached, run: session.runs[shared.run].name, stage: shared.stage, cacheKey: record.cacheKey))
            }
            return
        }
        if let state, Self.endedBySlurm.contains(state.name), manifest?.status != "failed", unit.retries < session.retries {
            retry(&session, index, state: state, sinks: sinks)
            return
        }
        var message: String
        if manifest?.status == "failed", let text = manifest?.message {
            message = text
        } else if let state {
            message = "Slurm ended the job: \(state.name)\(state.reason == "None" ? "" : " (\(state.reason))")"
            if Self.endedBySlurm.contains(state.name) {
                message += "; its checkpoint is kept: run again to resume from it"
                if state.name == "TIMEOUT" { message += " (or raise the stage's resources.time)" }
            }
        } else {
            message = "Slurm no longer knows the job and it committed nothing"
        }
        fail(&session, index, message: message, sinks: sinks)
    }

    /// Job states in which Slurm, not the stage, ended the job: the stage's checkpoint is intact.
    static let endedBySlurm: Set<String> = ["TIMEOUT", "PREEMPTED", "NODE_FAIL", "CANCELLED", "DEADLINE"]

    /// Puts a unit Slurm ended back in the queue (it resumes from its checkpoint); its submitted
    /// dependants, whose `afterok` can no longer be met, are cancelled and submitted again after it.
    private func retry(_ session: inout SlurmSession, _ index: Int, state: SlurmClient.JobState, sinks: [FanOutEventSink]) {
        let unit = session.units[index]
        var dependants: Set<Int> = []
        var grew = true
        while grew {
            grew = false
            for other in session.units.indices where !dependants.contains(other) && session.units[other].status == .submitted {
                if session.units[other].dependencies.contains(where: { $0 == index || dependants.contains($0) }) {
                    dependants.insert(other)
                    grew = true
                }
            }
        }
        client.cancel(dependants.compactMap { session.units[$0].job })
        for member in dependants.union([index]) {
            session.units[member].status = .waiting
            session.units[member].job = nil
        }
        session.units[index].retries += 1
        let message =
            "Slurm ended job \(unit.job ?? "?") (\(state.name)); submitting the stage again (retry \(unit.retries + 1) of \(session.retries)), it resumes from its checkpoint"
        log("\(session.runs[unit.run].name): \(unit.stage): \(message)")
        sinks[unit.run].receive(RunEvent(.warning, run: session.runs[unit.run].name, stage: unit.stage, message: message))
    }

    /// Marks a unit (and the matrix points sharing it) failed, reports it with the job id and log,
    /// cancels its dependants and, without `--keep-going`, everything else.
    private func fail(_ session: inout SlurmSession, _ index: Int, message: String, sinks: [FanOutEventSink]) {
        let unit = session.units[index]
        let job = unit.job
        let log = job.map { session.stageDirectory(unit).appendingPathComponent("slurm-\($0).log").path }
        let text =
            "stage '\(unit.stage)' (\(unit.stageID)) failed\(job.map { " in Slurm job \($0)" } ?? ""): \(message)"
            + (log.map { "\n    job log: \($0)" } ?? "") + "\n    stage log and work files: \(session.stageDirectory(unit).path)"
        for member in session.units.indices where member == index || session.units[member].owner == index {
            session.units[member].status = .failed
            session.units[member].message = text
            let failed = session.units[member]
            writeManifest(session, failed, status: "failed", message: message, record: nil)
            sinks[failed.run].receive(RunEvent(.failed, run: session.runs[failed.run].name, stage: failed.stage, message: text))
        }
        var doomed: Set<Int> = [index]
        var grew = true
        while grew {
            grew = false
            for other in session.units.indices where !doomed.contains(other) {
                let owner = session.units[other].owner
                if session.units[other].dependencies.contains(where: doomed.contains) || (owner.map(doomed.contains) ?? false) {
                    doomed.insert(other)
                    grew = true
                }
            }
        }
        let reason = "upstream stage '\(unit.stage)' failed\(job.map { " (Slurm job \($0))" } ?? "")"
        skip(
            &session, doomed.subtracting([index]).filter { session.units[$0].status == .waiting || session.units[$0].status == .submitted }, reason: reason,
            sinks: sinks)
        if !session.keepGoing {
            stopAll(&session, sinks: sinks, reason: "the run stopped after a failure (use --keep-going to continue independent stages)")
        }
    }

    /// Cancels every submitted job and skips every unit that has not ended.
    private func stopAll(_ session: inout SlurmSession, sinks: [FanOutEventSink], reason: String) {
        let open = session.units.indices.filter { session.units[$0].status == .waiting || session.units[$0].status == .submitted }
        skip(&session, open, reason: reason, sinks: sinks)
    }

    private func skip(_ session: inout SlurmSession, _ indices: some Collection<Int>, reason: String, sinks: [FanOutEventSink]) {
        let jobs = indices.filter { session.units[$0].status == .submitted && session.units[$0].owner == nil }.compactMap { session.units[$0].job }
        client.cancel(jobs)
        for index in indices.sorted() {
            let unit = session.units[index]
            let cancelled = unit.status == .submitted && unit.owner == nil ? "; Slurm job \(unit.job ?? "?") cancelled" : ""
            session.units[index].status = .skipped
            session.units[index].message = reason + cancelled
            writeManifest(session, unit, status: "skipped", message: reason + cancelled, record: nil)
            sinks[unit.run].receive(RunEvent(.skipped, run: session.runs[unit.run].name, stage: unit.stage, message: reason + cancelled))
        }
    }

    private func readManifest(_ stageDirectory: URL) -> RunDirectory.StageManifest? {
        guard let data = FileManager.default.contents(atPath: stageDirectory.appendingPathComponent("manifest.json").path) else { return nil }
        return try? JSONDecoder().decode(RunDirectory.StageManifest.self, from: data)
    }

    /// Writes the manifest of a unit from the driver's side, keeping the input sources the job recorded.
    private func writeManifest(_ session: SlurmSession, _ unit: SlurmSession.Unit, status: String, message: String?, record: StageRecord?) {
        let directory = session.stageDirectory(unit)
        let previous = readManifest(directory)
        let manifest = RunDirectory.StageManifest(
            stage: unit.stageID, status: status, message: message, inputs: previous?.inputs ?? [:], record: record, job: unit.job)
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try? ArtifactStore.writeJSON(manifest, to: directory.appendingPathComponent("manifest.json"))
    }

    /// Builds a run's result from its stage manifests; writes output links and `summary.json`.
    private func finalize(_ session: SlurmSession, _ runIndex: Int, sink: FanOutEventSink, announce: Bool) -> RunResult {
        let run = session.runs[runIndex]
        let directory = URL(fileURLWithPath: run.directory)
        var outcomes: [String: StageOutcome] = [:]
        for stage in run.stages {
            let manifest = readManifest(directory.appendingPathComponent("stages").appendingPathComponent(stage))
            switch (manifest?.status, manifest?.record) {
            case ("ran", let record?): outcomes[stage] = .ran(record)
            case ("cached", let record?): outcomes[stage] = .cached(record)
            case ("failed", _): outcomes[stage] = .failed(manifest?.message ?? "failed")
            default: outcomes[stage] = .skipped(manifest?.message ?? "did not run")
            }
        }
        let result = RunResult(runDirectory: directory, outcomes: outcomes)
        guard announce else { return result }
        let outputs = run.outputs.sorted { $0.key < $1.key }.compactMap { name, source -> PipelineSpec.Output? in
            guard let reference = ArtifactReference(parsing: source) else { return nil }
            return PipelineSpec.Output(name: name, source: reference, location: SourceLocation(file: run.directory, line: 1, column: 1))
        }
        let runDirectory = RunDirectory(url: directory, job: nil)
        runDirectory.linkOutputs(outputs, outcomes: outcomes, store: store)
        runDirectory.writeSummary(result)
        sink.receive(RunEvent(.runFinished, run: run.name, message: result.succeeded ? "succeeded" : "failed"))
        return result
    }
}
