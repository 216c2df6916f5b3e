import AvatarFlow
import EngineTestStages
import Foundation
import TestSupport
import Testing

/// A temporary directory with helpers to write pipeline files and run them in-process.
final class Workspace {
    let root: URL
    let registry = StageRegistry(EngineTestStages.all)

    init() throws {
        root = uniqueTemporaryURL("avatarflow-tests")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    var cache: URL { root.appendingPathComponent("cache") }
    var runs: URL { root.appendingPathComponent("runs") }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> URL {
        let url = root.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func load(_ name: String, overrides: [String] = []) throws -> PipelineSpec {
        let parsed = try overrides.enumerated().map { try Override(parsing: $1, location: .commandLine(argument: $0 + 1)) }
        return try PipelineLoader(overrides: parsed).load(root.appendingPathComponent(name))
    }

    func plan(_ name: String, overrides: [String] = []) throws -> ExecutionPlan {
        try PipelineValidator(registry: registry).plan(try load(name, overrides: overrides))
    }

    /// Every diagnostic that validating `name` produces (empty when valid).
    func diagnostics(_ name: String, overrides: [String] = []) -> [Diagnostic] {
        do {
            _ = try plan(name, overrides: overrides)
            return []
        } catch let error as PipelineValidationError {
            return error.diagnostics
        } catch {
            Issue.record("unexpected error \(error)")
            return []
        }
    }

    func run(_ name: String, overrides: [String] = [], options: RunOptions? = nil, sink: RecordingSink = RecordingSink()) async throws -> RunResult {
        var options = options ?? RunOptions()
        options.runsDirectory = runs
        let runner = PipelineRunner(store: try ArtifactStore(root: cache), sink: sink)
        return try await runner.run(try plan(name, overrides: overrides), options: options)
    }

    func number(_ result: RunResult, output: String) throws -> Int {
        try EngineTestStages.read(result.runDirectory.appendingPathComponent("outputs").appendingPathComponent(output))
    }
}

/// Collects events for assertions.
final class RecordingSink: RunEventSink, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [RunEvent] = []
    func receive(_ event: RunEvent) {
        lock.lock()
        stored.append(event)
        lock.unlock()
    }
    var events: [RunEvent] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}

extension StageOutcome {
    var status: String {
        switch self {
        case .ran: return "ran"
        case .cached: return "cached"
        case .failed: return "failed"
        case .skipped: return "skipped"
        }
    }
}

extension RunResult {
    /// Stage name → "ran" / "cached" / "failed" / "skipped".
    var statuses: [String: String] { outcomes.mapValues(\.status) }
}

/// A chain `one → slow → sum` plus an independent `two → sum`, used by several tests.
let diamondPipeline = """
    pipeline: diamond
    summary: engine test
    params: {start: 3, wait: 0.05}
    stages:
      one: {use: test.emit, with: {value: ${start}}}
      two: {use: test.emit, with: {value: 4}}
      slow: {use: test.slow, in: {number: one.number}, with: {seconds: ${wait}}}
      sum: {use: test.add, in: {a: slow.number, b: two.number}, with: {scale: {factor: 2}}}
    outputs: {total: sum.sum}
    """
