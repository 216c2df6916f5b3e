import Dispatch
import Foundation

/// Parallel loops for the rasteriser. Until the Tensors thread pool is available this runs on
/// `DispatchQueue.concurrentPerform`, whose worker threads are persistent (libdispatch's pool),
/// so no thread is spawned per frame.
enum ParallelLoop {
    /// Number of workers to use: the active processor count.
    static var workerCount: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Runs `body(worker)` for every worker in `0..<workers` concurrently and waits.
    static func forEachWorker(_ workers: Int, _ body: (Int) -> Void) {
        if workers <= 1 {
            body(0)
        } else {
            withoutActuallyEscaping(body) { body in
                let shared = UncheckedSendableClosure(body)
                DispatchQueue.concurrentPerform(iterations: workers) { shared.body($0) }
            }
        }
    }

    /// Splits `0..<count` into one contiguous chunk per worker and runs `body(worker, chunk)`.
    static func forEachChunk(_ count: Int, workers: Int = workerCount, minimumChunk: Int = 1024,
                             _ body: (Int, Range<Int>) -> Void) {
        let usable = max(1, min(workers, count / max(1, minimumChunk)))
        forEachWorker(usable) { worker in
            let start = count * worker / usable
            let end = count * (worker + 1) / usable
            body(worker, start..<end)
        }
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

/// Lets a non-Sendable loop body run on the worker threads. Sound here because
/// `forEachWorker` joins all workers before returning and every caller gives each worker
/// disjoint output ranges or its own buffers.
private struct UncheckedSendableClosure: @unchecked Sendable {
    let body: (Int) -> Void
    init(_ body: @escaping (Int) -> Void) { self.body = body }
}
