import AvatarFlow
import EngineTestStages
import Foundation
import TestSupport
import Testing

/// The one-node cluster of scripts/slurm-local.sh: started once per test process when `sinfo`
/// does not answer (scripts/test.sh and .ci/run start it before the tests anyway).
enum LocalCluster {
    /// The repository root (three levels above this file).
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Where the local cluster keeps its logs and the record of finished jobs.
    static var scratch: URL {
        URL(fileURLWithPath: ProcessInfo.processInfo.environment["AVATARFLOW_SLURM_DIR"] ?? "/tmp/avatarflow-slurm")
    }

    private static let started: Result<Void, ClusterUnavailable> = {
        let script = repository.appendingPathComponent("scripts/slurm-local.sh").path
        if (try? command("/bin/bash", [script, "status"]).status) == 0 { return .success(()) }
        guard let result = try? command("/bin/bash", [script, "start"]), result.status == 0 else {
            return .failure(
                ClusterUnavailable(
                    description:
                        "no Slurm cluster answers and `scripts/slurm-local.sh start` failed; start it by hand (it needs root for apt-get and the daemons) and see /tmp/avatarflow-slurm/log"
                ))
        }
        return .success(())
    }()

    /// Throws a clear message when no cluster is there and none can be started.
    static func require() throws { try started.get() }

    /// The state Slurm records for `job` (`COMPLETED`, `CANCELLED`, …) from `scontrol`.
    static func state(of job: String) throws -> String {
        let output = try command("/usr/bin/env", ["scontrol", "show", "job", "-o", job]).output
        guard let field = output.split(separator: " ").first(where: { $0.hasPrefix("JobState=") }) else { return "" }
        return String(field.dropFirst("JobState=".count))
    }

    /// The job-completion record (jobcomp/filetxt) of the local cluster.
    static func completionRecord() -> String {
        (try? String(contentsOf: scratch.appendingPathComponent("log/jobcomp.txt"), encoding: .utf8)) ?? ""
    }

    /// Runs a command to its end; standard error is merged into the output.
    @discardableResult
    static func command(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// No cluster, and starting one failed.
struct ClusterUnavailable: Error, CustomStringConvertible {
    var description: String
}

/// A temporary directory with a cache and runs, and the testbed CLI run as a child process.
final class SlurmWorkspace {
    private let directory: TemporaryDirectory
    var root: URL { directory.url }

    init() throws {
        try LocalCluster.require()
        directory = try TemporaryDirectory(prefix: "avatarflow-slurm-tests")
    }

    var cache: URL { root.appendingPathComponent("cache") }
    var runs: URL { root.appendingPathComponent("runs") }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> URL {
        let url = root.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// Starts the testbed CLI; `--cache` is added, output goes to `<name>.out`/`<name>.err`.
    func launch(_ arguments: [String], name: String) throws -> Process {
        let process = Process()
        process.executableURL = try builtExecutable("EngineTestbed")
        // Every `run` gets the workspace cache unless the test names one; `status` reads it from the run.
        process.arguments = arguments.first == "run" && !arguments.contains("--cache") ? arguments + ["--cache", cache.path] : arguments
        process.currentDirectoryURL = root
        _ = FileManager.default.createFile(atPath: root.appendingPathComponent("\(name).out").path, contents: nil)
        _ = FileManager.default.createFile(atPath: root.appendingPathComponent("\(name).err").path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: root.appendingPathComponent("\(name).out"))
        process.standardError = try FileHandle(forWritingTo: root.appendingPathComponent("\(name).err"))
        try process.run()
        return process
    }

    /// Runs the testbed CLI to its end; after `timeout` seconds it is interrupted (the driver then
    /// cancels its jobs), so a stuck cluster fails the test instead of hanging the suite.
    func run(_ arguments: [String], name: String = "cli", timeout: Double = 120) throws -> (status: Int32, output: String, error: String) {
        let process = try launch(arguments, name: name)
        finish(process, timeout: timeout)
        return (process.terminationStatus, text("\(name).out"), text("\(name).err"))
    }

    /// Waits for `process`; interrupts it after `timeout` seconds and records that as a test failure.
    func finish(_ process: Process, timeout: Double = 120) {
        if !waitFor(timeout, { !process.isRunning }) {
            Issue.record("the CLI did not finish within \(timeout) s; interrupting it (is the Slurm node up? sinfo)")
            process.interrupt()
            if !waitFor(10, { !process.isRunning }) { process.terminate() }
        }
        process.waitUntilExit()
    }

    func text(_ name: String) -> String {
        (try? String(contentsOf: root.appendingPathComponent(name), encoding: .utf8)) ?? ""
    }

    /// The run directories whose names start with `prefix`, oldest first.
    func runDirectories(_ prefix: String) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(atPath: runs.path).filter { $0.hasPrefix(prefix) }.sorted().map { runs.appendingPathComponent($0) }
    }

    /// `stages/<stage>/manifest.json` of a run as a dictionary.
    func manifest(_ run: URL, _ stage: String) throws -> [String: Any] {
        let data = try Data(contentsOf: run.appendingPathComponent("stages/\(stage)/manifest.json"))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    /// The (start, end) seconds a `test.slow` output recorded.
    func interval(_ run: URL, output: String) throws -> (start: Double, end: Double) {
        let text = try String(contentsOf: run.appendingPathComponent("outputs/\(output)/interval.txt"), encoding: .utf8)
        let parts = text.split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
        return (parts[0], parts[1])
    }
}

/// Polls until `condition` holds (at most `timeout` seconds).
func waitFor(_ timeout: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.1)
    }
    return false
}

/// Every file under `directory` (relative path → bytes).
func filesUnder(_ directory: URL) throws -> [String: Data] {
    var result: [String: Data] = [:]
    let base = directory.resolvingSymlinksInPath()
    guard let enumerator = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey]) else { return [:] }
    for case let url as URL in enumerator where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
        result[String(url.resolvingSymlinksInPath().path.dropFirst(base.path.count))] = try Data(contentsOf: url)
    }
    return result
}
