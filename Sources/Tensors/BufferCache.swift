import Foundation

/// A bounded pool of large freed buffers, keyed by exact (rounded) byte size.
///
/// `@unchecked Sendable`: all state is accessed only while holding `lock`.
final class BufferCache: @unchecked Sendable {
    /// The process-wide cache used by `TensorStorage`.
    static let shared = BufferCache(limitBytes: 768 << 20)

    /// Buffers smaller than this go straight to malloc (which recycles them well).
    static let minimumCachedBytes = 256 << 10
    /// Large sizes are rounded up to this granularity so near-equal shapes share buffers.
    static let granularity = 64 << 10

    private struct State {
        var free: [Int: [UnsafeMutableRawPointer]] = [:]
        var order: [(bytes: Int, pointer: UnsafeMutableRawPointer)] = []
        var cachedBytes = 0
    }

    private let lock = NSLock()
    private var state = State()
    private let limitBytes: Int

    init(limitBytes: Int) {
        self.limitBytes = limitBytes
    }

    /// The allocation size used for a request of `bytes`.
    static func roundedByteCount(_ bytes: Int) -> Int {
        bytes < minimumCachedBytes ? bytes : (bytes + granularity - 1) / granularity * granularity
    }

    /// A cached buffer of exactly `byteCount` bytes, if one is free.
    func take(byteCount: Int) -> UnsafeMutableRawPointer? {
        guard byteCount >= Self.minimumCachedBytes else { return nil }
        lock.lock()
        defer { lock.unlock() }
        guard var list = state.free[byteCount], let pointer = list.popLast() else { return nil }
        state.free[byteCount] = list.isEmpty ? nil : list
        state.cachedBytes -= byteCount
        if let index = state.order.firstIndex(where: { $0.pointer == pointer }) { state.order.remove(at: index) }
        return pointer
    }

    /// Keeps `pointer` for reuse, evicting (freeing) the oldest cached buffers to stay under the limit.
    /// Returns false if the caller must free it itself (too small or larger than half the limit).
    func give(_ pointer: UnsafeMutableRawPointer, byteCount: Int) -> Bool {
        guard byteCount >= Self.minimumCachedBytes, byteCount <= limitBytes / 2 else { return false }
        var evicted: [UnsafeMutableRawPointer] = []
        lock.lock()
        while state.cachedBytes + byteCount > limitBytes, !state.order.isEmpty {
            let oldest = state.order.removeFirst()
            state.cachedBytes -= oldest.bytes
            if var list = state.free[oldest.bytes], let index = list.firstIndex(of: oldest.pointer) {
                list.remove(at: index)
                state.free[oldest.bytes] = list.isEmpty ? nil : list
            }
            evicted.append(oldest.pointer)
        }
        state.free[byteCount, default: []].append(pointer)
        state.order.append((byteCount, pointer))
        state.cachedBytes += byteCount
        lock.unlock()
        for buffer in evicted { buffer.deallocate() }
        return true
    }
}
