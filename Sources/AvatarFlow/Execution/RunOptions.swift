import Foundation

/// How to run a plan: parallelism, what to force, what to stop at, where runs go.
public struct RunOptions: Sendable {
    /// Stages allowed to execute at once (`--jobs`); cached stages take no slot.
    public var jobs: Int
    /// Re-run every stage even when a cached result exists (`--force`).
    public var force: Bool
    /// Re-run this stage and everything downstream of it (`--from`).
    public var from: String?
    /// Run only this stage and what it needs (`--until`).
    public var until: String?
    /// On a failure, keep running the stages that do not depend on it (`--keep-going`).
    public var keepGoing: Bool
    /// Where run directories are created (`--runs`, default `runs/`).
    public var runsDirectory: URL
    /// The run's name; defaults to the pipeline name. Matrix runs append `-key=value`.
    public var runName: String?
    /// What the host binary records in `environment.json` besides the engine's own facts
    /// (library versions, OpenBLAS kernel and threads), by name.
    public var environmentComponents: [String: String]

    /// Creates options; defaults: 2 jobs (the cores of the reference machine), nothing forced.
    public init(
        jobs: Int = 2, force: Bool = false, from: String? = nil, until: String? = nil, keepGoing: Bool = false,
        runsDirectory: URL = URL(fileURLWithPath: "runs"), runName: String? = nil, environmentComponents: [String: String] = [:]
    ) {
        self.jobs = max(1, jobs)
        self.force = force
        self.from = from
        self.until = until
        self.keepGoing = keepGoing
        self.runsDirectory = runsDirectory
        self.runName = runName
        self.environmentComponents = environmentComponents
    }
}

/// What happened to one stage in a run.
public enum StageOutcome: Sendable, Equatable {
    /// Executed and committed.
    case ran(StageRecord)
    /// Reused from the cache.
    case cached(StageRecord)
    /// Threw an error (the message).
    case failed(String)
    /// Not run because an upstream stage failed, or the run stopped (fail-fast).
    case skipped(String)

    /// The committed record, when there is one.
    public var record: StageRecord? {
        switch self {
        case .ran(let record), .cached(let record): return record
        default: return nil
        }
    }
}

/// The result of running one plan.
public struct RunResult: Sendable {
    /// `runs/<run>-<timestamp>/`.
    public var runDirectory: URL
    /// Outcome per selected stage.
    public var outcomes: [String: StageOutcome]
    /// True when no stage failed.
    public var succeeded: Bool { !outcomes.values.contains { if case .failed = $0 { return true } else { return false } } }
}

/// A stage failed; names the stage, the run directory (with its log) and the cause.
public struct StageFailure: Error, CustomStringConvertible {
    /// The stage's name in the pipeline.
    public var stage: String
    /// The stage id.
    public var stageID: String
    /// The run directory.
    public var runDirectory: URL
    /// The error the stage threw.
    public var message: String
    /// `stage 'x' (id) failed: … — log: runs/…/stages/x/log.txt`.
    public var description: String {
        "stage '\(stage)' (\(stageID)) failed: \(message)\n    log and work files: \(runDirectory.appendingPathComponent("stages").appendingPathComponent(stage).path)"
    }
}
