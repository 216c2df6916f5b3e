import Foundation

/// Keeps a run's HTML report up to date while it runs (`avatarflow run --report`): rewrites
/// `<run directory>/report.html` whenever a stage finishes, is reused, fails or is skipped, and
/// once more when the run ends. Place it after the runner's own event log (the runner does).
public final class ReportWriterSink: RunEventSink, @unchecked Sendable {
    // @unchecked: `directories` and `failures` are only touched under `lock`; writes are serialised by it.
    private let lock = NSLock()
    private var directories: [String: URL] = [:]
    private var failures: [String] = []
    private let context: ReportContext

    /// Creates the sink; `context` gives the reports the stage catalogue and media previews.
    public init(context: ReportContext = ReportContext()) { self.context = context }

    /// Problems met while writing reports (a report that cannot be written never stops the run).
    public var problems: [String] {
        lock.lock()
        defer { lock.unlock() }
        return failures
    }

    /// The report files written so far, by run name.
    public var reports: [String: URL] {
        lock.lock()
        defer { lock.unlock() }
        return directories.mapValues { $0.appendingPathComponent(RunDirectory.reportFileName) }
    }

    /// Rewrites the report on stage and run ends.
    public func receive(_ event: RunEvent) {
        // Progress events arrive from training threads many times a second: never wait for a report.
        if [.started, .progress, .warning].contains(event.kind) { return }
        lock.lock()
        defer { lock.unlock() }
        switch event.kind {
        case .runStarted:
            // The runner sends the run directory's path as the message of `run-started`.
            guard let path = event.message else { return }
            directories[event.run] = URL(fileURLWithPath: path)
        case .finished, .cached, .failed, .skipped, .runFinished:
            guard let directory = directories[event.run] else { return }
            do {
                try RunReport.write(runDirectory: directory, context: context)
            } catch {
                failures.append("\(error)")
            }
        case .started, .progress, .warning:
            return
        }
    }
}
