/// Heap buffer of Float32 scalars shared by tensors and their views.
///
/// `@unchecked Sendable` because it owns raw memory: the buffer is written only while a
/// `Tensor` holds the sole reference (copy-on-write, checked with `isKnownUniquelyReferenced`)
/// or before the storage is first shared, so no two threads ever race on it through `Tensor`.
public final class TensorStorage: @unchecked Sendable {
    /// First scalar; 64-byte aligned so SIMD16<Float> loads never straddle cache lines.
    @usableFromInline let pointer: UnsafeMutablePointer<Float>
    /// Number of Float32 scalars allocated.
    let capacity: Int

    /// Allocates `capacity` uninitialised scalars (at least one, so the pointer is always valid).
    init(capacity: Int) {
        let allocated = max(capacity, 1)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: allocated * MemoryLayout<Float>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: allocated)
        self.capacity = capacity
    }

    deinit {
        UnsafeMutableRawPointer(pointer).deallocate()
    }
}
