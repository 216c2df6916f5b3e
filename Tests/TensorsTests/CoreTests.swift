import Foundation
import Testing

@testable import Tensors

@Test func sameSeedGivesSameBytes() {
    var first = SplitMix64(seed: 2024), second = SplitMix64(seed: 2024)
    let a = Tensor.normal(shape: [257], generator: &first)
    let b = Tensor.normal(shape: [257], generator: &second)
    #expect(a.scalars == b.scalars)
    var third = SplitMix64(seed: 2025)
    #expect(Tensor.normal(shape: [257], generator: &third).scalars != a.scalars)
}

@Test func splitMixMatchesReferenceSequence() {
    // Reference values of SplitMix64 seeded with 1234567 (from the published C implementation).
    var generator = SplitMix64(seed: 1_234_567)
    #expect(generator.next() == 6_457_827_717_110_365_317)
    #expect(generator.next() == 3_203_168_211_198_807_973)
}

@Test func normalSamplesHaveUnitMoments() {
    var generator = SplitMix64(seed: 7)
    let samples = Tensor.normal(shape: [100_000], generator: &generator).scalars
    let mean = samples.reduce(0, +) / Float(samples.count)
    let variance = samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(samples.count)
    #expect(abs(mean) < 0.02)
    #expect(abs(variance - 1) < 0.02)
}

@Test func uniformSamplesStayInRange() {
    var generator = SplitMix64(seed: 11)
    let samples = Tensor.uniform(shape: [10_000], low: -2, high: 3, generator: &generator).scalars
    #expect(samples.allSatisfy { $0 >= -2 && $0 < 3 })
    #expect(abs(samples.reduce(0, +) / 10_000 - 0.5) < 0.1)
}

@Test func viewsShareStorageAndCopyOnWrite() {
    let base = Tensor(shape: [4, 3], scalars: (0..<12).map(Float.init))
    var middle = base.rows(1..<3)
    #expect(middle.shape == [2, 3])
    #expect(middle.scalars == [3, 4, 5, 6, 7, 8])
    middle[flat: 0] = 100
    #expect(base[1, 0] == 3)
    #expect(middle[0, 0] == 100)
    #expect(base.reshaped([3, -1]).shape == [3, 4])
}

@Test func parallelForCoversEveryIndexExactlyOnce() {
    let n = 100_003
    let counts = UnsafeMutablePointer<Int32>.allocate(capacity: n)
    counts.initialize(repeating: 0, count: n)
    defer { counts.deallocate() }
    ThreadPool.shared.parallelFor(0..<n, minimumChunk: 1000) { range in
        for i in range { counts[i] += 1 }
    }
    #expect((0..<n).allSatisfy { counts[$0] == 1 })
}

@Test func nestedParallelForRunsInline() {
    let total = UnsafeMutablePointer<Int>.allocate(capacity: 8)
    total.initialize(repeating: 0, count: 8)
    defer { total.deallocate() }
    ThreadPool.shared.parallelFor(0..<8) { outer in
        for i in outer {
            ThreadPool.shared.parallelFor(0..<1000, minimumChunk: 10) { inner in total[i] += inner.count }
        }
    }
    #expect((0..<8).allSatisfy { total[$0] == 1000 })
}

/// A private pool, so tests running concurrently on `shared` cannot make this loop run inline.
let privatePool = ThreadPool(threadCount: 2)

@Test func parallelForUsesSeveralThreads() {
    let seen = NSLock()
    var threads = Set<UInt>()
    // Every chunk waits (up to 10 s) until a second thread has taken a chunk, so the caller cannot
    // finish the loop alone even when a loaded machine is slow to wake the pool's worker.
    let deadline = Date().addingTimeInterval(10)
    privatePool.parallelFor(0..<64) { _ in
        let name = UInt(pthread_self())
        seen.withLock { _ = threads.insert(name) }
        while seen.withLock({ threads.count }) < 2 && Date() < deadline { usleep(1000) }
    }
    #expect(threads.count > 1)
}

@Test func concurrentCallersBothCompleteCorrectly() async {
    let n = 200_000
    let results = await withTaskGroup(of: Double.self) { group in
        for task in 0..<4 {
            group.addTask {
                let values = Tensor(shape: [n]) { Float(($0 + task) % 7) }
                return Kernels.sum(Variable(values).square().value)
            }
        }
        var all: [Double] = []
        for await value in group { all.append(value) }
        return all
    }
    var expected: [Double] = []
    for task in 0..<4 {
        var total = 0.0
        for i in 0..<n {
            let value = Double((i + task) % 7)
            total += value * value
        }
        expected.append(total)
    }
    #expect(results.sorted() == expected.sorted())
}

@Test func bufferCacheRecyclesLargeBuffersWithinItsLimit() {
    let cache = BufferCache(limitBytes: 4 << 20)
    let size = BufferCache.roundedByteCount(1 << 20)
    let first = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
    #expect(cache.give(first, byteCount: size))
    #expect(cache.take(byteCount: size) == first)
    #expect(cache.take(byteCount: size) == nil)
    #expect(!cache.give(first, byteCount: 1024))
    for _ in 0..<6 {
        #expect(cache.give(UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64), byteCount: size))
    }
    var kept = 0
    while let buffer = cache.take(byteCount: size) {
        kept += 1
        buffer.deallocate()
    }
    #expect(kept == 4)
    first.deallocate()
}
