import ArgumentParser
import AvatarFlow
import Foundation

/// Where `avatarflow run` executes stages.
enum Executor: String, ExpressibleByArgument, CaseIterable {
    /// Threads of this process (`--jobs` at once).
    case local
    /// One Slurm batch job per stage (see docs/slurm.md).
    case slurm
}

/// `run --executor slurm`: prepares and submits the runs, then follows them (or detaches).
enum SlurmDriver {
    /// Submits `plans` and follows their jobs; nil after `--detach`.
    static func run(
        _ plans: [(plan: ExecutionPlan, options: RunOptions)], store: ArtifactStore, sink: any RunEventSink, maxJobs: Int, retries: Int,
        detach: Bool
    ) async throws -> [RunResult]? {
        guard let first = plans.first else { return [] }
        let settings = try SlurmSettings.resolve(for: first.plan.spec)
        let executor = SlurmExecutor(store: store, settings: settings, log: printToStandardError)
        try executor.client.checkAvailable()
        var session = try executor.prepare(plans, maxJobs: maxJobs, retries: retries, sink: sink)
        let interrupt = detach ? nil : InterruptFlag()
        guard let results = try await executor.follow(&session, sink: sink, detach: detach, interrupted: { interrupt?.isRaised ?? false }) else {
            for directory in session.runDirectories {
                print("run directory: \(directory.path)")
                print("  follow with: avatarflow status \(directory.path)")
            }
            return nil
        }
        if interrupt?.isRaised == true {
            throw CLIFailure("interrupted: the run's Slurm jobs were cancelled; run again to continue (committed stages are reused)")
        }
        return results
    }

    @Sendable static func printToStandardError(_ line: String) {
        FileHandle.standardError.write(Data("\(line)\n".utf8))
    }
}

/// Prefixes stage names with their matrix point (`label=b/train`) for the console, where the
/// points of a sweep run side by side.
struct MatrixLabelSink: RunEventSink {
    /// The console.
    var base: any RunEventSink
    /// The pipeline name, stripped from run names to leave the point's label.
    var pipeline: String

    func receive(_ event: RunEvent) {
        var labelled = event
        if let stage = event.stage, event.run.hasPrefix(pipeline + "-") {
            labelled.stage = String(event.run.dropFirst(pipeline.count + 1)) + "/" + stage
        }
        base.receive(labelled)
    }
}

/// Set once SIGINT or SIGTERM arrives; the Slurm driver then cancels its jobs and stops.
final class InterruptFlag: @unchecked Sendable {
    // @unchecked: `raised` is guarded by `lock`; the sources are only retained.
    private let lock = NSLock()
    private var raised = false
    private var sources: [any DispatchSourceSignal] = []

    /// Replaces the default handlers (which end the process) of SIGINT and SIGTERM.
    init() {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in self?.raise() }
            source.resume()
            sources.append(source)
        }
    }

    private func raise() {
        lock.lock()
        raised = true
        lock.unlock()
    }

    /// True once a signal arrived.
    var isRaised: Bool {
        lock.lock()
        defer { lock.unlock() }
        return raised
    }
}

/// `avatarflow status RUN_DIR`.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Follow a run submitted with --executor slurm (--detach, or after its driver stopped) until its jobs end.")

    @Argument(help: "A run directory printed by `avatarflow run --executor slurm`.", completion: .directory) var runDirectory: String
    @Option(help: "Also write every event as a JSON line to this file.") var events: String?

    func run() async throws {
        do {
            var sinks: [any RunEventSink] = [ConsoleProgress()]
            if let events { sinks.append(try JSONLinesEventWriter(url: URL(fileURLWithPath: events))) }
            var session = try SlurmSession.load(runDirectory: URL(fileURLWithPath: runDirectory).standardizedFileURL)
            let store = try ArtifactStore(root: URL(fileURLWithPath: session.cachePath))
            let executor = SlurmExecutor(store: store, log: SlurmDriver.printToStandardError)
            let interrupt = InterruptFlag()
            let results = try await executor.follow(&session, sink: FanOutEventSink(sinks), interrupted: { interrupt.isRaised }) ?? []
            var failures: [String] = []
            for result in results {
                print("run directory: \(result.runDirectory.path)")
                for (stage, outcome) in result.outcomes.sorted(by: { $0.key < $1.key }) {
                    print("  \(stage): \(Self.describe(outcome))")
                }
                if !result.succeeded { failures.append(result.runDirectory.lastPathComponent) }
            }
            if !failures.isEmpty {
                throw CLIFailure("failed: \(failures.joined(separator: ", ")) (logs are under each run directory's stages/)")
            }
        } catch {
            throw fail(error)
        }
    }

    static func describe(_ outcome: StageOutcome) -> String {
        switch outcome {
        case .ran(let record): return "ran (\(String(format: "%.1f", record.durationSeconds)) s)"
        case .cached: return "cached"
        case .failed(let message): return "FAILED: \(message)"
        case .skipped(let reason): return "skipped: \(reason)"
        }
    }
}

/// `avatarflow slurm-stage SPEC` (hidden): what each Slurm job runs — exactly one stage, with the
/// local executor's cache and commit protocol.
struct SlurmStageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm-stage", abstract: "Execute one stage inside a Slurm job (used by --executor slurm).", shouldDisplay: false)

    @Argument(help: "The job description, runs/<run>/stages/<stage>/slurm-job.json.") var spec: String

    func run() async throws {
        do {
            let outcome = try await SlurmStageJob.run(
                specFile: URL(fileURLWithPath: spec), registry: CLIRegistry.current, jobID: ProcessInfo.processInfo.environment["SLURM_JOB_ID"])
            switch outcome {
            case .ran, .cached: print("stage \(Status.describe(outcome))")
            case .failed(let message), .skipped(let message): throw CLIFailure("stage failed: \(message)")
            }
        } catch {
            throw fail(error)
        }
    }
}
