/// An indexed triangle mesh: positions, triangles (counter-clockwise seen from outside, so
/// that `(b − a) × (c − a)` points outwards) and named per-vertex attributes.
public struct TriangleMesh: Sendable, Equatable {
    /// Vertex positions (metres in world or model space).
    public var positions: [SIMD3<Float>]
    /// Vertex index triples.
    public var triangles: [SIMD3<Int32>]
    /// Named per-vertex attributes (see `VertexAttribute` for conventional names).
    public var attributes: [String: VertexAttribute]

    /// Creates a mesh; attribute vertex counts and triangle indices must match the positions
    /// (checked by `validate()` for meshes from user files).
    public init(positions: [SIMD3<Float>], triangles: [SIMD3<Int32>], attributes: [String: VertexAttribute] = [:]) {
        self.positions = positions
        self.triangles = triangles
        self.attributes = attributes
    }

    /// Number of vertices.
    public var vertexCount: Int { positions.count }

    /// Checks that every triangle index is in range and every attribute covers every vertex.
    public func validate() throws {
        let count = Int32(positions.count)
        for (t, tri) in triangles.enumerated() where tri.min() < 0 || tri.max() >= count {
            throw GeometryError("triangle \(t) references vertex \(tri) but the mesh has \(count) vertices")
        }
        for (name, attribute) in attributes where attribute.vertexCount != positions.count {
            throw GeometryError("attribute '\(name)' has \(attribute.vertexCount) vertices, the mesh has \(positions.count)")
        }
    }

    /// Unnormalised face normal `(b − a) × (c − a)` of triangle `index` (length = 2 × area).
    public func scaledFaceNormal(_ index: Int) -> SIMD3<Float> {
        let tri = triangles[index]
        let a = positions[Int(tri.x)], b = positions[Int(tri.y)], c = positions[Int(tri.z)]
        return simdCross(b - a, c - a)
    }

    /// Unit face normals.
    public func faceNormals() -> [SIMD3<Float>] {
        (0..<triangles.count).map { simdNormalize(scaledFaceNormal($0)) }
    }

    /// Area-weighted unit vertex normals (the sum of adjacent unnormalised face normals).
    public func vertexNormals() -> [SIMD3<Float>] {
        var sums = [SIMD3<Float>](repeating: .zero, count: positions.count)
        for t in 0..<triangles.count {
            let n = scaledFaceNormal(t), tri = triangles[t]
            sums[Int(tri.x)] += n
            sums[Int(tri.y)] += n
            sums[Int(tri.z)] += n
        }
        return sums.map(simdNormalize)
    }

    /// Total surface area.
    public func surfaceArea() -> Float {
        (0..<triangles.count).reduce(0) { $0 + simdLength(scaledFaceNormal($1)) / 2 }
    }

    /// Axis-aligned bounding box (min, max); zero for an empty mesh.
    public func boundingBox() -> (min: SIMD3<Float>, max: SIMD3<Float>) {
        guard var lo = positions.first else { return (.zero, .zero) }
        var hi = lo
        for p in positions {
            lo = pointwiseMin(lo, p)
            hi = pointwiseMax(hi, p)
        }
        return (lo, hi)
    }

    /// The mesh with every position mapped through `transform` and the "normal" attribute rotated.
    public func transformed(by transform: RigidTransform) -> TriangleMesh {
        var result = self
        result.positions = positions.map(transform.apply)
        if let normals = attributes["normal"], normals.channels == 3 {
            result.attributes["normal"] = VertexAttribute(
                vectors: (0..<normals.vertexCount).map { transform.applyToDirection(normals.vector3($0)) })
        }
        return result
    }

    /// Appends another mesh (indices offset); attributes present in both meshes are kept,
    /// others are dropped because they would not cover every vertex.
    public mutating func append(_ other: TriangleMesh) {
        let offset = Int32(positions.count)
        var merged: [String: VertexAttribute] = [:]
        for (name, mine) in attributes {
            if let theirs = other.attributes[name], theirs.channels == mine.channels {
                merged[name] = VertexAttribute(channels: mine.channels, values: mine.values + theirs.values)
            }
        }
        positions += other.positions
        triangles += other.triangles.map { $0 &+ SIMD3(repeating: offset) }
        attributes = merged
    }
}
