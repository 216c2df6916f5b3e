import Foundation

/// Carries a non-Sendable value into a concurrent loop. Unchecked because the loop bodies
/// given to `parallelFor` only write disjoint memory (one row band or one index each).
@usableFromInline struct UncheckedSendableBox<Value>: @unchecked Sendable {
    @usableFromInline let value: Value
    @usableFromInline init(_ value: Value) { self.value = value }
}

/// Runs `body(i)` for i in 0..<count on the available cores (DispatchQueue.concurrentPerform;
/// to be replaced by the Tensors thread pool once Geometry may depend on it). Iterations must
/// write disjoint memory.
@inlinable func parallelFor(_ count: Int, _ body: (Int) -> Void) {
    if count <= 1 {
        for i in 0..<count { body(i) }
        return
    }
    withoutActuallyEscaping(body) { escapable in
        let box = UncheckedSendableBox(escapable)
        DispatchQueue.concurrentPerform(iterations: count) { box.value($0) }
    }
}
