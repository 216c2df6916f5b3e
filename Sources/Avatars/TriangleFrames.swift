import Tensors

/// The local frame of every triangle of a posed mesh (GaussianAvatars §3.2): origin T at the
/// centroid, rotation R with columns (edge direction, normal, their cross product) and a scale k,
/// the mean of the first edge's length and the triangle's height over that edge. A Gaussian bound
/// to triangle t with local parameters (μ, r, s) has world parameters μ′ = k·R·μ + T, r′ = R·r,
/// s′ = k·s (paper Eq. 1–3).
public struct TriangleFrames: Sendable, Equatable {
    /// Centroids T, 3 per triangle (world units).
    public var centres: [Float]
    /// Rotations R, 9 per triangle, row-major; column 0 is the first edge's direction, column 1 the
    /// normal, column 2 their cross product.
    public var rotations: [Float]
    /// The same rotations as unit quaternions (w, x, y, z), 4 per triangle.
    public var quaternions: [Float]
    /// Scales k, 1 per triangle (world units).
    public var scales: [Float]

    /// Number of triangles.
    public var count: Int { scales.count }

    /// Frames of `triangles` (vertex indices) on `vertices`. Degenerate triangles get an identity
    /// rotation and a tiny positive scale, so nothing downstream divides by zero.
    public init(vertices: [SIMD3<Float>], triangles: [SIMD3<Int32>]) {
        let n = triangles.count
        var centres = [Float](repeating: 0, count: 3 * n)
        var rotations = [Float](repeating: 0, count: 9 * n)
        var quaternions = [Float](repeating: 0, count: 4 * n)
        var scales = [Float](repeating: 0, count: n)
        vertices.withUnsafeBufferPointer { vertices in
            triangles.withUnsafeBufferPointer { triangles in
                centres.withUnsafeMutableBufferPointer { centres in
                    rotations.withUnsafeMutableBufferPointer { rotations in
                        quaternions.withUnsafeMutableBufferPointer { quaternions in
                            scales.withUnsafeMutableBufferPointer { scales in
                                ThreadPool.shared.forEachPart(n, minimumPart: 2048) { _, range in
                                    for t in range {
                                        let tri = triangles[t]
                                        let v0 = vertices[Int(tri.x)], v1 = vertices[Int(tri.y)], v2 = vertices[Int(tri.z)]
                                        let centre = (v0 + v1 + v2) / 3
                                        let e1 = v1 - v0, e2 = v2 - v0
                                        let edgeLength = length(e1)
                                        let normalRaw = cross(e1, e2)
                                        let normalLength = length(normalRaw)
                                        var a0 = SIMD3<Float>(1, 0, 0), a1 = SIMD3<Float>(0, 1, 0), a2 = SIMD3<Float>(0, 0, 1)
                                        var scale: Float = 1e-6
                                        if edgeLength > 1e-12 && normalLength > 1e-12 * edgeLength {
                                            a0 = e1 / edgeLength
                                            a1 = normalRaw / normalLength
                                            a2 = cross(a0, a1)
                                            scale = max(0.5 * (edgeLength + abs(dot(a2, e2))), 1e-6)
                                        }
                                        for a in 0..<3 {
                                            centres[3 * t + a] = centre[a]
                                            rotations[9 * t + 3 * a + 0] = a0[a]
                                            rotations[9 * t + 3 * a + 1] = a1[a]
                                            rotations[9 * t + 3 * a + 2] = a2[a]
                                        }
                                        let q = Self.quaternion(rows: (SIMD3(a0.x, a1.x, a2.x), SIMD3(a0.y, a1.y, a2.y), SIMD3(a0.z, a1.z, a2.z)))
                                        for a in 0..<4 { quaternions[4 * t + a] = q[a] }
                                        scales[t] = scale
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        self.centres = centres
        self.rotations = rotations
        self.quaternions = quaternions
        self.scales = scales
    }

    /// The unit quaternion (w, x, y, z) of a rotation matrix given by rows (Shepperd's method).
    static func quaternion(rows r: (SIMD3<Float>, SIMD3<Float>, SIMD3<Float>)) -> SIMD4<Float> {
        let (m00, m01, m02) = (r.0.x, r.0.y, r.0.z)
        let (m10, m11, m12) = (r.1.x, r.1.y, r.1.z)
        let (m20, m21, m22) = (r.2.x, r.2.y, r.2.z)
        let trace = m00 + m11 + m22
        var q: SIMD4<Float>
        if trace > 0 {
            let s = (trace + 1).squareRoot() * 2
            q = SIMD4(0.25 * s, (m21 - m12) / s, (m02 - m20) / s, (m10 - m01) / s)
        } else if m00 > m11 && m00 > m22 {
            let s = (1 + m00 - m11 - m22).squareRoot() * 2
            q = SIMD4((m21 - m12) / s, 0.25 * s, (m01 + m10) / s, (m02 + m20) / s)
        } else if m11 > m22 {
            let s = (1 + m11 - m00 - m22).squareRoot() * 2
            q = SIMD4((m02 - m20) / s, (m01 + m10) / s, 0.25 * s, (m12 + m21) / s)
        } else {
            let s = (1 + m22 - m00 - m11).squareRoot() * 2
            q = SIMD4((m10 - m01) / s, (m02 + m20) / s, (m12 + m21) / s, 0.25 * s)
        }
        return q / (q * q).sum().squareRoot()
    }
}

@inline(__always) func dot(_ a: SIMD3<Float>, _ b: SIMD3<Float>) -> Float { (a * b).sum() }
@inline(__always) func length(_ a: SIMD3<Float>) -> Float { dot(a, a).squareRoot() }
@inline(__always) func cross(_ a: SIMD3<Float>, _ b: SIMD3<Float>) -> SIMD3<Float> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}
