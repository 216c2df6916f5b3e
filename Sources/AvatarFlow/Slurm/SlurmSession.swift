import Foundation

/// The state of one `avatarflow run --executor slurm` (all its matrix points): which stages became
/// jobs, their job ids and states, how far their events were read. Saved after every change to
/// `slurm/session.json` in each of its run directories, so `avatarflow status RUN_DIR` can take
/// over from a detached or interrupted driver.
public struct SlurmSession: Codable, Sendable {
    /// One run directory (one matrix point).
    struct Run: Codable, Sendable {
        var directory: String
        var name: String
        var pipeline: String
        /// Declared outputs: name → `stage.port`.
        var outputs: [String: String]
        /// Selected stages in topological order.
        var stages: [String]
    }

    /// Where a unit is in its life.
    enum Status: String, Codable, Sendable {
        /// Not submitted yet (its dependencies are not all submitted, or `--max-jobs` is reached).
        case waiting
        /// In Slurm's queue or running.
        case submitted
        /// Committed (by its own job or, for a shared stage, by its owner's).
        case succeeded
        /// Its job failed or Slurm ended it.
        case failed
        /// Not run: an upstream stage failed, the run stopped after a failure, or it was cancelled.
        case skipped
    }

    /// One stage of one run that was not cached when the run was submitted.
    struct Unit: Codable, Sendable {
        var run: Int
        var stage: String
        var stageID: String
        /// Units (owners) whose jobs this one waits for.
        var dependencies: [Int]
        /// The unit whose job computes the same result (a stage shared by matrix points); nil for owners.
        var owner: Int?
        /// `sbatch` arguments, without `--dependency`.
        var sbatch: [String]
        var job: String?
        var status: Status
        var message: String?
        /// Bytes of the stage's events file already forwarded.
        var eventOffset: UInt64
        /// Polls in a row in which Slurm did not know the job.
        var unknownPolls: Int
        /// Times the unit was submitted again after Slurm ended its job.
        var retries: Int = 0
    }

    var runs: [Run]
    var units: [Unit]
    /// Jobs in the queue at once (`--max-jobs`).
    var maxJobs: Int
    var keepGoing: Bool
    /// Times a stage is submitted again after Slurm ended its job (`--retries`).
    var retries: Int = 0
    /// The cache directory.
    var cache: String
    /// True once every run was finalised (summary, output links, `run-finished`).
    var finished: Bool

    /// `slurm/session.json`, inside each run directory of the session.
    static let relativePath = "slurm/session.json"

    /// The run directories of the session, in matrix order.
    public var runDirectories: [URL] { runs.map { URL(fileURLWithPath: $0.directory) } }

    /// The cache directory the jobs commit into.
    public var cachePath: String { cache }

    /// True once the session's runs are finalised.
    public var isFinished: Bool { finished }

    /// Loads the session a run directory belongs to.
    public static func load(runDirectory: URL) throws -> SlurmSession {
        let url = runDirectory.appendingPathComponent(relativePath)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw SlurmError(
                "\(runDirectory.path) was not run with --executor slurm (no \(relativePath))",
                fix: "name a run directory printed by `avatarflow run --executor slurm` (its summary.json tells how a local run ended)")
        }
        do {
            return try JSONDecoder().decode(SlurmSession.self, from: data)
        } catch {
            throw SlurmError("cannot read \(url.path): \(error)", fix: "the file is written by avatarflow; was it edited?")
        }
    }

    /// Writes the session into every run directory (atomically each).
    func save() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(self)
        for run in runs {
            let url = URL(fileURLWithPath: run.directory).appendingPathComponent(Self.relativePath)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url, options: .atomic)
        }
    }

    /// `runs/<run>/stages/<stage>/`.
    func stageDirectory(_ unit: Unit) -> URL {
        URL(fileURLWithPath: runs[unit.run].directory).appendingPathComponent("stages").appendingPathComponent(unit.stage)
    }
}
