/// Uniform (umbrella) graph Laplacian of a mesh: δᵢ = vᵢ − mean of vᵢ's neighbours.
/// Stored as compressed neighbour lists; applying it is differentiable.
public struct MeshLaplacian: Sendable {
    /// Number of vertices.
    public let vertexCount: Int
    /// `neighbours[offsets[i]..<offsets[i+1]]` are the neighbours of vertex i.
    public let offsets: [Int32]
    /// Concatenated neighbour indices.
    public let neighbours: [Int32]

    /// Builds the adjacency from explicit neighbour lists (one list per vertex).
    /// - Throws: `TensorsError` if an index is outside `0..<neighbourLists.count`.
    public init(neighbourLists: [[Int32]]) throws {
        vertexCount = neighbourLists.count
        var offsets: [Int32] = [0], flat: [Int32] = []
        for (vertex, list) in neighbourLists.enumerated() {
            for neighbour in list where neighbour < 0 || Int(neighbour) >= neighbourLists.count {
                throw TensorsError("MeshLaplacian: vertex \(vertex) lists neighbour \(neighbour), outside 0..<\(neighbourLists.count); fix the adjacency")
            }
            flat.append(contentsOf: list)
            offsets.append(Int32(flat.count))
        }
        self.offsets = offsets
        neighbours = flat
    }

    /// Builds the adjacency from triangles (flat vertex index triples): vertices sharing an edge are neighbours.
    /// - Throws: `TensorsError` if the index count is not a multiple of 3 or an index is out of range.
    public init(vertexCount: Int, triangleIndices: [Int32]) throws {
        guard triangleIndices.count % 3 == 0 else {
            throw TensorsError("MeshLaplacian: \(triangleIndices.count) triangle indices is not a multiple of 3")
        }
        var lists = [Set<Int32>](repeating: [], count: vertexCount)
        for t in stride(from: 0, to: triangleIndices.count, by: 3) {
            let corners = [triangleIndices[t], triangleIndices[t + 1], triangleIndices[t + 2]]
            for corner in corners where corner < 0 || Int(corner) >= vertexCount {
                throw TensorsError("MeshLaplacian: triangle \(t / 3) uses vertex \(corner), outside 0..<\(vertexCount)")
            }
            for a in 0..<3 {
                for b in 0..<3 where a != b { lists[Int(corners[a])].insert(corners[b]) }
            }
        }
        try self.init(neighbourLists: lists.map { $0.sorted() })
    }

    /// δ = L v for vertex attributes `[N, D]` (isolated vertices get δ = 0).
    public func apply(to vertices: Variable) -> Variable {
        precondition(
            vertices.rank == 2 && vertices.shape[0] == vertexCount,
            "MeshLaplacian.apply needs [\(vertexCount), D], got \(vertices.shape)")
        let dimension = vertices.shape[1]
        let output = Tensor(uninitializedShape: vertices.shape)
        let v = vertices.value
        Kernels.forRows(vertexCount, rowSize: dimension * 8) { range in
            for i in range {
                let start = Int(offsets[i]), end = Int(offsets[i + 1])
                let out = output.basePointer + i * dimension, own = v.basePointer + i * dimension
                if start == end {
                    out.initialize(repeating: 0, count: dimension)
                    continue
                }
                let weight = 1 / Float(end - start)
                for d in 0..<dimension { out[d] = own[d] }
                for e in start..<end {
                    let other = v.basePointer + Int(neighbours[e]) * dimension
                    for d in 0..<dimension { out[d] -= weight * other[d] }
                }
            }
        }
        return Tape.record(inputs: [vertices], output: output) { g in
            var gradient = Tensor(zeros: g.shape)
            gradient.withUnsafeMutableBufferPointer { out in
                for i in 0..<vertexCount {
                    let start = Int(offsets[i]), end = Int(offsets[i + 1])
                    if start == end { continue }
                    let weight = 1 / Float(end - start)
                    let upstream = g.basePointer + i * dimension
                    for d in 0..<dimension { out[i * dimension + d] += upstream[d] }
                    for e in start..<end {
                        let j = Int(neighbours[e])
                        for d in 0..<dimension { out[j * dimension + d] -= weight * upstream[d] }
                    }
                }
            }
            return [gradient]
        }
    }
}
