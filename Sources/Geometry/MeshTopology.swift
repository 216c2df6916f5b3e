/// Connectivity queries: edges, vertex and face adjacency, boundaries.
extension TriangleMesh {
    /// An undirected edge between two vertices, stored with `a < b`.
    public struct Edge: Sendable, Hashable, Comparable {
        /// Smaller vertex index.
        public let a: Int32
        /// Larger vertex index.
        public let b: Int32

        /// Creates the edge between `u` and `v` in canonical order.
        public init(_ u: Int32, _ v: Int32) {
            a = min(u, v)
            b = max(u, v)
        }

        /// Lexicographic order on (a, b).
        public static func < (lhs: Edge, rhs: Edge) -> Bool {
            lhs.a != rhs.a ? lhs.a < rhs.a : lhs.b < rhs.b
        }
    }

    /// Each undirected edge with the number of triangles using it (1 on a boundary, 2 inside a
    /// closed manifold patch), sorted by edge.
    public func edgeTriangleCounts() -> [(edge: Edge, triangles: Int)] {
        var counts: [Edge: Int] = [:]
        for tri in triangles {
            counts[Edge(tri.x, tri.y), default: 0] += 1
            counts[Edge(tri.y, tri.z), default: 0] += 1
            counts[Edge(tri.z, tri.x), default: 0] += 1
        }
        return counts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// The unique undirected edges, sorted.
    public func edges() -> [Edge] {
        edgeTriangleCounts().map(\.edge)
    }

    /// Edges used by exactly one triangle (the rims of holes and openings).
    public func boundaryEdges() -> [Edge] {
        edgeTriangleCounts().filter { $0.triangles == 1 }.map(\.edge)
    }

    /// For every vertex, the sorted indices of the vertices sharing an edge with it.
    public func vertexNeighbors() -> [[Int32]] {
        var neighbors = [[Int32]](repeating: [], count: positions.count)
        for edge in edges() {
            neighbors[Int(edge.a)].append(edge.b)
            neighbors[Int(edge.b)].append(edge.a)
        }
        return neighbors.map { $0.sorted() }
    }

    /// For every vertex, the indices of the triangles using it, ascending.
    public func vertexTriangles() -> [[Int32]] {
        var incident = [[Int32]](repeating: [], count: positions.count)
        for (t, tri) in triangles.enumerated() {
            incident[Int(tri.x)].append(Int32(t))
            incident[Int(tri.y)].append(Int32(t))
            incident[Int(tri.z)].append(Int32(t))
        }
        return incident
    }

    /// For every triangle, the triangles sharing an edge with it (up to 3 on a manifold).
    public func triangleNeighbors() -> [[Int32]] {
        var byEdge: [Edge: [Int32]] = [:]
        for (t, tri) in triangles.enumerated() {
            for edge in [Edge(tri.x, tri.y), Edge(tri.y, tri.z), Edge(tri.z, tri.x)] {
                byEdge[edge, default: []].append(Int32(t))
            }
        }
        var neighbors = [[Int32]](repeating: [], count: triangles.count)
        for users in byEdge.values where users.count > 1 {
            for t in users {
                neighbors[Int(t)] += users.filter { $0 != t }
            }
        }
        return neighbors.map { Array(Set($0)).sorted() }
    }
}
