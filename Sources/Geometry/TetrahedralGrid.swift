/// A regular tetrahedral grid filling an axis-aligned cube, the domain of deformable marching
/// tetrahedra (DMTet, Shen et al. 2021).
///
/// The cube is split into `resolution³` cells on a lattice of `(resolution + 1)³` vertices; each
/// cell is cut into six tetrahedra around its main diagonal (Kuhn/Freudenthal subdivision), which
/// is conforming: neighbouring cells share faces exactly, so the extracted surface is closed.
/// Every tetrahedron edge joins two lattice points whose index difference is one of seven
/// non-zero vectors of {0,1}³, so edges are numbered `7 · lowerVertex + direction` without hashing.
public struct TetrahedralGrid: Sendable {
    /// Cells along each axis.
    public let resolution: Int
    /// Minimum corner of the cube (world or canonical units, as the caller chooses).
    public let origin: SIMD3<Float>
    /// Edge length of one cell.
    public let cellSize: Float
    /// Lattice vertex positions, `(resolution + 1)³`, x fastest.
    public let vertices: [SIMD3<Float>]
    /// Tetrahedra as four lattice vertex indices, 6 per cell.
    public let tetrahedra: [SIMD4<Int32>]

    /// The six edges of a tetrahedron as pairs of its local vertex indices (0…3).
    public static let localEdges: [(Int, Int)] = [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]

    /// Builds the grid over the cube `[centre − halfExtent, centre + halfExtent]³`.
    /// - Throws: `GeometryError` if `resolution` is outside 1…512 or `halfExtent` is not positive.
    public init(resolution: Int, centre: SIMD3<Float> = .zero, halfExtent: Float) throws {
        guard (1...512).contains(resolution) else {
            throw GeometryError("tetrahedral grid resolution must be in 1…512, got \(resolution)")
        }
        guard halfExtent > 0, halfExtent.isFinite else {
            throw GeometryError("tetrahedral grid half extent must be positive and finite, got \(halfExtent)")
        }
        self.resolution = resolution
        origin = centre - SIMD3(repeating: halfExtent)
        cellSize = 2 * halfExtent / Float(resolution)
        let n = resolution + 1
        var points: [SIMD3<Float>] = []
        points.reserveCapacity(n * n * n)
        for z in 0..<n {
            for y in 0..<n {
                for x in 0..<n { points.append(origin + cellSize * SIMD3(Float(x), Float(y), Float(z))) }
            }
        }
        vertices = points
        // The six monotone lattice paths from the cell's corner 000 to 111 (one per axis order).
        // A path is fixed by its first two axes; the third step completes it to 111.
        let axisOrders: [(Int, Int)] = [(0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1)]
        var tets: [SIMD4<Int32>] = []
        tets.reserveCapacity(6 * resolution * resolution * resolution)
        for z in 0..<resolution {
            for y in 0..<resolution {
                for x in 0..<resolution {
                    let corner = SIMD3<Int32>(Int32(x), Int32(y), Int32(z))
                    for (a, b) in axisOrders {
                        var step1 = SIMD3<Int32>.zero
                        step1[a] = 1
                        var step2 = step1
                        step2[b] = 1
                        let path = [corner, corner &+ step1, corner &+ step2, corner &+ SIMD3(1, 1, 1)]
                        var tet = SIMD4<Int32>.zero
                        for k in 0..<4 { tet[k] = Int32(Self.linearIndex(path[k], n: n)) }
                        tets.append(tet)
                    }
                }
            }
        }
        tetrahedra = tets
    }

    /// Lattice points per axis (`resolution + 1`).
    public var pointsPerAxis: Int { resolution + 1 }

    /// Size of the edge numbering space (`7 ·` vertex count); not every number is a real edge.
    public var edgeNumberCount: Int { 7 * vertices.count }

    /// The number of the edge joining lattice vertices `a` and `b` (which must share a tetrahedron).
    @inlinable public func edgeNumber(_ a: Int32, _ b: Int32) -> Int {
        let low = min(a, b), high = max(a, b)
        let n = Int32(resolution + 1)
        let difference = high - low
        let dz = difference / (n * n)
        let remainder = difference - dz * n * n
        let dy = remainder / n
        let dx = remainder - dy * n
        let direction: Int
        switch (dx, dy, dz) {
        case (1, 0, 0): direction = 0
        case (0, 1, 0): direction = 1
        case (0, 0, 1): direction = 2
        case (1, 1, 0): direction = 3
        case (1, 0, 1): direction = 4
        case (0, 1, 1): direction = 5
        default: direction = 6
        }
        return 7 * Int(low) + direction
    }

    static func linearIndex(_ p: SIMD3<Int32>, n: Int) -> Int {
        (Int(p.z) * n + Int(p.y)) * n + Int(p.x)
    }
}
