import Tensors

/// Parallel loops for the rasteriser on the persistent Tensors thread pool (no thread is
/// spawned per frame). Work is expressed per *worker slot* so that each slot can own a
/// scratch or gradient buffer; slots are claimed dynamically by the pool's threads.
enum ParallelLoop {
    /// Number of worker slots to use: the pool's thread count (the cores).
    static var workerCount: Int { ThreadPool.shared.threadCount }

    /// Runs `body(worker)` for every worker slot in `0..<workers`, in parallel, and waits.
    static func forEachWorker(_ workers: Int, _ body: (Int) -> Void) {
        if workers <= 1 {
            body(0)
            return
        }
        ThreadPool.shared.parallelFor(0..<workers, minimumChunk: 1) { slots in
            for worker in slots { body(worker) }
        }
    }

    /// Chunks `forEachChunk` makes for `workers` workers: four each, claimed dynamically (one, run
    /// on the caller, for a single worker).
    static func chunkCount(workers: Int) -> Int { workers <= 1 ? 1 : 4 * workers }

    /// Splits `0..<count` into at most `chunkCount(workers:)` contiguous chunks of at least
    /// `minimumChunk` items and runs `body(chunk number, chunk)` for each, in parallel.
    static func forEachChunk(
        _ count: Int, workers: Int = workerCount, minimumChunk: Int = 1024,
        _ body: (Int, Range<Int>) -> Void
    ) {
        ThreadPool.shared.forEachPart(count, parts: chunkCount(workers: workers), minimumPart: minimumChunk, body)
    }
}

/// A raw pointer that may cross into the parallel loop's closures. Safe because every parallel
/// region in this module writes disjoint ranges (or per-worker buffers) and joins before returning.
struct SharedPointer<Element>: @unchecked Sendable {
    let base: UnsafeMutablePointer<Element>
    init(_ base: UnsafeMutablePointer<Element>) { self.base = base }
    @inline(__always) subscript(index: Int) -> Element {
        get { base[index] }
        nonmutating set { base[index] = newValue }
    }
    @inline(__always) static func + (pointer: SharedPointer, offset: Int) -> UnsafeMutablePointer<Element> {
        pointer.base + offset
    }
}
