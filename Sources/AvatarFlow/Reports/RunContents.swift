import Foundation

/// A run directory that cannot be read as one: names the path and the fix.
public struct RunDirectoryError: Error, CustomStringConvertible {
    /// The directory (or file) involved.
    public var path: String
    /// What is wrong.
    public var problem: String
    /// How to fix it.
    public var fix: String
    /// `path: problem; fix`.
    public var description: String { "\(path): \(problem); \(fix)" }
}

/// What a run directory (`runs/<run>-<timestamp>/`) holds, read back for reports and comparisons:
/// the resolved pipeline, per-stage manifests and log tails, the event log (`events.jsonl`),
/// the declared outputs with their artifact manifests, and the run's metrics.
///
/// Works on finished, failed and still-running runs (a stage without a manifest yet is listed
/// from the pipeline with status `pending`, or `running` once its `started` event is logged).
public struct RunContents: Sendable {
    /// One stage of the run.
    public struct Stage: Sendable {
        /// The stage's name in the pipeline.
        public var name: String
        /// The stage id (`gaussians.rigged`).
        public var stageID: String
        /// `ran`, `cached`, `failed`, `skipped`, `running` or `pending`.
        public var status: String
        /// The error or skip reason.
        public var message: String?
        /// The committed record (parameters, digests, duration, peak memory), when there is one.
        public var record: StageRecord?
        /// Input port → where it came from (`matte.frames`, `$capture`).
        public var inputs: [String: String]
        /// The last lines of `log.txt`.
        public var logTail: [String]
    }

    /// One declared output (`outputs/<name>`).
    public struct Output: Sendable {
        /// The output's name in the pipeline.
        public var name: String
        /// The link target (the committed artifact in the cache).
        public var url: URL
        /// The artifact manifest (`artifact.json`), when readable.
        public var manifest: ArtifactManifest?
    }

    /// The run directory.
    public var url: URL
    /// The run's name: the directory name (`gaussian-avatars-20261206-182255`).
    public var name: String { url.lastPathComponent }
    /// The resolved pipeline as written (`pipeline.yaml`).
    public var pipelineYAML: String
    /// The resolved pipeline as a value (`pipeline`, `summary`, `params`, `inputs`, `stages`, `outputs`).
    public var pipeline: ConfigValue
    /// True or false once `summary.json` is written; nil while the run is in progress (or was killed).
    public var succeeded: Bool?
    /// Stages in pipeline order (topological where the events say so, else by name).
    public var stages: [Stage]
    /// Every event of the run (`events.jsonl`); empty for runs made before events were kept.
    public var events: [RunEvent]
    /// True when `events.jsonl` exists.
    public var hasEventLog: Bool
    /// The declared outputs that were linked.
    public var outputs: [Output]
    /// Where the run ran (`environment.json`); nil for runs made before it was recorded.
    public var environment: RunEnvironment?

    /// The names of the numeric summary files read from output artifacts: `metrics.json`
    /// (Report artifacts, `eval.images`) and `training.json` (AvatarModel artifacts, every
    /// trainer). A stage that wants its figures in reports and `compare` writes one of them.
    public static let metricFileNames = ["metrics.json", "training.json"]
    /// Lines of each stage log kept.
    static let logTailLines = 30

    /// The pipeline's name (from `pipeline.yaml`).
    public var pipelineName: String { pipeline["pipeline"]?.stringValue ?? name }
    /// The pipeline's one-line summary.
    public var summary: String? { pipeline["summary"]?.stringValue }

    /// Reads `directory`; throws `RunDirectoryError` when it is missing or is not a run directory.
    public init(directory: URL) throws {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        url = directory.standardizedFileURL
        guard fileManager.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw RunDirectoryError(
                path: url.path, problem: "no such directory",
                fix: "pass a run directory, e.g. runs/<pipeline>-<timestamp>/ as printed by `avatarflow run` (\"run directory: …\")")
        }
        guard isDirectory.boolValue else {
            throw RunDirectoryError(
                path: url.path, problem: "is a file, not a run directory",
                fix: "pass the run directory that holds pipeline.yaml, stages/ and outputs/ (e.g. runs/<pipeline>-<timestamp>/)")
        }
        let pipelineFile = url.appendingPathComponent("pipeline.yaml")
        guard let yaml = try? String(contentsOf: pipelineFile, encoding: .utf8),
            fileManager.fileExists(atPath: url.appendingPathComponent("stages").path)
        else {
            // Pointed at the parent (`runs/`)? Name its newest run directory.
            let (children, newest) = Self.runDirectories(in: url)
            throw RunDirectoryError(
                path: url.path, problem: "not a run directory (no pipeline.yaml and stages/)",
                fix: newest.map {
                    "it holds \(children) run director\(children == 1 ? "y" : "ies"); pass one, e.g. \($0.path)"
                }
                    ?? "pass a directory created by `avatarflow run` under runs/, e.g. runs/<pipeline>-<timestamp>/")
        }
        pipelineYAML = yaml
        switch ConfigNode.parse(yaml: yaml, file: pipelineFile.path) {
        case .success(let node): pipeline = node.value
        case .failure(let diagnostic):
            throw RunDirectoryError(
                path: pipelineFile.path, problem: "cannot be read: \(diagnostic.message)",
                fix: "the file is written by `avatarflow run`; restore it or re-run the pipeline")
        }

        if let data = try? Data(contentsOf: url.appendingPathComponent("summary.json")),
            let summary = try? JSONDecoder().decode(ConfigValue.self, from: data), case .bool(let value)? = summary["succeeded"]
        {
            succeeded = value
        }

        let eventsFile = url.appendingPathComponent(RunDirectory.eventsFileName)
        hasEventLog = fileManager.fileExists(atPath: eventsFile.path)
        events = Self.readEvents(eventsFile)
        environment = RunEnvironment.read(from: url)

        // Stages: declared in the pipeline, plus any manifest directory (a stage removed since).
        var names = Set(pipeline["stages"]?.objectValue?.keys.map { $0 } ?? [])
        let stagesDirectory = url.appendingPathComponent("stages")
        for entry in (try? fileManager.contentsOfDirectory(atPath: stagesDirectory.path)) ?? [] { names.insert(entry) }
        var firstSeen: [String: Int] = [:]
        for (index, event) in events.enumerated() {
            if let stage = event.stage, firstSeen[stage] == nil { firstSeen[stage] = index }
        }
        let started = Set(events.filter { $0.kind == .started }.compactMap(\.stage))
        var stages: [Stage] = []
        for name in names {
            let directory = stagesDirectory.appendingPathComponent(name)
            let declaredID = pipeline["stages"]?[name]?["use"]?.stringValue
            var stage = Stage(
                name: name, stageID: declaredID ?? "?", status: started.contains(name) ? "running" : "pending", message: nil,
                record: nil, inputs: [:], logTail: Self.tail(of: directory.appendingPathComponent("log.txt")))
            if let data = try? Data(contentsOf: directory.appendingPathComponent("manifest.json")),
                let manifest = try? JSONDecoder().decode(RunDirectory.StageManifest.self, from: data)
            {
                stage.stageID = manifest.stage
                stage.status = manifest.status
                stage.message = manifest.message
                stage.record = manifest.record
                stage.inputs = manifest.inputs
            } else if let skipped = events.last(where: { $0.stage == name && $0.kind == .skipped }) {
                stage.status = "skipped"
                stage.message = skipped.message
            }
            stages.append(stage)
        }
        self.stages = stages.sorted { (firstSeen[$0.name] ?? Int.max, $0.name) < (firstSeen[$1.name] ?? Int.max, $1.name) }

        var outputs: [Output] = []
        let outputsDirectory = url.appendingPathComponent("outputs")
        for name in ((try? fileManager.contentsOfDirectory(atPath: outputsDirectory.path)) ?? []).sorted() {
            let link = outputsDirectory.appendingPathComponent(name)
            let target = link.resolvingSymlinksInPath()
            let manifest = (try? Data(contentsOf: target.appendingPathComponent("artifact.json")))
                .flatMap { try? JSONDecoder().decode(ArtifactManifest.self, from: $0) }
            outputs.append(Output(name: name, url: target, manifest: manifest))
        }
        self.outputs = outputs
    }

    /// How many run directories `parent` holds, and the newest (latest modified) of them.
    static func runDirectories(in parent: URL) -> (count: Int, newest: URL?) {
        let fileManager = FileManager.default
        let children = ((try? fileManager.contentsOfDirectory(atPath: parent.path)) ?? []).map { parent.appendingPathComponent($0) }
            .filter { fileManager.fileExists(atPath: $0.appendingPathComponent("pipeline.yaml").path) }
        func modified(_ url: URL) -> Date {
            ((try? fileManager.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date) ?? .distantPast
        }
        return (children.count, children.max { (modified($0), $0.path) < (modified($1), $1.path) })
    }

    static func readEvents(_ url: URL) -> [RunEvent] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        let decoder = JSONDecoder()
        // A line being written while we read is incomplete: it fails to decode and is left out.
        return text.split(separator: "\n").compactMap { try? decoder.decode(RunEvent.self, from: Data($0.utf8)) }
    }

    static func tail(of url: URL) -> [String] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(logTailLines + 1).map(String.init).filter { !$0.isEmpty }
    }

    /// The stage named `name`.
    public func stage(_ name: String) -> Stage? { stages.first { $0.name == name } }

    /// Training curves: stage → metric → (completed units, value) in event order, from the
    /// `metrics` of `progress` events.
    public var curves: [String: [String: [SIMD2<Double>]]] {
        var result: [String: [String: [SIMD2<Double>]]] = [:]
        for event in events where event.kind == .progress {
            guard let stage = event.stage, let metrics = event.metrics, let completed = event.completed else { continue }
            for (metric, value) in metrics { result[stage, default: [:]][metric, default: []].append(SIMD2(Double(completed), value)) }
        }
        return result
    }

    /// The unit of a stage's progress events (`iterations`).
    public func progressUnit(_ stage: String) -> String? {
        events.last { $0.stage == stage && $0.kind == .progress && $0.unit != nil }?.unit
    }

    /// The run's figures by name:
    /// - `<output>.<key>[.<key>…]` for every number in an output's `metrics.json` / `training.json`
    ///   (`metrics.overall.psnr_db`, `avatar.held_out_camera_psnr_db`);
    /// - `<stage>/<metric>` for the last value a stage reported in its progress events (`train/loss`);
    /// - `<stage>/seconds` for the wall time of each stage that ran, and `run/seconds` for the run.
    public var metrics: [String: Double] {
        var result: [String: Double] = [:]
        for output in outputs {
            for file in Self.metricFileNames {
                guard let data = try? Data(contentsOf: output.url.appendingPathComponent(file)),
                    let value = try? JSONDecoder().decode(ConfigValue.self, from: data)
                else { continue }
                Self.flattenNumbers(value, prefix: output.name, into: &result)
            }
        }
        for (stage, series) in curves {
            for (metric, points) in series { if let last = points.last { result["\(stage)/\(metric)"] = last.y } }
        }
        for stage in stages where stage.status == "ran" {
            if let seconds = stage.record?.durationSeconds { result["\(stage.name)/seconds"] = seconds }
        }
        if let start = events.first(where: { $0.kind == .runStarted })?.time,
            let end = events.last(where: { $0.kind == .runFinished })?.time
        {
            result["run/seconds"] = end - start
        }
        return result
    }

    static func flattenNumbers(_ value: ConfigValue, prefix: String, into result: inout [String: Double]) {
        switch value {
        case .int(let number): result[prefix] = Double(number)
        case .double(let number): result[prefix] = number
        case .object(let object): for (key, child) in object { flattenNumbers(child, prefix: "\(prefix).\(key)", into: &result) }
        default: break
        }
    }

    /// The run's settings by override path, as `--set` spells them: pipeline parameters by name
    /// (`iterations`), stage parameters as `<stage>.<parameter>` (nested groups dotted), the stage
    /// id as `<stage>.use`, wiring as `<stage>.in.<port>`, pipeline inputs as `$<input>`.
    public var settings: [String: String] {
        var result: [String: String] = [:]
        if case .object(let params)? = pipeline["params"] { for (key, value) in params { result[key] = Self.text(value) } }
        if case .object(let inputs)? = pipeline["inputs"] {
            for (name, value) in inputs { result["$\(name)"] = Self.text(value["default"] ?? value["path"] ?? value) }
        }
        if case .object(let stages)? = pipeline["stages"] {
            for (name, entry) in stages {
                if let use = entry["use"] { result["\(name).use"] = Self.text(use) }
                if case .object(let wiring)? = entry["in"] { for (port, source) in wiring { result["\(name).in.\(port)"] = Self.text(source) } }
                if let with = entry["with"] { Self.flattenSettings(with, prefix: name, into: &result) }
            }
        }
        return result
    }

    static func flattenSettings(_ value: ConfigValue, prefix: String, into result: inout [String: String]) {
        if case .object(let object) = value {
            for (key, child) in object { flattenSettings(child, prefix: "\(prefix).\(key)", into: &result) }
        } else {
            result[prefix] = text(value)
        }
    }

    /// A setting's value as text: strings bare, everything else as compact JSON.
    static func text(_ value: ConfigValue) -> String {
        if case .string(let string) = value { return string }
        return value.canonicalJSON
    }
}

extension ConfigValue {
    /// The member `key` of an object, nil otherwise.
    subscript(key: String) -> ConfigValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    /// The object's members, nil for other values.
    var objectValue: [String: ConfigValue]? {
        if case .object(let object) = self { return object }
        return nil
    }
}
