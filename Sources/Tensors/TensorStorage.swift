/// Heap buffer of Float32 scalars shared by tensors and their views.
///
/// Large buffers (≥ 256 KiB) are recycled through `BufferCache`: a training loop allocates the same
/// sizes every iteration, and fresh multi-megabyte allocations would otherwise be mmap'd and
/// page-faulted (zeroed by the kernel) each time.
///
/// `@unchecked Sendable` because it owns raw memory: the buffer is written only while a
/// `Tensor` holds the sole reference (copy-on-write, checked with `isKnownUniquelyReferenced`)
/// or before the storage is first shared, so no two threads ever race on it through `Tensor`.
public final class TensorStorage: @unchecked Sendable {
    /// First scalar; 64-byte aligned so SIMD16<Float> loads never straddle cache lines.
    @usableFromInline let pointer: UnsafeMutablePointer<Float>
    /// Number of Float32 scalars requested.
    let capacity: Int
    /// Bytes actually allocated (rounded up for cached sizes).
    private let byteCount: Int

    /// Allocates `capacity` uninitialised scalars (at least one, so the pointer is always valid).
    init(capacity: Int) {
        self.capacity = capacity
        let bytes = BufferCache.roundedByteCount(max(capacity, 1) * MemoryLayout<Float>.stride)
        byteCount = bytes
        let raw =
            BufferCache.shared.take(byteCount: bytes)
            ?? UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: bytes / MemoryLayout<Float>.stride)
    }

    deinit {
        let raw = UnsafeMutableRawPointer(pointer)
        if !BufferCache.shared.give(raw, byteCount: byteCount) { raw.deallocate() }
    }
}
