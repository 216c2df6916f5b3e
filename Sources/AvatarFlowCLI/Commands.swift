import ArgumentParser
import AvatarFlow
import Foundation

/// The registry the CLI runs with. Set once by `AvatarFlowCLI.main(registry:)` before any
/// command is parsed and only read afterwards, hence `nonisolated(unsafe)`.
enum CLIRegistry {
    nonisolated(unsafe) static var current = StageRegistry()
    nonisolated(unsafe) static var host = CLIHost()

    /// What reports get: the catalogue (for defaults) and the host's media previews.
    static var reportContext: ReportContext { ReportContext(registry: current, previews: host.previews) }
}

/// What the binary embedding the CLI adds beyond the engine, which links no media or numeric
/// library: facts for `environment.json` and media previews for reports.
public struct CLIHost: Sendable {
    /// Library versions and settings to record with each run (OpenBLAS kernel, FFmpeg versions).
    public var environmentComponents: @Sendable () -> [String: String]
    /// Video frames and thumbnails for reports.
    public var previews: (any MediaPreviewing)?

    /// A host; the default adds nothing (the engine testbed's).
    public init(environmentComponents: @escaping @Sendable () -> [String: String] = { [:] }, previews: (any MediaPreviewing)? = nil) {
        self.environmentComponents = environmentComponents
        self.previews = previews
    }
}

/// Entry point shared by `avatarflow` and the engine testbed: runs the CLI with `registry`.
public enum AvatarFlowCLI {
    /// Parses the process arguments and runs the chosen command with `registry` and `host`'s additions.
    public static func main(registry: StageRegistry, host: CLIHost = CLIHost()) async {
        CLIRegistry.current = registry
        CLIRegistry.host = host
        if let problem = unknownVerbMessage(CommandLine.arguments.dropFirst().first) {
            FileHandle.standardError.write(Data("error: \(problem)\n".utf8))
            exit(64)
        }
        await AvatarFlowCommand.main()
    }

    /// The message for a first argument that is neither an option nor a command, with a did-you-mean.
    static func unknownVerbMessage(_ verb: String?) -> String? {
        guard let verb, !verb.hasPrefix("-") else { return nil }
        let verbs = AvatarFlowCommand.configuration.subcommands.compactMap { $0.configuration.commandName ?? "\($0)".lowercased() } + ["help"]
        guard !verbs.contains(verb) else { return nil }
        let visible = AvatarFlowCommand.configuration.subcommands.filter { $0.configuration.shouldDisplay }
            .compactMap { $0.configuration.commandName ?? "\($0)".lowercased() }
        return "'\(verb)' is not an avatarflow command; " + Suggestions.hint(for: verb, in: visible, noun: "command")
            + " (`avatarflow --help` explains each)"
    }
}

/// `avatarflow`: run, validate, explain and draw YAML pipelines of typed stages.
struct AvatarFlowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "avatarflow",
        abstract: "Run head-avatar experiments declared as YAML pipelines of typed stages.",
        subcommands: [
            Run.self, Status.self, Validate.self, Explain.self, Graph.self, Stages.self, Cache.self, Report.self, Compare.self,
            SlurmStageCommand.self,
        ])
}

/// `avatarflow run FILE`.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a pipeline (every matrix point), reusing cached stages.")

    @OptionGroup var pipeline: PipelineOptions
    @Option(help: "Stages executed at once (local executor).") var jobs: Int = 2
    @Option(help: "local (threads on this machine) or slurm (one sbatch job per stage; see docs/slurm.md).") var executor: Executor = .local
    @Option(help: "Slurm jobs in the queue at once, over every matrix point.") var maxJobs: Int = 100
    @Flag(help: "Submit the Slurm jobs and exit; follow them with `avatarflow status RUN_DIR`.") var detach = false
    @Option(help: "Submit a stage again when Slurm ends its job (time limit, preemption, node failure, scancel); it resumes from its checkpoint.")
    var retries: Int = 0
    @Flag(help: "Re-run every stage, ignoring the cache.") var force = false
    @Option(help: "Re-run this stage and everything downstream of it.") var from: String?
    @Option(help: "Run only this stage and what it needs.") var until: String?
    @Flag(help: "After a failure, keep running what does not depend on it (and later matrix points).") var keepGoing = false
    @Option(help: "Directory for run directories.") var runs: String = "runs"
    @Option(help: "Also write every event as a JSON line to this file (every run keeps its own in RUN_DIR/events.jsonl).") var events: String?
    @Flag(help: "Write RUN_DIR/report.html, rewritten as stages finish (see `avatarflow report`).") var report = false
    @Option(help: "After each run, write its training metrics as TensorBoard event files under this directory (DIR/<run>/<stage>/).")
    var tensorboard: String?

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1 (stages executed at once), not \(jobs)") }
        guard maxJobs >= 1 else { throw ValidationError("--max-jobs must be at least 1 (Slurm jobs queued at once), not \(maxJobs)") }
        guard retries >= 0 else { throw ValidationError("--retries must be 0 or more, not \(retries)") }
    }

    func run() async throws {
        let registry = CLIRegistry.current
        var sinks: [any RunEventSink] = [ConsoleProgress()]
        do {
            if let events { sinks.append(try JSONLinesEventWriter(url: URL(fileURLWithPath: events))) }
            let reportWriter = report ? ReportWriterSink(context: CLIRegistry.reportContext) : nil
            if let reportWriter { sinks.append(reportWriter) }
            // The Slurm driver handles SIGINT/SIGTERM itself (it cancels its jobs).
            if executor == .local { sinks.append(InterruptReporter()) }
            let base = try pipeline.load()
            let points = Matrix.points(of: base.matrix)
            let store = try ArtifactStore(root: pipeline.cacheURL)
            let runner = PipelineRunner(store: store, sink: FanOutEventSink(sinks))
            var plans: [(ExecutionPlan, String)] = []
            for point in points {
                let spec = point.label.isEmpty ? base : try pipeline.load(extra: point.overrides)
                let plan = try PipelineValidator(registry: registry).plan(spec)
                try checkStageNames([from, until], in: plan, file: pipeline.file)
                plans.append((plan, point.label.isEmpty ? base.name : "\(base.name)-\(point.label)"))
            }
            var failures: [String] = []
            let components = CLIRegistry.host.environmentComponents()
            let runOptions = plans.map { plan, name in
                RunOptions(
                    jobs: jobs, force: force, from: from, until: until, keepGoing: keepGoing,
                    runsDirectory: URL(fileURLWithPath: runs), runName: name, environmentComponents: components)
            }
            if detach && executor != .slurm { throw ValidationError("--detach needs --executor slurm") }
            var slurmResults: [RunResult]?
            if executor == .slurm {
                if plans.count > 1 { sinks[0] = MatrixLabelSink(base: sinks[0], pipeline: base.name) }
                slurmResults = try await SlurmDriver.run(
                    zip(plans.map(\.0), runOptions).map { ($0, $1) }, store: store, sink: FanOutEventSink(sinks), maxJobs: maxJobs,
                    retries: retries, detach: detach)
                guard slurmResults != nil else { return }
            }
            for (index, (plan, name)) in plans.enumerated() {
                let result: RunResult
                if let slurmResults {
                    result = slurmResults[index]
                } else {
                    result = try await runner.run(plan, options: runOptions[index])
                }
                print("run directory: \(result.runDirectory.path)")
                if report { print("  report: \(result.runDirectory.appendingPathComponent(RunDirectory.reportFileName).path)") }
                if let tensorboard {
                    let files = try TensorBoardExport.write(
                        try RunContents(directory: result.runDirectory), to: URL(fileURLWithPath: tensorboard), context: CLIRegistry.reportContext)
                    print("  tensorboard: \(files.count) event file\(files.count == 1 ? "" : "s") under \(tensorboard)")
                }
                for output in plan.spec.outputs {
                    let path = result.runDirectory.appendingPathComponent("outputs").appendingPathComponent(output.name).path
                    let produced = FileManager.default.fileExists(atPath: path)
                    print("  \(output.name): \(produced ? path : "not produced (\(output.source) did not complete)")")
                }
                if !result.succeeded {
                    failures.append(name)
                    if !keepGoing && slurmResults == nil { break }
                }
            }
            for problem in reportWriter?.problems ?? [] { FileHandle.standardError.write(Data("warning: report: \(problem)\n".utf8)) }
            if !failures.isEmpty {
                throw CLIFailure("failed: \(failures.joined(separator: ", ")) (see the messages above; logs are under each run directory's stages/)")
            }
        } catch {
            throw fail(error)
        }
    }
}

/// `avatarflow validate FILE`.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check a pipeline against the stage catalogue; report every problem.")

    @OptionGroup var pipeline: PipelineOptions
    @Flag(help: "Check structure and parameters only, not that every pipeline input has a path (as `run` requires).")
    var withoutInputs = false

    func run() throws {
        do {
            let base = try pipeline.load()
            var stageCount = 0
            var diagnostics: [Diagnostic] = []
            for point in Matrix.points(of: base.matrix) {
                do {
                    let spec = point.label.isEmpty ? base : try pipeline.load(extra: point.overrides)
                    stageCount = try PipelineValidator(registry: CLIRegistry.current, requireInputPaths: !withoutInputs).plan(spec).stages.count
                } catch let error as PipelineValidationError {
                    diagnostics += error.diagnostics.filter { !diagnostics.contains($0) }
                }
            }
            do {
                _ = try SlurmSettings.resolve(for: base)
            } catch let error as PipelineValidationError {
                diagnostics += error.diagnostics
            }
            if !diagnostics.isEmpty { throw PipelineValidationError(diagnostics) }
            let points = Matrix.points(of: base.matrix).count
            print("\(pipeline.file): ok (\(stageCount) stages\(points > 1 ? ", \(points) matrix points" : ""))")
        } catch {
            throw fail(error)
        }
    }
}

/// `avatarflow explain FILE`.
struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Say for each stage whether a run would reuse it or run it, and why.")

    @OptionGroup var pipeline: PipelineOptions
    @Flag(help: "As if --force were given.") var force = false
    @Option(help: "As if --from were given.") var from: String?
    @Option(help: "As if --until were given.") var until: String?

    func run() throws {
        do {
            let plan = try PipelineValidator(registry: CLIRegistry.current).plan(try pipeline.load())
            try checkStageNames([from, until], in: plan, file: pipeline.file)
            let store = try ArtifactStore(root: pipeline.cacheURL)
            let options = RunOptions(force: force, from: from, until: until)
            for explanation in try PipelineExplainer(store: store).explain(plan, options: options) { print(explanation) }
        } catch {
            throw fail(error)
        }
    }
}

/// `avatarflow graph FILE`.
struct Graph: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Draw the pipeline's DAG (port types on the edges).")

    @OptionGroup var pipeline: PipelineOptions
    @Option(help: "dot or mermaid.") var format: String = "dot"

    func run() throws {
        guard let chosen = GraphRenderer.Format(rawValue: format) else {
            throw ValidationError("--format must be dot or mermaid, not '\(format)'")
        }
        do {
            let plan = try PipelineValidator(registry: CLIRegistry.current, requireInputPaths: false).plan(try pipeline.load())
            print(GraphRenderer.render(plan, format: chosen), terminator: "")
        } catch {
            throw fail(error)
        }
    }
}

/// `avatarflow stages`.
struct Stages: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List every stage with its ports and parameters.")

    @Flag(help: "Print JSON.") var json = false
    @Argument(help: "Only this stage id.") var id: String?

    func run() throws {
        var stages = CLIRegistry.current.all
        if let id {
            stages = stages.filter { $0.id == id }
            if stages.isEmpty {
                throw fail(CLIFailure("no stage '\(id)'; " + Suggestions.hint(for: id, in: CLIRegistry.current.ids, noun: "stage")))
            }
        }
        if json {
            print(StageCatalogue.json(stages))
        } else {
            print(StageCatalogue.text(stages), terminator: "")
        }
    }
}

/// `avatarflow cache info|clean`.
struct Cache: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show or empty the cache.")

    @Argument(help: "info or clean.") var action: String = "info"
    @Option(help: "Cache directory (default: $AVATARFLOW_CACHE or .avatarflow/cache).") var cache: String?

    func run() throws {
        let url = URL(fileURLWithPath: cache ?? ProcessInfo.processInfo.environment["AVATARFLOW_CACHE"] ?? ".avatarflow/cache")
        do {
            switch action {
            case "info":
                guard FileManager.default.fileExists(atPath: url.appendingPathComponent("objects").path) else {
                    throw CLIFailure("\(url.path): no cache here (no objects/); pass the cache with --cache DIR")
                }
                let store = try ArtifactStore(root: url)
                let (entries, bytes) = store.statistics()
                let leftovers = store.leftovers()
                print("\(url.path): \(entries) committed stage results, \(Markup.bytes(bytes))")
                if leftovers.entries > 0 {
                    print(
                        "  \(leftovers.entries) leftover\(leftovers.entries == 1 ? "" : "s") of failed or killed attempts in tmp/, \(Markup.bytes(leftovers.bytes)) (the next run removes them)"
                    )
                }
            case "clean":
                let bytes = try ArtifactStore.clean(url)
                print("removed \(url.path) (\(Markup.bytes(bytes)))")
            default:
                throw CLIFailure(
                    "cache action must be info or clean, not '\(action)'; " + Suggestions.hint(for: action, in: ["info", "clean"], noun: "action"))
            }
        } catch {
            throw fail(error)
        }
    }
}

/// Throws when `--from`/`--until` name a stage the pipeline does not have.
func checkStageNames(_ names: [String?], in plan: ExecutionPlan, file: String) throws {
    for name in names.compactMap({ $0 }) where plan.stage(name) == nil {
        throw CLIFailure("no stage '\(name)' in \(file); " + Suggestions.hint(for: name, in: plan.stages.map(\.name), noun: "stage"))
    }
}

/// A command-level failure with a message for people.
struct CLIFailure: Error, CustomStringConvertible {
    /// The message.
    var description: String
    init(_ description: String) { self.description = description }
}
