import Foundation

/// Simple parametric meshes used for tests, eyeballs and scene props.
extension TriangleMesh {
    /// A latitude–longitude sphere of `radius` centred at the origin with its poles on ±z
    /// (`rings` latitude bands, `segments` longitude sectors, no duplicated seam). Attribute "uv":
    /// u = longitude / 2π, v = polar angle from +z / π. Triangles face outwards.
    public static func uvSphere(radius: Float, rings: Int, segments: Int) -> TriangleMesh {
        precondition(rings >= 2 && segments >= 3, "a sphere needs at least 2 rings and 3 segments")
        var positions: [SIMD3<Float>] = [SIMD3(0, 0, radius)]
        var uv: [Float] = [0.5, 0]
        for ring in 1..<rings {
            let polar = Float(ring) / Float(rings) * .pi
            for segment in 0..<segments {
                let azimuth = Float(segment) / Float(segments) * 2 * .pi
                positions.append(radius * SIMD3(sin(polar) * cos(azimuth), sin(polar) * sin(azimuth), cos(polar)))
                uv += [Float(segment) / Float(segments), Float(ring) / Float(rings)]
            }
        }
        positions.append(SIMD3(0, 0, -radius))
        uv += [0.5, 1]
        let south = Int32(positions.count - 1)
        func ringVertex(_ ring: Int, _ segment: Int) -> Int32 {
            Int32(1 + (ring - 1) * segments + (segment % segments))
        }
        var triangles: [SIMD3<Int32>] = []
        for s in 0..<segments {
            triangles.append(SIMD3(0, ringVertex(1, s), ringVertex(1, s + 1)))
            for ring in 1..<(rings - 1) {
                let a = ringVertex(ring, s), b = ringVertex(ring, s + 1), c = ringVertex(ring + 1, s), d = ringVertex(ring + 1, s + 1)
                triangles.append(SIMD3(a, c, d))
                triangles.append(SIMD3(a, d, b))
            }
            triangles.append(SIMD3(ringVertex(rings - 1, s), south, ringVertex(rings - 1, s + 1)))
        }
        return TriangleMesh(positions: positions, triangles: triangles, attributes: ["uv": VertexAttribute(channels: 2, values: uv)])
    }

    /// A flat rectangle in the z = 0 plane spanning [−width/2, width/2] × [−height/2, height/2],
    /// split into `columns` × `rows` quads, facing +z, with "uv" (u along +x, v along −y).
    public static func grid(width: Float, height: Float, columns: Int, rows: Int) -> TriangleMesh {
        precondition(columns >= 1 && rows >= 1, "a grid needs at least one quad")
        var positions: [SIMD3<Float>] = [], uv: [Float] = []
        for r in 0...rows {
            for c in 0...columns {
                let u = Float(c) / Float(columns), v = Float(r) / Float(rows)
                positions.append(SIMD3((u - 0.5) * width, (0.5 - v) * height, 0))
                uv += [u, v]
            }
        }
        var triangles: [SIMD3<Int32>] = []
        for r in 0..<rows {
            for c in 0..<columns {
                let a = Int32(r * (columns + 1) + c), b = a + 1, d = a + Int32(columns + 1), e = d + 1
                triangles.append(SIMD3(a, d, e))
                triangles.append(SIMD3(a, e, b))
            }
        }
        return TriangleMesh(positions: positions, triangles: triangles, attributes: ["uv": VertexAttribute(channels: 2, values: uv)])
    }
}
