import Dispatch
import Foundation

/// Runs `body(0..<count)` on all cores (Dispatch's concurrentPerform) and returns the results in
/// index order; the first error thrown by any iteration (in index order) is rethrown after all
/// finish. For stage code that processes cameras or frames independently. With a non-throwing
/// body it does not throw (typed throws).
public func parallelMap<Value, Failure: Error>(_ count: Int, _ body: (Int) throws(Failure) -> Value) throws(Failure) -> [Value] {
    let slots = IndexedSlots<Value, Failure>(count: count)
    withoutActuallyEscaping(body) { body in
        let box = UncheckedBox(body)
        DispatchQueue.concurrentPerform(iterations: count) { index in
            do throws(Failure) { slots.set(index, .success(try box.value(index))) } catch { slots.set(index, .failure(error)) }
        }
    }
    var values: [Value] = []
    values.reserveCapacity(count)
    for result in slots.results() { values.append(try result.get()) }
    return values
}

/// Per-index results written concurrently (each index exactly once) and read after the loop.
private final class IndexedSlots<Value, Failure: Error>: @unchecked Sendable {
    // @unchecked: every index is written by exactly one iteration; `results()` runs after the loop returns.
    private var storage: [Result<Value, Failure>?]
    init(count: Int) { storage = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: Result<Value, Failure>) { storage[index] = value }
    func results() -> [Result<Value, Failure>] { storage.map { $0! } }
}

/// Carries a non-Sendable closure into concurrentPerform; the caller guarantees it is safe to call concurrently.
private struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
