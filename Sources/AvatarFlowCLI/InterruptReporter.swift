import AvatarFlow
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Ends a local run on SIGINT or SIGTERM with a word: which stages were committed (and are reused
/// next time), which were stopped (and resume from their checkpoints), and how to continue —
/// instead of the default silent exit. Exits with 128 + the signal number, as shells expect.
///
/// Stopping mid-stage is safe: commits are atomic, and the next run sweeps the stopped attempts'
/// workspaces. It follows the run as an event sink.
final class InterruptReporter: RunEventSink, @unchecked Sendable {
    // @unchecked: the mutable state is only touched under `lock`; the signal sources are only retained.
    private let lock = NSLock()
    private var committed: [String] = []
    private var running: [String] = []
    private var runDirectories: [String] = []
    private var sources: [any DispatchSourceSignal] = []

    /// Replaces the default action of SIGINT and SIGTERM for the rest of the process.
    init() {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in self?.interrupted(by: number) }
            source.resume()
            sources.append(source)
        }
    }

    func receive(_ event: RunEvent) {
        lock.lock()
        defer { lock.unlock() }
        switch event.kind {
        case .runStarted: if let path = event.message { runDirectories.append(path) }
        case .started: if let stage = event.stage { running.append(stage) }
        case .finished, .cached:
            if let stage = event.stage {
                running.removeAll { $0 == stage }
                committed.append(stage)
            }
        case .failed, .skipped: if let stage = event.stage { running.removeAll { $0 == stage } }
        default: break
        }
    }

    /// The message printed for `signal`.
    func message(for signal: Int32) -> String {
        lock.lock()
        defer { lock.unlock() }
        let name = signal == SIGINT ? "SIGINT (Ctrl-C)" : "SIGTERM"
        var lines = ["", "interrupted by \(name)."]
        lines.append(
            committed.isEmpty
                ? "  No stage was committed yet."
                : "  Committed, reused when you run again: \(committed.count) stage\(committed.count == 1 ? "" : "s") (\(committed.joined(separator: ", ")))."
        )
        if !running.isEmpty {
            lines.append("  Stopped: \(running.joined(separator: ", ")); a stage that keeps checkpoints resumes from its last one.")
        }
        if let directory = runDirectories.last { lines.append("  Run directory: \(directory)") }
        lines.append("  Run the same command again to continue.")
        return lines.joined(separator: "\n") + "\n"
    }

    private func interrupted(by signal: Int32) {
        FileHandle.standardError.write(Data(message(for: signal).utf8))
        exit(128 + signal)
    }
}
