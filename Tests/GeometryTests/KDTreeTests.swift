import Testing

@testable import Geometry

@Suite struct KDTreeTests {
    @Test func nearestNeighboursMatchBruteForce() {
        var generator = SplitMix(seed: 7)
        let points = (0..<500).map { _ in SIMD3<Float>(generator.unit(), generator.unit(), generator.unit()) }
        let tree = KDTree(points: points)
        for _ in 0..<50 {
            let query = SIMD3<Float>(generator.unit(), generator.unit(), generator.unit()) * 1.2
            let brute = points.enumerated().map { ($0.offset, simdDot($0.element - query, $0.element - query)) }
                .sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.prefix(6)
            let found = tree.nearest(to: query, k: 6)
            #expect(found.map(\.index) == brute.map(\.0))
        }
    }

    @Test func fewerPointsThanKReturnsAll() {
        let tree = KDTree(points: [SIMD3(0, 0, 0), SIMD3(1, 0, 0)])
        #expect(tree.nearest(to: SIMD3(0.9, 0, 0), k: 5).map(\.index) == [1, 0])
        #expect(KDTree(points: []).nearest(to: .zero, k: 3).isEmpty)
    }
}

/// A tiny deterministic generator for test inputs.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Float { Float(next() >> 40) / Float(1 << 24) * 2 - 1 }
}
