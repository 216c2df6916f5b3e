import TestSupport
import Testing

@testable import Geometry

@Suite struct KDTreeTests {
    @Test func nearestNeighboursMatchBruteForce() {
        var generator = SplitMix64(seed: 7)
        let points = (0..<500).map { _ in SIMD3<Float>(generator.signedUnit(), generator.signedUnit(), generator.signedUnit()) }
        let tree = KDTree(points: points)
        for _ in 0..<50 {
            let query = SIMD3<Float>(generator.signedUnit(), generator.signedUnit(), generator.signedUnit()) * 1.2
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
