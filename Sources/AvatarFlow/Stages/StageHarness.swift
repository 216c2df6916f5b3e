import Foundation

/// Runs single stages outside a pipeline — in tests, notebooks and scripts — the way the engine
/// runs them: parameters are the stage's declared defaults merged with the given overrides and
/// checked against its schema, inputs are artifact directories, every output port and the work,
/// checkpoint and log locations get fresh directories under `root`.
///
/// The harness owns `root`, a unique temporary directory removed when the harness is released.
public final class StageHarness {
    /// The harness's directory; stage outputs live in `root/<stage name>-<uuid>/`.
    public let root: URL
    /// Every event the stages emitted (progress, warnings, log lines).
    public let events = RunEventRecorder()

    /// Creates the temporary directory (its name starts with `label`).
    public init(label: String = "stage-harness") throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    /// A path inside `root` (not created).
    public func file(_ name: String) -> URL { root.appendingPathComponent(name) }

    /// Runs `stage` named `name` with the given input directories and parameter overrides (dotted
    /// names for nested parameters, as in a pipeline's `with:`), and returns its output directories.
    /// - Throws: `StageHarnessError` for an unknown port or parameter, a missing required input or a
    ///   bad parameter value; otherwise whatever the stage throws.
    @discardableResult
    public func run<S: Stage>(
        _ stage: S.Type, name: String = "under-test", inputs: [String: URL] = [:],
        with overrides: [String: ConfigValue] = [:]
    ) throws -> [String: URL] {
        let descriptor = StageDescriptor(stage)
        for port in inputs.keys where descriptor.input(port) == nil {
            throw StageHarnessError("\(S.id) has no input '\(port)' (inputs: \(descriptor.inputs.map(\.name).joined(separator: ", ")))")
        }
        for port in descriptor.inputs where !port.optional && inputs[port.name] == nil {
            throw StageHarnessError("\(S.id) needs input '\(port.name)' (\(port.type))")
        }
        var flat: [String: ConfigValue] = [:]
        for field in descriptor.fields { flat[field.name] = field.defaultValue }
        for (key, value) in overrides {
            guard let field = descriptor.field(key) else {
                throw StageHarnessError("\(S.id) has no parameter '\(key)' (parameters: \(descriptor.fields.map(\.name).joined(separator: ", ")))")
            }
            switch field.check(value) {
            case .success(let checked): flat[key] = checked
            case .failure(let problem): throw StageHarnessError("\(S.id) parameter '\(key)': \(problem)")
            }
        }
        let stageRoot = root.appendingPathComponent("\(name)-\(UUID().uuidString)")
        var outputs: [String: URL] = [:]
        for port in descriptor.outputs {
            outputs[port.name] = stageRoot.appendingPathComponent("outputs").appendingPathComponent(port.name)
        }
        let work = stageRoot.appendingPathComponent("work"), checkpoint = stageRoot.appendingPathComponent("checkpoint")
        for directory in Array(outputs.values) + [work, checkpoint] {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        let context = StageContext(
            stageName: name, stageID: S.id, runName: "harness", inputs: inputs, outputs: outputs,
            workDirectory: work, checkpointDirectory: checkpoint, pipelineDirectory: root,
            logFile: stageRoot.appendingPathComponent("log.txt"), sink: events)
        try descriptor.run(context, parameters: StageDescriptor.nest(flat))
        return outputs
    }
}

/// A stage was called wrongly through `StageHarness` (unknown port or parameter, bad value).
public struct StageHarnessError: Error, CustomStringConvertible, Sendable {
    /// What is wrong.
    public let description: String

    /// Creates an error.
    public init(_ description: String) { self.description = description }
}

/// Keeps every event it receives, for tests and tools that inspect what a stage reported.
public final class RunEventRecorder: RunEventSink, @unchecked Sendable {
    // @unchecked: `stored` is guarded by `lock`.
    private let lock = NSLock()
    private var stored: [RunEvent] = []

    /// Creates an empty recorder.
    public init() {}

    /// Stores the event.
    public func receive(_ event: RunEvent) {
        lock.lock()
        stored.append(event)
        lock.unlock()
    }

    /// All events so far, in arrival order.
    public var events: [RunEvent] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }

    /// The messages of the warnings so far.
    public var warnings: [String] { events.filter { $0.kind == .warning }.compactMap(\.message) }
}
