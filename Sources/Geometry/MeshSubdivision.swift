/// Midpoint (linear) subdivision.
extension TriangleMesh {
    /// Splits every triangle into four by inserting one vertex at the midpoint of each edge
    /// (shared between the two triangles of the edge). Positions and every attribute are
    /// interpolated linearly, so the surface shape is unchanged; smoothing is up to the caller.
    /// Original vertices keep their indices; new ones are appended in sorted edge order.
    public func subdividedAtMidpoints() -> TriangleMesh {
        let sortedEdges = edges()
        var midpointIndex: [Edge: Int32] = [:]
        midpointIndex.reserveCapacity(sortedEdges.count)
        var newPositions = positions
        var newAttributes = attributes
        for edge in sortedEdges {
            midpointIndex[edge] = Int32(newPositions.count)
            newPositions.append((positions[Int(edge.a)] + positions[Int(edge.b)]) / 2)
        }
        for (name, attribute) in attributes {
            var values = attribute.values
            values.reserveCapacity(newPositions.count * attribute.channels)
            let c = attribute.channels
            for edge in sortedEdges {
                for k in 0..<c {
                    values.append((attribute.values[Int(edge.a) * c + k] + attribute.values[Int(edge.b) * c + k]) / 2)
                }
            }
            newAttributes[name] = VertexAttribute(channels: c, values: values)
        }
        var newTriangles: [SIMD3<Int32>] = []
        newTriangles.reserveCapacity(triangles.count * 4)
        for tri in triangles {
            let ab = midpointIndex[Edge(tri.x, tri.y)]!, bc = midpointIndex[Edge(tri.y, tri.z)]!
            let ca = midpointIndex[Edge(tri.z, tri.x)]!
            newTriangles.append(SIMD3(tri.x, ab, ca))
            newTriangles.append(SIMD3(ab, tri.y, bc))
            newTriangles.append(SIMD3(ca, bc, tri.z))
            newTriangles.append(SIMD3(ab, bc, ca))
        }
        return TriangleMesh(positions: newPositions, triangles: newTriangles, attributes: newAttributes)
    }
}
