import Foundation

/// `runs/<run>-<timestamp>/`: the resolved pipeline, a manifest, log and work directory per stage,
/// `outputs/` links to the declared outputs, `events.jsonl` (every event of the run) and `summary.json`.
public struct RunDirectory: Sendable {
    /// The directory.
    public let url: URL
    /// The Slurm job executing stages of this run in this process, recorded in their manifests.
    var job: String? = nil

    /// The event log every run keeps (JSON lines, as `--events FILE` writes): reports and
    /// `compare` read training curves, timings and warnings from it after the run.
    public static let eventsFileName = "events.jsonl"
    /// The report `avatarflow run --report` and `avatarflow report` write by default.
    public static let reportFileName = "report.html"

    /// Creates a fresh run directory and writes `pipeline.yaml` (after extends, params and overrides).
    /// `name` must be a safe path component (`PathComponent`; the pipeline name plus a matrix label
    /// may reach 229 characters): the directory is created inside `parent`, never elsewhere.
    static func create(in parent: URL, name: String, plan: ExecutionPlan) throws -> RunDirectory {
        try PathComponent.checked(name, "run name", limit: 229)
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let stamp = formatter.string(from: Date())
        var url = parent.appendingPathComponent("\(name)-\(stamp)")
        var suffix = 2
        while FileManager.default.fileExists(atPath: url.path) {
            url = parent.appendingPathComponent("\(name)-\(stamp)-\(suffix)")
            suffix += 1
        }
        do {
            try FileManager.default.createDirectory(at: url.appendingPathComponent("stages"), withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: url.appendingPathComponent("outputs"), withIntermediateDirectories: true)
            try Self.resolvedYAML(plan).write(to: url.appendingPathComponent("pipeline.yaml"), atomically: true, encoding: .utf8)
        } catch {
            throw ArtifactStoreError(
                path: url.path, message: "cannot create the run directory: \(error.localizedDescription)",
                fix: "choose a writable location with --runs DIR")
        }
        return RunDirectory(url: url, job: nil)
    }

    /// The resolved pipeline as YAML, with every stage's complete parameters (defaults included).
    static func resolvedYAML(_ plan: ExecutionPlan) -> String {
        guard case .object(var root) = plan.spec.resolved.value else { return "" }
        var stages: [String: ConfigValue] = [:]
        if case .object(let declared) = root["stages"] ?? .null { stages = declared }
        for stage in plan.stages {
            guard case .object(var entry) = stages[stage.name] ?? .object([:]) else { continue }
            entry["with"] = stage.parameters
            stages[stage.name] = .object(entry)
        }
        root["stages"] = .object(stages)
        root.removeValue(forKey: "matrix")
        return "# Resolved from \(plan.spec.file.path) (extends, params and overrides applied; all parameters shown).\n"
            + YAMLWriter.write(.object(root))
    }

    /// `stages/<name>/` with its `work/` directory (created).
    func stageDirectory(_ name: String) -> URL {
        let directory = url.appendingPathComponent("stages").appendingPathComponent(name)
        try? FileManager.default.createDirectory(at: directory.appendingPathComponent("work"), withIntermediateDirectories: true)
        return directory
    }

    /// Per-stage manifest of a run: the cache record plus status and where the inputs came from.
    struct StageManifest: Codable {
        var stage: String
        var status: String
        var message: String?
        var inputs: [String: String]
        var record: StageRecord?
        /// The Slurm job that executed the stage (nil for local runs).
        var job: String? = nil
    }

    /// Writes `stages/<name>/manifest.json`.
    func recordStage(_ stage: ExecutionPlan.PlannedStage, outcome: StageOutcome, inputs: [String: String]) {
        let status: String, message: String?
        switch outcome {
        case .ran: (status, message) = ("ran", nil)
        case .cached: (status, message) = ("cached", nil)
        case .failed(let error): (status, message) = ("failed", error)
        case .skipped(let reason): (status, message) = ("skipped", reason)
        }
        let manifest = StageManifest(
            stage: stage.descriptor.id, status: status, message: message, inputs: inputs, record: outcome.record, job: job)
        try? ArtifactStore.writeJSON(manifest, to: stageDirectory(stage.name).appendingPathComponent("manifest.json"))
    }

    /// Creates `outputs/<name>` symbolic links to the committed artifacts of the declared outputs.
    func linkOutputs(_ outputs: [PipelineSpec.Output], outcomes: [String: StageOutcome], store: ArtifactStore) {
        for output in outputs {
            guard case .stageOutput(let stage, let port) = output.source, let record = outcomes[stage]?.record,
                PathComponent.problem(output.name) == nil
            else { continue }
            let link = url.appendingPathComponent("outputs").appendingPathComponent(output.name)
            try? FileManager.default.createSymbolicLink(at: link, withDestinationURL: store.outputDirectory(key: record.cacheKey, port: port))
        }
    }

    /// Writes `summary.json`: status per stage and whether the run succeeded.
    func writeSummary(_ result: RunResult) {
        var stages: [String: ConfigValue] = [:]
        for (name, outcome) in result.outcomes {
            switch outcome {
            case .ran(let record): stages[name] = .object(["status": "ran", "seconds": .double(record.durationSeconds)])
            case .cached: stages[name] = .object(["status": "cached"])
            case .failed(let message): stages[name] = .object(["status": "failed", "message": .string(message)])
            case .skipped(let reason): stages[name] = .object(["status": "skipped", "message": .string(reason)])
            }
        }
        let summary: ConfigValue = .object(["succeeded": .bool(result.succeeded), "stages": .object(stages)])
        try? Data(summary.canonicalJSON.utf8).write(to: url.appendingPathComponent("summary.json"))
    }
}
