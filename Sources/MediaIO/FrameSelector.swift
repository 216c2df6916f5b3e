/// Decides which source frames a reader returns: the frame range first, then the sampling rule.
/// Shared by video files and image folders so both select identically.
struct FrameSelector {
    enum Decision { case take, skip, stop }

    let range: Range<Int>?
    let sampling: FrameSampling
    private var firstTime: Double?
    private var lastTimeSlot = -1

    init(range: Range<Int>?, sampling: FrameSampling) {
        self.range = range
        self.sampling = sampling
    }

    /// The decision for source frame `index` presented at `seconds`; frames must arrive in order.
    mutating func decide(index: Int, seconds: Double) -> Decision {
        if let range {
            if index >= range.upperBound { return .stop }
            if index < range.lowerBound { return .skip }
        }
        let start = range?.lowerBound ?? 0
        switch sampling {
        case .all:
            return .take
        case .everyNth(let step):
            return (index - start) % step == 0 ? .take : .skip
        case .targetFPS(let fps):
            let origin = firstTime ?? seconds
            firstTime = origin
            let slot = Int(((seconds - origin) * fps + 1e-6).rounded(.down))
            guard slot > lastTimeSlot else { return .skip }
            lastTimeSlot = slot
            return .take
        }
    }

    /// Throws when the options are out of range.
    static func validate(range: Range<Int>?, sampling: FrameSampling, path: String) throws {
        if case .everyNth(let step) = sampling, step < 1 {
            throw MediaIOError(.invalidArgument, path: path, "every-Nth sampling needs N ≥ 1 (got \(step))")
        }
        if case .targetFPS(let fps) = sampling, !(fps > 0) {
            throw MediaIOError(.invalidArgument, path: path, "target fps must be positive (got \(fps))")
        }
        if let range, range.lowerBound < 0 {
            throw MediaIOError(.invalidArgument, path: path, "frame range must start at 0 or later (got \(range))")
        }
    }
}
