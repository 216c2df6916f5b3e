import Foundation

/// One structured progress event; `--events FILE` writes these as JSON lines.
public struct RunEvent: Sendable, Codable, Equatable {
    /// What happened.
    public enum Kind: String, Sendable, Codable {
        /// A run (one matrix point) began.
        case runStarted = "run-started"
        /// A stage began executing.
        case started
        /// A stage reported progress in its units.
        case progress
        /// A stage logged a warning.
        case warning
        /// A stage finished and its outputs were committed to the cache.
        case finished
        /// A stage was reused from the cache without running.
        case cached
        /// A stage failed; `message` holds the error.
        case failed
        /// A stage was not run because an upstream stage failed.
        case skipped
        /// A run ended; `message` is `succeeded` or `failed`.
        case runFinished = "run-finished"
    }

    /// The event kind.
    public var kind: Kind
    /// Seconds since 1970 (UTC).
    public var time: Double
    /// The run's name (`<pipeline>` or `<pipeline>-key=value` in a matrix).
    public var run: String
    /// The stage's name in the pipeline, for stage events.
    public var stage: String?
    /// Units done so far.
    public var completed: Int?
    /// Units in all, when known.
    public var total: Int?
    /// The unit (frames, iterations, …).
    public var unit: String?
    /// Wall time of the stage in seconds, on `finished`/`failed`.
    public var durationSeconds: Double?
    /// Error text, warning text or the run result.
    public var message: String?
    /// The stage's cache key, on `finished`/`cached`.
    public var cacheKey: String?
    /// Named figures of a `progress` event from a training stage (e.g. `loss`, `psnr_db`,
    /// `iterations_per_second`), averaged since the previous such event.
    public var metrics: [String: Double]?

    /// Creates an event stamped with the current time.
    public init(
        _ kind: Kind, run: String, stage: String? = nil, completed: Int? = nil, total: Int? = nil,
        unit: String? = nil, durationSeconds: Double? = nil, message: String? = nil, cacheKey: String? = nil,
        metrics: [String: Double]? = nil
    ) {
        self.kind = kind
        self.time = Date().timeIntervalSince1970
        self.run = run
        self.stage = stage
        self.completed = completed
        self.total = total
        self.unit = unit
        self.durationSeconds = durationSeconds
        self.message = message
        self.cacheKey = cacheKey
        self.metrics = metrics
    }
}

/// Receives run events (console renderer, JSON-lines writer, tests). Called from any thread.
public protocol RunEventSink: Sendable {
    /// Handles one event; must not block for long.
    func receive(_ event: RunEvent)
}
