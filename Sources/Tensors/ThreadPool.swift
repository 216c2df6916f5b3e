import Foundation
import Synchronization

/// A persistent pool of worker threads for data-parallel loops, sized to the machine's cores.
///
/// `parallelFor(0..<n) { range in ... }` splits `n` iterations into contiguous chunks, runs them on
/// the workers and on the calling thread, and returns when every chunk has finished. Chunks are
/// claimed dynamically, so uneven work (tiles of a rasteriser) balances itself.
///
/// Nesting and concurrency: if the pool is already running a loop (a nested call from inside a
/// body, or a second thread calling at the same time) the new loop runs serially on its caller.
/// This never deadlocks and never oversubscribes the cores.
///
/// Latency: training issues thousands of small parallel loops per second, so hand-offs must be
/// cheap. Workers poll an atomic generation counter for 50 µs after each loop before
/// sleeping on a condition variable, and the caller spins (yielding the core) while the last
/// chunks finish. Idle workers therefore cost nothing once a computation pauses.
///
/// OpenBLAS policy: creating the pool sets OpenBLAS to ONE thread (`OpenBLAS.shared.setThreadCount(1)`).
/// Large GEMMs are instead partitioned across this pool by `Kernels.gemm`, so exactly one set of
/// threads (ours) ever competes for the cores, and OpenBLAS's own spinning worker threads never
/// fight our elementwise loops.
///
/// `@unchecked Sendable`: mutable state is either atomic or guarded by `condition` (an NSCondition);
/// the loop body itself must only write disjoint data for disjoint ranges.
public final class ThreadPool: @unchecked Sendable {
    /// The process-wide pool (one thread per active core, the caller counting as one).
    public static let shared = ThreadPool(threadCount: ProcessInfo.processInfo.activeProcessorCount)

    /// Number of threads that execute chunks, including the calling thread.
    public let threadCount: Int

    /// Guards `currentJob` for sleeping workers and wakes them.
    private let condition = NSCondition()
    private var currentJob: Job?
    /// Incremented (after `currentJob` is set) for every published loop; workers spin on it.
    private let generation = Atomic<Int>(0)
    /// True while a loop is running; a second loop then runs inline.
    private let busy = Atomic<Bool>(false)

    /// How long an idle worker polls for the next loop before sleeping on the condition variable.
    private static let workerSpinNanoseconds: UInt64 = 50_000

    /// One parallel loop in flight.
    private final class Job: @unchecked Sendable {
        /// Cleared by the caller before `parallelFor` returns, so the non-escaping body never outlives it.
        /// Written only by the caller while no chunk is claimable, read under `bodyLock`.
        var body: ((Range<Int>) -> Void)?
        let bodyLock = NSLock()
        let range: Range<Int>
        let chunkCount: Int
        let nextChunk = Atomic<Int>(0)
        let completedChunks = Atomic<Int>(0)

        init(body: @escaping (Range<Int>) -> Void, range: Range<Int>, chunkCount: Int) {
            self.body = body
            self.range = range
            self.chunkCount = chunkCount
        }

        func chunk(_ index: Int) -> Range<Int> {
            let n = range.count
            let start = range.lowerBound + index * n / chunkCount
            let end = range.lowerBound + (index + 1) * n / chunkCount
            return start..<end
        }

        /// Claims one chunk and runs it; returns false when none are left. The closure reference
        /// is a local of this function, so it is released before the completion is counted.
        @inline(never) private func claimAndRunChunk() -> Bool {
            let index = nextChunk.add(1, ordering: .relaxed).oldValue
            guard index < chunkCount else { return false }
            bodyLock.lock()
            let claimedBody = body
            bodyLock.unlock()
            claimedBody?(chunk(index))
            return true
        }

        /// Claims and runs chunks until none are left.
        func runChunks() {
            while claimAndRunChunk() {
                completedChunks.add(1, ordering: .releasing)
            }
        }
    }

    /// Starts `threadCount - 1` worker threads (the caller of `parallelFor` is the last one).
    /// Workers keep the pool alive for the life of the process: create pools once (normally only
    /// `shared`), never per call.
    public init(threadCount: Int) {
        self.threadCount = max(1, threadCount)
        OpenBLAS.shared.setThreadCount(1)
        for index in 1..<self.threadCount {
            let thread = Thread { self.workerLoop() }
            thread.name = "Tensors.ThreadPool.\(index)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    private func workerLoop() {
        var seenGeneration = 0
        while true {
            let deadline = DispatchTime.now().uptimeNanoseconds + Self.workerSpinNanoseconds
            var spins = 0
            while generation.load(ordering: .acquiring) == seenGeneration {
                spins += 1
                if spins & 63 == 0 && DispatchTime.now().uptimeNanoseconds > deadline { break }
            }
            condition.lock()
            while generation.load(ordering: .acquiring) == seenGeneration {
                condition.wait()
            }
            seenGeneration = generation.load(ordering: .acquiring)
            let job = currentJob
            condition.unlock()
            job?.runChunks()
        }
    }

    /// Runs `body` over contiguous sub-ranges covering `range`, in parallel, and waits for all.
    ///
    /// - Parameters:
    ///   - range: iterations to cover; each index appears in exactly one sub-range.
    ///   - minimumChunk: smallest sub-range worth a thread hand-off (use ~16k for cheap elementwise work).
    ///   - body: called with disjoint sub-ranges, possibly concurrently; must only write data owned by
    ///     its sub-range.
    public func parallelFor(_ range: Range<Int>, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        let n = range.count
        if n == 0 { return }
        let maximumChunks = max(1, n / max(1, minimumChunk))
        let chunkCount = min(maximumChunks, threadCount * 4)
        if chunkCount == 1 || threadCount == 1
            || !busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
        {
            body(range)
            return
        }
        withoutActuallyEscaping(body) { escapingBody in
            let job = Job(body: escapingBody, range: range, chunkCount: chunkCount)
            condition.lock()
            currentJob = job
            generation.add(1, ordering: .releasing)
            condition.broadcast()
            condition.unlock()

            job.runChunks()
            var spins = 0
            while job.completedChunks.load(ordering: .acquiring) < chunkCount {
                spins += 1
                if spins > 200 { sched_yield() }
            }
            job.bodyLock.lock()
            job.body = nil
            job.bodyLock.unlock()

            condition.lock()
            currentJob = nil
            condition.unlock()
        }
        busy.store(false, ordering: .releasing)
    }

    /// Parts `forEachPart` makes by default: four per thread, claimed dynamically, so that a thread
    /// that wakes late or meets heavier items takes fewer parts instead of holding up the others.
    public var defaultPartCount: Int { 4 * threadCount }

    /// Splits `0..<count` into at most `parts` (default `defaultPartCount`) contiguous parts of at
    /// least `minimumPart` items and runs `body(part, range)` for each, in parallel, and waits. Part
    /// numbers are `0..<parts` and the split depends only on `count`, `minimumPart` and `parts`, so a
    /// reduction that keeps one partial result per part and adds them in part order is deterministic.
    public func forEachPart(_ count: Int, parts requested: Int? = nil, minimumPart: Int = 1, _ body: (Int, Range<Int>) -> Void) {
        let parts = max(1, min(requested ?? defaultPartCount, count / max(1, minimumPart)))
        if parts == 1 {
            body(0, 0..<count)
            return
        }
        parallelFor(0..<parts, minimumChunk: 1) { slots in
            for part in slots { body(part, (count * part / parts)..<(count * (part + 1) / parts)) }
        }
    }
}
