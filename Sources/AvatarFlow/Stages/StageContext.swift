import Foundation

/// What a running stage sees: its input artifacts, empty output directories, scratch space,
/// a checkpoint directory that survives a killed run, progress reporting and a log.
public final class StageContext: @unchecked Sendable {
    // @unchecked: immutable after init except `progressState`/`logHandle`, which `lock` guards.

    /// The stage's name in the pipeline (e.g. `decode`).
    public let stageName: String
    /// The stage's id (e.g. `video.decode`).
    public let stageID: String
    /// Scratch space in the run directory (`runs/<run>/stages/<name>/work`): pictures, debug output.
    public let workDirectory: URL
    /// Survives a SIGKILL: the same cache key gets the same directory on the next run, so long
    /// stages checkpoint here and resume. Deleted once the stage's outputs are committed.
    public let checkpointDirectory: URL
    /// The directory of the pipeline file; relative path parameters resolve against it.
    public let pipelineDirectory: URL

    private let inputDirectories: [String: URL]
    private let outputDirectories: [String: URL]
    private let runName: String
    private let sink: any RunEventSink
    private let lock = NSLock()
    private let logHandle: FileHandle?
    private var lastProgressTime = 0.0
    private var completedUnits = 0

    /// Creates a context; the engine does this, tests may too.
    public init(
        stageName: String, stageID: String, runName: String, inputs: [String: URL], outputs: [String: URL],
        workDirectory: URL, checkpointDirectory: URL, pipelineDirectory: URL, logFile: URL?, sink: any RunEventSink
    ) {
        self.stageName = stageName
        self.stageID = stageID
        self.runName = runName
        self.inputDirectories = inputs
        self.outputDirectories = outputs
        self.workDirectory = workDirectory
        self.checkpointDirectory = checkpointDirectory
        self.pipelineDirectory = pipelineDirectory
        self.sink = sink
        if let logFile {
            _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
            logHandle = try? FileHandle(forWritingTo: logFile)
        } else {
            logHandle = nil
        }
    }

    deinit { try? logHandle?.close() }

    /// The artifact directory connected to input `port`; throws if the port is not connected.
    public func input(_ port: String) throws -> URL {
        guard let url = inputDirectories[port] else {
            throw StageInputError(stage: stageName, port: port, connected: inputDirectories.keys.sorted())
        }
        return url
    }

    /// The artifact directory connected to an optional input, or nil.
    public func optionalInput(_ port: String) -> URL? { inputDirectories[port] }

    /// The (existing, empty) directory the stage must fill for output `port`.
    public func output(_ port: String) throws -> URL {
        guard let url = outputDirectories[port] else {
            throw StageContractError(stage: stageID, message: "wrote to undeclared output port '\(port)'")
        }
        return url
    }

    /// Resolves a path parameter: absolute paths stay, relative ones are taken from the pipeline's directory.
    public func resolvePath(_ path: String) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : pipelineDirectory.appendingPathComponent(path)
    }

    /// Reports `completed` of `total` units (frames, iterations); throttled to a few events per second.
    public func reportProgress(completed: Int, total: Int?, unit: String) {
        let now = Date().timeIntervalSince1970
        lock.lock()
        let due = now - lastProgressTime >= 0.2 || completed == total
        if due { lastProgressTime = now }
        lock.unlock()
        if due {
            sink.receive(RunEvent(.progress, run: runName, stage: stageName, completed: completed, total: total, unit: unit))
        }
    }

    /// Counts one more unit as done and reports the running count: for parallel loops, where no
    /// single iteration knows how many others have finished. Safe to call from any thread.
    public func advanceProgress(total: Int?, unit: String) {
        lock.lock()
        completedUnits += 1
        let completed = completedUnits
        lock.unlock()
        reportProgress(completed: completed, total: total, unit: unit)
    }

    /// Reports training figures with the progress they belong to, e.g. `["loss": 0.05, "psnr_db": 21.3,
    /// "iterations_per_second": 6.2]` at an iteration: a `progress` event that is never throttled, so
    /// `--events` files hold every reported value and the console shows the latest.
    public func reportMetrics(_ metrics: [String: Double], completed: Int, total: Int?, unit: String) {
        sink.receive(RunEvent(.progress, run: runName, stage: stageName, completed: completed, total: total, unit: unit, metrics: metrics))
    }

    /// Appends a line to the stage's log file (`runs/<run>/stages/<name>/log.txt`).
    public func log(_ message: String) {
        let line = "\(ISO8601DateFormatter().string(from: Date())) \(message)\n"
        lock.lock()
        logHandle?.write(Data(line.utf8))
        lock.unlock()
    }

    /// Logs a warning and shows it to the user (console and events).
    public func warn(_ message: String) {
        log("warning: \(message)")
        sink.receive(RunEvent(.warning, run: runName, stage: stageName, message: message))
    }
}

/// A stage asked for an input that the pipeline did not connect.
public struct StageInputError: Error, CustomStringConvertible {
    /// The stage's pipeline name.
    public var stage: String
    /// The port it asked for.
    public var port: String
    /// The ports that are connected.
    public var connected: [String]
    /// Says which input is missing and how to connect it.
    public var description: String {
        "stage '\(stage)' needs input '\(port)' but it is not connected (connected: \(connected.joined(separator: ", "))); add `in: {\(port): <stage>.<port>}` to the stage"
    }
}
