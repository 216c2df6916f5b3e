import Foundation

/// Talks to a Slurm controller through its command-line tools (`sbatch`, `squeue`, `sacct`,
/// `scancel`, `sinfo`), found on `PATH` as on any login node.
public struct SlurmClient: Sendable {
    /// The state of one job as Slurm reports it.
    public struct JobState: Sendable, Equatable {
        /// Slurm's state name: `PENDING`, `RUNNING`, `COMPLETED`, `FAILED`, `TIMEOUT`, …
        public var name: String
        /// Slurm's reason (why pending, or why it ended), `None` when there is none.
        public var reason: String

        /// True once the job will not run again (requeued jobs are `PENDING` again, not finished).
        public var isFinished: Bool {
            ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE", "REVOKED", "SPECIAL_EXIT"]
                .contains(name)
        }
    }

    /// Creates a client using the tools on `PATH`.
    public init() {}

    /// Throws a `SlurmError` saying how to reach a cluster when `sinfo` cannot talk to a controller.
    public func checkAvailable() throws {
        let result: CommandResult
        do {
            result = try Self.execute("sinfo", ["-h", "-o", "%P"])
        } catch {
            throw SlurmError(
                "Slurm's commands are not installed here (no sinfo on PATH)",
                fix: "run on a login node of your cluster, or start the one-node test cluster with scripts/slurm-local.sh start")
        }
        guard result.status == 0 else {
            throw SlurmError(
                "no Slurm controller answers: \(result.error.trimmingCharacters(in: .whitespacesAndNewlines))",
                fix: "check `sinfo` works on this machine; for the one-node test cluster run scripts/slurm-local.sh start")
        }
    }

    /// Submits a batch job (`sbatch --parsable ARGUMENTS`) and returns its job id.
    public func submit(_ arguments: [String]) throws -> String {
        let result = try Self.execute("sbatch", ["--parsable"] + arguments)
        let id = result.output.split(separator: "\n").last.map { String($0.split(separator: ";")[0]) } ?? ""
        guard result.status == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw SlurmError(
                "sbatch refused the job: \(result.error.trimmingCharacters(in: .whitespacesAndNewlines))",
                fix: "check the partition, account, QoS and sbatch_flags of `executor: {slurm: …}` and the stage's `resources:`")
        }
        return id
    }

    /// The states of `ids`: from `squeue` while the controller remembers the jobs, else from
    /// `sacct` (accounting). Jobs neither knows are missing from the result.
    public func states(of ids: [String]) -> [String: JobState] {
        guard !ids.isEmpty else { return [:] }
        var states: [String: JobState] = [:]
        let wanted = Set(ids)
        if let result = try? Self.execute("squeue", ["-h", "-t", "all", "--me", "-o", "%i|%T|%r"]), result.status == 0 {
            for line in result.output.split(separator: "\n") {
                let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
                guard fields.count >= 3, wanted.contains(fields[0]) else { continue }
                states[fields[0]] = JobState(name: fields[1], reason: fields[2])
            }
        }
        let missing = ids.filter { states[$0] == nil }
        if !missing.isEmpty,
            let result = try? Self.execute("sacct", ["-X", "-n", "-P", "-j", missing.joined(separator: ","), "--format=JobID,State,Reason"]),
            result.status == 0
        {
            for line in result.output.split(separator: "\n") {
                let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
                guard fields.count >= 2, wanted.contains(fields[0]) else { continue }
                // sacct writes `CANCELLED by 0`; the first word is the state.
                let name = fields[1].split(separator: " ").first.map(String.init) ?? fields[1]
                states[fields[0]] = JobState(name: name, reason: fields.count > 2 ? fields[2] : "None")
            }
        }
        return states
    }

    /// Cancels `ids` (`scancel`); jobs that already ended are ignored.
    public func cancel(_ ids: [String]) {
        guard !ids.isEmpty else { return }
        _ = try? Self.execute("scancel", ids)
    }

    struct CommandResult {
        var status: Int32
        var output: String
        var error: String
    }

    /// Runs `tool` (found on PATH) to completion, capturing both streams.
    static func execute(_ tool: String, _ arguments: [String]) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        // Standard error goes to a file, so neither stream can fill a pipe and block the tool.
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("avatarflow-\(tool)-\(UUID().uuidString).err")
        guard FileManager.default.createFile(atPath: errorFile.path, contents: nil) else {
            throw SlurmError("cannot create \(errorFile.path)", fix: "check the temporary directory is writable")
        }
        defer { try? FileManager.default.removeItem(at: errorFile) }
        let output = Pipe()
        let errorHandle = try FileHandle(forWritingTo: errorFile)
        defer { try? errorHandle.close() }
        process.standardOutput = output
        process.standardError = errorHandle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus == 127 { throw SlurmError("\(tool) is not installed", fix: "install Slurm's client commands") }
        return CommandResult(
            status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
            error: (try? String(contentsOf: errorFile, encoding: .utf8)) ?? "")
    }
}

/// Slurm could not be reached or refused something; says what to do.
public struct SlurmError: Error, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    /// How to fix it.
    public var fix: String
    /// Creates the error.
    public init(_ message: String, fix: String) {
        self.message = message
        self.fix = fix
    }
    /// `message; fix`.
    public var description: String { "\(message); \(fix)" }
}
