import Foundation

/// Executes an `ExecutionPlan`: topological order, independent stages concurrently (up to
/// `jobs`), every stage reused from the cache when its key is committed, otherwise run on its
/// own thread in a temporary workspace and committed atomically.
public struct PipelineRunner: Sendable {
    /// The cache.
    public var store: ArtifactStore
    /// Where events go (console, JSON lines, tests).
    public var sink: any RunEventSink

    /// Creates a runner.
    public init(store: ArtifactStore, sink: any RunEventSink) {
        self.store = store
        self.sink = sink
    }

    /// Runs the plan; returns per-stage outcomes (a failing stage does not throw: see `RunResult`).
    public func run(_ plan: ExecutionPlan, options: RunOptions) async throws -> RunResult {
        let runName = options.runName ?? plan.spec.name
        let runDirectory = try RunDirectory.create(in: options.runsDirectory, name: runName, plan: plan)
        // Every run keeps its events (curves, timings, warnings) next to its manifests; the file is
        // written before the other sinks see an event, so a report made from a sink finds it there.
        let eventLog = try JSONLinesEventWriter(url: runDirectory.url.appendingPathComponent(RunDirectory.eventsFileName))
        let sink = FanOutEventSink([eventLog, self.sink])
        sink.receive(RunEvent(.runStarted, run: runName, message: runDirectory.url.path))
        do {
            try RunEnvironment.current(stageJobs: options.jobs, components: options.environmentComponents).write(into: runDirectory.url)
        } catch {
            sink.receive(RunEvent(.warning, run: runName, message: "could not record \(RunEnvironment.fileName): \(error.localizedDescription)"))
        }

        // Workspaces of attempts that died (killed, failed) are swept now, under each key's lock.
        store.sweepLeftovers()

        var selected = Set(plan.stages.map(\.name))
        if let until = options.until { selected = plan.ancestors(of: until) }
        var forced: Set<String> = options.force ? selected : []
        if let from = options.from { forced.formUnion(plan.descendants(of: from).intersection(selected)) }

        var externalDigests: [String: String] = [:]
        for input in plan.spec.inputs {
            guard let path = input.path else { continue }
            externalDigests[input.name] = try store.digestOfExternalInput(path)
        }

        var outcomes: [String: StageOutcome] = [:]
        var pending = plan.stages.filter { selected.contains($0.name) }
        var stopLaunching = false

        await withTaskGroup(of: (String, StageOutcome).self) { group in
            var running = 0
            while true {
                // Launch (or resolve from cache) every stage whose inputs are ready.
                var index = 0
                while index < pending.count {
                    let stage = pending[index]
                    let failedDependency = stage.dependencies.first { dependency in
                        switch outcomes[dependency] {
                        case .failed, .skipped: return true
                        default: return false
                        }
                    }
                    if let failedDependency {
                        outcomes[stage.name] = .skipped("upstream stage '\(failedDependency)' did not complete")
                        sink.receive(RunEvent(.skipped, run: runName, stage: stage.name, message: "upstream '\(failedDependency)' did not complete"))
                        pending.remove(at: index)
                        continue
                    }
                    guard !stopLaunching, stage.dependencies.allSatisfy({ outcomes[$0]?.record != nil }) else {
                        index += 1
                        continue
                    }
                    let inputs = resolveInputs(stage, plan: plan, outcomes: outcomes, externalDigests: externalDigests)
                    let key = CacheKey(
                        stageID: stage.descriptor.id, version: stage.descriptor.version,
                        parameters: stage.parameters, inputDigests: inputs.digests)
                    if !forced.contains(stage.name), let record = store.record(for: key.value) {
                        outcomes[stage.name] = .cached(record)
                        store.remember(record, pipeline: plan.spec.name, stage: stage.name)
                        runDirectory.recordStage(stage, outcome: .cached(record), inputs: inputs.sources)
                        sink.receive(RunEvent(.cached, run: runName, stage: stage.name, cacheKey: key.value))
                        pending.remove(at: index)
                        continue
                    }
                    guard running < options.jobs else {
                        index += 1
                        continue
                    }
                    pending.remove(at: index)
                    running += 1
                    let force = forced.contains(stage.name)
                    group.addTask {
                        let outcome = await execute(
                            stage, key: key, inputs: inputs, force: force, pipeline: (plan.spec.name, plan.spec.directory),
                            runName: runName, runDirectory: runDirectory, sink: sink)
                        return (stage.name, outcome)
                    }
                }
                guard running > 0, let (name, outcome) = await group.next() else { break }
                running -= 1
                outcomes[name] = outcome
                if case .failed = outcome, !options.keepGoing { stopLaunching = true }
            }
        }
        for stage in pending where outcomes[stage.name] == nil {
            outcomes[stage.name] = .skipped("the run stopped after a failure (use --keep-going to continue independent stages)")
            sink.receive(RunEvent(.skipped, run: runName, stage: stage.name, message: "run stopped after a failure"))
        }
        runDirectory.linkOutputs(plan.spec.outputs, outcomes: outcomes, store: store)
        let result = RunResult(runDirectory: runDirectory.url, outcomes: outcomes)
        runDirectory.writeSummary(result)
        sink.receive(RunEvent(.runFinished, run: runName, message: result.succeeded ? "succeeded" : "failed"))
        return result
    }

    struct ResolvedInputs: Sendable {
        var directories: [String: URL]
        var digests: [String: String]
        var sources: [String: String]
    }

    func resolveInputs(
        _ stage: ExecutionPlan.PlannedStage, plan: ExecutionPlan, outcomes: [String: StageOutcome],
        externalDigests: [String: String]
    ) -> ResolvedInputs {
        var resolved = ResolvedInputs(directories: [:], digests: [:], sources: [:])
        for (port, reference) in stage.inputs {
            resolved.sources[port] = reference.description
            switch reference {
            case .pipelineInput(let name):
                guard let input = plan.spec.inputs.first(where: { $0.name == name }), let path = input.path else { continue }
                resolved.directories[port] = path
                resolved.digests[port] = externalDigests[name]
            case .stageOutput(let producer, let outputPort):
                guard let record = outcomes[producer]?.record else { continue }
                resolved.digests[port] = record.outputs[outputPort]?.digest
                resolved.directories[port] = store.outputDirectory(key: record.cacheKey, port: outputPort)
            }
        }
        return resolved
    }

    /// Executes one stage under its key's lock: reuses a result committed meanwhile, otherwise runs
    /// it in a fresh workspace and commits atomically; writes its manifest and events. The local
    /// executor calls it per stage, and so does a Slurm job (`SlurmStageJob`).
    func execute(
        _ stage: ExecutionPlan.PlannedStage, key: CacheKey, inputs: ResolvedInputs, force: Bool,
        pipeline: (name: String, directory: URL), runName: String, runDirectory: RunDirectory, sink: FanOutEventSink
    ) async -> StageOutcome {
        let store = self.store
        let result: Result<StageOutcome, Error> = await Self.onDedicatedThread {
            // Held until this closure returns; another process computing the same key waits here.
            let lock = try store.lock(key: key.value)
            defer { withExtendedLifetime(lock) {} }
            if !force, let record = store.record(for: key.value) { return .cached(record) }
            if force { try store.evict(key: key.value) }
            let (workspace, outputs) = try store.prepareWorkspace(key: key.value, ports: stage.descriptor.outputs.map(\.name))
            let stageDirectory = runDirectory.stageDirectory(stage.name)
            let context = StageContext(
                stageName: stage.name, stageID: stage.descriptor.id, runName: runName,
                inputs: inputs.directories, outputs: outputs,
                workDirectory: stageDirectory.appendingPathComponent("work"),
                checkpointDirectory: try store.checkpointDirectory(key: key.value),
                pipelineDirectory: pipeline.directory,
                logFile: stageDirectory.appendingPathComponent("log.txt"), sink: sink)
            context.log("cache key \(key.value)")
            context.log("key material \(key.material)")
            sink.receive(RunEvent(.started, run: runName, stage: stage.name, cacheKey: key.value))
            let start = Date()
            try stage.descriptor.run(context, parameters: stage.parameters)
            let duration = Date().timeIntervalSince(start)
            context.log("finished in \(String(format: "%.2f", duration)) s; committing")
            let record = try store.commit(
                workspace: workspace, key: key.value, stageID: stage.descriptor.id,
                version: stage.descriptor.version, parameters: stage.parameters, inputs: inputs.digests,
                outputTypes: Dictionary(uniqueKeysWithValues: stage.descriptor.outputs.map { ($0.name, $0.type) }),
                duration: duration)
            return .ran(record)
        }
        let outcome: StageOutcome
        var failureText = ""
        switch result {
        case .success(let value): outcome = value
        case .failure(let error):
            failureText = "\(error)" + Self.cacheCorruptionHint(for: "\(error)", inputs: inputs, stage: stage)
            outcome = .failed(failureText)
        }
        // The manifest is written before the event, so a sink that reads the run directory
        // (the report writer) sees the stage's final state.
        runDirectory.recordStage(stage, outcome: outcome, inputs: inputs.sources)
        switch result {
        case .success(let value):
            store.remember(value.record!, pipeline: pipeline.name, stage: stage.name)
            if case .cached = value {
                sink.receive(RunEvent(.cached, run: runName, stage: stage.name, cacheKey: key.value))
            } else {
                sink.receive(
                    RunEvent(
                        .finished, run: runName, stage: stage.name,
                        durationSeconds: value.record!.durationSeconds, cacheKey: key.value))
            }
        case .failure:
            let failure = StageFailure(stage: stage.name, stageID: stage.descriptor.id, runDirectory: runDirectory.url, message: failureText)
            sink.receive(RunEvent(.failed, run: runName, stage: stage.name, message: failure.description))
        }
        return outcome
    }

    /// When a stage's error names a file of one of its inputs in the cache, says which stage made
    /// it and how to make it again in case the file is damaged (edited or truncated by hand; commits
    /// are atomic). Worded as a condition: the error may be about the data itself, which a re-run
    /// would not change.
    static func cacheCorruptionHint(
        for message: String, inputs: ResolvedInputs, stage: ExecutionPlan.PlannedStage
    ) -> String {
        for (port, source) in stage.inputs.sorted(by: { $0.key < $1.key }) {
            guard case .stageOutput(let producer, _) = source, let directory = inputs.directories[port],
                message.contains(directory.path)
            else { continue }
            return
                "\n    the file is part of the cached output of stage '\(producer)'; if it is damaged (changed by hand), re-run that stage with `--from \(producer)` (or everything with `--force`)"
        }
        return ""
    }

    /// Runs blocking stage work on its own thread (large stack) so the async scheduler stays responsive.
    static func onDedicatedThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async -> Result<T, Error> {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: Result { try body() }) }
            thread.stackSize = 64 << 20
            thread.start()
        }
    }
}
