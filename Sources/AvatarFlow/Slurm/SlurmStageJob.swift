import Foundation

/// Everything one Slurm job needs to execute one stage, written by the driver to
/// `runs/<run>/stages/<stage>/slurm-job.json` before submission. Upstream stages' outputs are
/// found through their manifests when the job starts, since their digests (and so this stage's
/// cache key) are known only once they committed.
struct SlurmJobSpec: Codable, Sendable {
    /// Where one input port's artifact comes from.
    struct Input: Codable, Sendable {
        /// `$input` or `stage.port`, as the manifest records it.
        var source: String
        /// A pipeline input's directory.
        var path: String?
        /// A pipeline input's digest.
        var digest: String?
        /// The manifest of the producing stage (in this or, for a shared matrix stage, another run directory).
        var manifest: String?
        /// The producer's output port.
        var port: String?
    }

    var runName: String
    var pipelineName: String
    var pipelineDirectory: String
    var runDirectory: String
    var stage: String
    var stageID: String
    var version: Int
    /// Resolved parameters. JSON does not keep `1.0` apart from `1`, so the job normalises them
    /// against the stage's schema again and checks the result against `canonicalParameters`.
    var parameters: ConfigValue
    /// The parameters' canonical JSON as the driver keyed them.
    var canonicalParameters: String
    var inputs: [String: Input]
    var force: Bool
    var cache: String

    /// The file name inside the stage directory.
    static let fileName = "slurm-job.json"
}

/// The job side of the Slurm executor: `avatarflow slurm-stage SPEC` runs this inside the job.
/// It executes exactly one stage with the local executor's own code (`PipelineRunner.execute`:
/// key lock, reuse of a result committed meanwhile, workspace, checkpoint directory, atomic
/// commit, manifest), writing the stage's events to `stages/<stage>/events.jsonl` for the driver.
public enum SlurmStageJob {
    /// The events file of a stage run by a Slurm job.
    public static let eventsFileName = "events.jsonl"

    /// Executes the stage described by `specFile`; returns what happened (ran, cached or failed).
    public static func run(specFile: URL, registry: StageRegistry, jobID: String?) async throws -> StageOutcome {
        let spec: SlurmJobSpec
        do {
            spec = try JSONDecoder().decode(SlurmJobSpec.self, from: Data(contentsOf: specFile))
        } catch {
            throw SlurmError("cannot read the job description \(specFile.path): \(error)", fix: "submit the run again with avatarflow run --executor slurm")
        }
        guard let descriptor = registry[spec.stageID] else {
            throw SlurmError("this avatarflow has no stage '\(spec.stageID)'", fix: "run the jobs with the same avatarflow build that submitted them")
        }
        guard descriptor.version == spec.version else {
            throw SlurmError(
                "stage \(spec.stageID) is version \(descriptor.version) here but \(spec.version) when submitted",
                fix: "run the jobs with the same avatarflow build that submitted them")
        }
        let parameters = try normalised(spec.parameters, for: descriptor)
        guard parameters.canonicalJSON == spec.canonicalParameters else {
            throw SlurmError(
                "the parameters of \(spec.stage) read back as \(parameters.canonicalJSON), not \(spec.canonicalParameters)",
                fix: "this is a bug in the Slurm executor; please report it")
        }
        let store = try ArtifactStore(root: URL(fileURLWithPath: spec.cache))
        let runDirectory = RunDirectory(url: URL(fileURLWithPath: spec.runDirectory), job: jobID)
        let events = try AppendingEventWriter(url: runDirectory.stageDirectory(spec.stage).appendingPathComponent(eventsFileName))
        let sink = FanOutEventSink([events])

        var resolved = PipelineRunner.ResolvedInputs(directories: [:], digests: [:], sources: [:])
        var references: [String: ArtifactReference] = [:]
        for (port, input) in spec.inputs {
            resolved.sources[port] = input.source
            references[port] = ArtifactReference(parsing: input.source)
            if let path = input.path {
                resolved.directories[port] = URL(fileURLWithPath: path)
                resolved.digests[port] = input.digest
            } else if let manifestPath = input.manifest, let producerPort = input.port {
                guard let data = FileManager.default.contents(atPath: manifestPath),
                    let manifest = try? JSONDecoder().decode(RunDirectory.StageManifest.self, from: data),
                    let record = manifest.record, let artifact = record.outputs[producerPort]
                else {
                    throw SlurmError(
                        "input '\(port)' (\(input.source)) has no committed result in \(manifestPath)",
                        fix: "the upstream job did not finish; Slurm should not have started this one (check --dependency)")
                }
                resolved.digests[port] = artifact.digest
                resolved.directories[port] = store.outputDirectory(key: record.cacheKey, port: producerPort)
            }
        }
        let stage = ExecutionPlan.PlannedStage(
            name: spec.stage, descriptor: descriptor, parameters: parameters, inputs: references, dependencies: [],
            location: SourceLocation(file: spec.pipelineDirectory, line: 1, column: 1))
        let key = CacheKey(stageID: descriptor.id, version: descriptor.version, parameters: parameters, inputDigests: resolved.digests)
        return await PipelineRunner(store: store, sink: sink).execute(
            stage, key: key, inputs: resolved, force: spec.force,
            pipeline: (spec.pipelineName, URL(fileURLWithPath: spec.pipelineDirectory)),
            runName: spec.runName, runDirectory: runDirectory, sink: sink)
    }

    /// Each field's value checked and normalised by its schema, as the validator does (so a
    /// `Double` parameter that JSON turned into `0` is `0.0` again).
    static func normalised(_ parameters: ConfigValue, for descriptor: StageDescriptor) throws -> ConfigValue {
        var flat: [String: ConfigValue] = [:]
        for field in descriptor.fields {
            var value = parameters
            for component in field.name.split(separator: ".") {
                guard case .object(let object) = value, let child = object[String(component)] else {
                    value = field.defaultValue
                    break
                }
                value = child
            }
            switch field.check(value) {
            case .success(let checked): flat[field.name] = checked
            case .failure(let problem):
                throw SlurmError("parameter \(field.name) of \(descriptor.id) does not check: \(problem)", fix: "submit the run again")
            }
        }
        return StageDescriptor.nest(flat)
    }
}

/// Appends every event as a JSON line to a file that may already hold some (a requeued job, a
/// followed run): the `--events` format, flushed per line.
final class AppendingEventWriter: RunEventSink, @unchecked Sendable {
    // @unchecked: the file handle is only touched under `lock`.
    private let handle: FileHandle
    private let lock = NSLock()
    private let encoder = JSONEncoder()

    /// Opens (creating) `url` for appending.
    init(url: URL) throws {
        if !FileManager.default.fileExists(atPath: url.path) {
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw ArtifactStoreError(path: url.path, message: "cannot create the events file", fix: "check the directory is writable")
            }
        }
        handle = try FileHandle(forWritingTo: url)
        handle.seekToEndOfFile()
        encoder.outputFormatting = [.sortedKeys]
    }

    deinit { try? handle.close() }

    /// Appends the event as a JSON line.
    func receive(_ event: RunEvent) {
        guard var data = try? encoder.encode(event) else { return }
        data.append(0x0A)
        lock.lock()
        handle.write(data)
        lock.unlock()
    }
}
