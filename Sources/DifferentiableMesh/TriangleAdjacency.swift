/// For each triangle, the triangle across each of its edges: component j is the neighbour across
/// the edge from corner j to corner (j + 1) mod 3, or −1 on a boundary edge.
///
/// The differentiable renderer uses it to tell silhouette (contour) edges, where the two adjacent
/// triangles face opposite ways, from interior edges. Non-manifold edges (more than two
/// triangles) pair their triangles in index order.
public struct TriangleAdjacency: Sendable {
    /// Neighbour triangle per edge, one `SIMD3` per triangle.
    public let neighbours: [SIMD3<Int32>]

    /// Builds the adjacency by sorting the edges' vertex pairs (O(F log F)).
    public init(triangles: [SIMD3<Int32>]) {
        var entries: [(key: UInt64, slot: Int32)] = []
        entries.reserveCapacity(3 * triangles.count)
        for (t, tri) in triangles.enumerated() {
            for j in 0..<3 {
                let a = UInt64(UInt32(bitPattern: tri[j])), b = UInt64(UInt32(bitPattern: tri[(j + 1) % 3]))
                entries.append((min(a, b) << 32 | max(a, b), Int32(3 * t + j)))
            }
        }
        entries.sort { $0.key < $1.key || ($0.key == $1.key && $0.slot < $1.slot) }
        var result = [SIMD3<Int32>](repeating: SIMD3(repeating: -1), count: triangles.count)
        var i = 0
        while i < entries.count {
            if i + 1 < entries.count && entries[i + 1].key == entries[i].key {
                let first = Int(entries[i].slot), second = Int(entries[i + 1].slot)
                result[first / 3][first % 3] = Int32(second / 3)
                result[second / 3][second % 3] = Int32(first / 3)
                i += 2
            } else {
                i += 1
            }
        }
        neighbours = result
    }
}
