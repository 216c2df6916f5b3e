import AvatarFlow
import Foundation

/// Renders run events for people: on a terminal, one live line per running stage with a bar,
/// rate and ETA; otherwise plain timestamped lines (progress every 10 %).
public final class ConsoleProgress: RunEventSink, @unchecked Sendable {
    // @unchecked: all mutable state is guarded by `lock`.
    struct Live {
        var started: Date
        var completed = 0
        var total: Int?
        var unit = ""
        var lastDecile = -1
        var metrics: [String: Double] = [:]
    }

    private let lock = NSLock()
    private let interactive: Bool
    private var live: [String: Live] = [:]
    private var order: [String] = []
    private var drawnLines = 0
    private var lastDraw = Date.distantPast
    private let output: FileHandle

    /// Creates a renderer writing to standard error; `interactive` defaults to whether it is a terminal.
    public init(interactive: Bool? = nil) {
        output = FileHandle.standardError
        self.interactive = interactive ?? (isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb")
    }

    /// Handles one event.
    public func receive(_ event: RunEvent) {
        lock.lock()
        defer { lock.unlock() }
        let stage = event.stage ?? ""
        var permanent: String?
        switch event.kind {
        case .runStarted: permanent = "run \(event.run): \(event.message ?? "")"
        case .started:
            // The event's own time: a Slurm job's events reach the driver a moment after they happen.
            live[stage] = Live(started: Date(timeIntervalSince1970: event.time))
            order.append(stage)
            if !interactive { permanent = "\(stage) started" }
        case .progress:
            guard var state = live[stage] else { return }
            state.completed = event.completed ?? state.completed
            state.total = event.total
            state.unit = event.unit ?? state.unit
            if let metrics = event.metrics { state.metrics = metrics }
            if !interactive, let total = state.total, total > 0 {
                let decile = state.completed * 10 / total
                if decile > state.lastDecile {
                    state.lastDecile = decile
                    permanent = "\(stage) " + Self.progressText(state)
                }
            }
            live[stage] = state
        case .warning: permanent = "\(stage): warning: \(event.message ?? "")"
        case .finished:
            finish(stage)
            permanent = "\(stage) finished in \(Self.duration(event.durationSeconds ?? 0))"
        case .cached:
            finish(stage)
            permanent = "\(stage) cached"
        case .failed:
            finish(stage)
            permanent = "\(stage) FAILED: \(event.message ?? "")"
        case .skipped:
            permanent = "\(stage) skipped: \(event.message ?? "")"
        case .runFinished:
            permanent = "run \(event.run) \(event.message ?? "")"
        }
        if interactive {
            if permanent == nil, Date().timeIntervalSince(lastDraw) < 0.1 { return }
            redraw(permanent)
        } else if let permanent {
            write("[\(Self.clock())] \(permanent)\n")
        }
    }

    private func finish(_ stage: String) {
        live[stage] = nil
        order.removeAll { $0 == stage }
    }

    private func redraw(_ permanent: String?) {
        var text = ""
        if drawnLines > 0 { text += "\u{1B}[\(drawnLines)A\u{1B}[J" }
        if let permanent { text += "[\(Self.clock())] \(permanent)\n" }
        let width = order.map(\.count).max() ?? 0
        for stage in order {
            guard let state = live[stage] else { continue }
            text += "  ▸ \(stage.padding(toLength: width, withPad: " ", startingAt: 0)) \(Self.progressText(state, bar: true))\n"
        }
        drawnLines = order.count
        lastDraw = Date()
        write(text)
    }

    private func write(_ text: String) { output.write(Data(text.utf8)) }

    static func progressText(_ state: Live, bar: Bool = false) -> String {
        let elapsed = Date().timeIntervalSince(state.started)
        let rate = elapsed > 0 ? Double(state.completed) / elapsed : 0
        guard let total = state.total, total > 0 else {
            return state.completed > 0 ? "\(state.completed) \(state.unit)  \(String(format: "%.1f", rate))/s" : "running…"
        }
        let fraction = min(1, Double(state.completed) / Double(total))
        var text = ""
        if bar {
            let filled = Int(fraction * 20)
            text += "[" + String(repeating: "█", count: filled) + String(repeating: "░", count: 20 - filled) + "] "
        }
        text += "\(Int(fraction * 100))% \(state.completed)/\(total) \(state.unit)"
        if rate > 0 {
            text += "  \(String(format: rate >= 10 ? "%.0f" : "%.2f", rate)) \(state.unit)/s"
            text += "  ETA \(duration(Double(total - state.completed) / rate))"
        }
        for (name, value) in state.metrics.sorted(by: { $0.key < $1.key }) where name != "iterations_per_second" {
            text += "  \(name) \(String(format: "%.4g", value))"
        }
        return text
    }

    static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        let whole = Int(seconds.rounded())
        return whole < 3600 ? "\(whole / 60)m\(String(format: "%02d", whole % 60))s" : "\(whole / 3600)h\(String(format: "%02d", whole % 3600 / 60))m"
    }

    private static func clock() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
        return formatter.string(from: Date())
    }
}
