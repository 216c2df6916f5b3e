import COpenBLAS
import Foundation

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
/// OpenBLAS policy: the first use of the pool sets OpenBLAS to ONE thread
/// (`openblas_set_num_threads(1)`). Large GEMMs are instead partitioned across this pool by
/// `Kernels.gemm`, so exactly one set of threads (ours) ever competes for the cores, and OpenBLAS's
/// own spinning worker threads never fight our elementwise loops.
///
/// `@unchecked Sendable`: all mutable state is guarded by `condition` (an NSCondition) and each job's
/// own lock; the loop body itself must only write disjoint data for disjoint ranges.
public final class ThreadPool: @unchecked Sendable {
    /// The process-wide pool (one thread per active core, the caller counting as one).
    public static let shared = ThreadPool(threadCount: ProcessInfo.processInfo.activeProcessorCount)

    /// Number of threads that execute chunks, including the calling thread.
    public let threadCount: Int

    private let condition = NSCondition()
    private var currentJob: Job?
    private var generation = 0
    private var busy = false

    /// One parallel loop in flight. Its lock guards `nextChunk` and `completedChunks`.
    private final class Job: @unchecked Sendable {
        /// Cleared by the caller before `parallelFor` returns, so the non-escaping body never outlives it.
        var body: ((Range<Int>) -> Void)?
        let range: Range<Int>
        let chunkCount: Int
        let lock = NSCondition()
        var nextChunk = 0
        var completedChunks = 0

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
            lock.lock()
            let index = nextChunk
            nextChunk += 1
            let claimedBody = index < chunkCount ? body : nil
            lock.unlock()
            guard let claimedBody else { return false }
            claimedBody(chunk(index))
            return true
        }

        /// Claims and runs chunks until none are left.
        func runChunks() {
            while claimAndRunChunk() {
                lock.lock()
                completedChunks += 1
                if completedChunks == chunkCount { lock.broadcast() }
                lock.unlock()
            }
        }
    }

    /// Starts `threadCount - 1` worker threads (the caller of `parallelFor` is the last one).
    /// Workers keep the pool alive for the life of the process: create pools once (normally only
    /// `shared`), never per call.
    public init(threadCount: Int) {
        self.threadCount = max(1, threadCount)
        openblas_set_num_threads(1)
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
            condition.lock()
            while generation == seenGeneration || currentJob == nil {
                if generation != seenGeneration { seenGeneration = generation }
                condition.wait()
            }
            seenGeneration = generation
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
        if chunkCount == 1 || threadCount == 1 {
            body(range)
            return
        }
        condition.lock()
        if busy {
            condition.unlock()
            body(range)
            return
        }
        busy = true
        condition.unlock()

        withoutActuallyEscaping(body) { escapingBody in
            let job = Job(body: escapingBody, range: range, chunkCount: chunkCount)
            condition.lock()
            currentJob = job
            generation &+= 1
            condition.broadcast()
            condition.unlock()

            job.runChunks()
            job.lock.lock()
            while job.completedChunks < job.chunkCount { job.lock.wait() }
            job.body = nil
            job.lock.unlock()

            condition.lock()
            currentJob = nil
            busy = false
            condition.unlock()
        }
    }
}
