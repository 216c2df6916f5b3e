import Geometry

/// A visual hull (Laurentini 1994): the region every view sees as foreground, carved on a
/// tetrahedral grid and extracted by marching tetrahedra. EAvatar's stand-in for a generated prior
/// mesh (docs/eavatar.md): it covers the full head — hair, back of the head — from multi-view masks.
///
/// The occupancy of a point is the smallest alpha (bilinear, 0 outside an image or behind a camera)
/// over the views; the surface is its `threshold` level set, placed between grid vertices by linear
/// interpolation of the occupancy, so its accuracy is a fraction of a cell where the masks are
/// antialiased and a cell where they are binary.
public enum VisualHull {
    /// One mask: a camera, its alpha (row-major `width × height`, in [0, 1]) and the map from the
    /// grid's coordinates to the camera's world (e.g. a tracked head pose).
    public struct View {
        public var camera: PinholeCamera
        public var alpha: [Float]
        public var worldFromGrid: (SIMD3<Float>) -> SIMD3<Float>

        /// Creates a view; `alpha` must hold `camera.width × camera.height` values.
        public init(camera: PinholeCamera, alpha: [Float], worldFromGrid: @escaping (SIMD3<Float>) -> SIMD3<Float>) {
            self.camera = camera
            self.alpha = alpha
            self.worldFromGrid = worldFromGrid
        }

        /// Bilinear alpha at a grid-space point (0 outside the image or behind the camera).
        public func alpha(at point: SIMD3<Float>) -> Float {
            let p = camera.project(worldFromGrid(point))
            guard p.z > 0, camera.contains(u: p.x, v: p.y) else { return 0 }
            let w = camera.width, h = camera.height
            let u = min(max(p.x, 0), Float(w - 1)), v = min(max(p.y, 0), Float(h - 1))
            let x0 = min(Int(u), max(0, w - 2)), y0 = min(Int(v), max(0, h - 2))
            let x1 = min(x0 + 1, w - 1), y1 = min(y0 + 1, h - 1)
            let fx = u - Float(x0), fy = v - Float(y0)
            let top = alpha[y0 * w + x0] * (1 - fx) + alpha[y0 * w + x1] * fx
            let bottom = alpha[y1 * w + x0] * (1 - fx) + alpha[y1 * w + x1] * fx
            return top * (1 - fy) + bottom * fy
        }
    }

    /// The smallest alpha over `views` at each of `points`.
    public static func occupancy(_ points: [SIMD3<Float>], views: [View]) -> [Float] {
        points.map { point in
            var value: Float = 1
            for view in views where value > 0 { value = min(value, view.alpha(at: point)) }
            return value
        }
    }

    /// Carves the hull on `grid` (its coordinates) and returns its surface, oriented outwards.
    /// - Throws: `DifferentiableMeshError` when no view is given or nothing is carved (every grid
    ///   vertex outside some view: the grid misses the object or the masks are empty).
    public static func carve(grid: TetrahedralGrid, views: [View], threshold: Float = 0.5) throws -> TriangleMesh {
        guard !views.isEmpty else { throw DifferentiableMeshError("a visual hull needs at least one view") }
        let occupancy = occupancy(grid.vertices, views: views)
        let sdf = occupancy.map { threshold - $0 }
        let topology = try SurfaceTopology.extract(grid: grid, positions: grid.vertices, sdf: sdf)
        guard !topology.triangles.isEmpty else {
            throw DifferentiableMeshError(
                "the visual hull is empty: no grid vertex is foreground in all \(views.count) views; check that the grid covers the object and the masks hold it"
            )
        }
        var positions: [SIMD3<Float>] = []
        positions.reserveCapacity(topology.edges.count)
        for edge in topology.edges {
            let a = Int(topology.sourceVertices[Int(edge.x)]), b = Int(topology.sourceVertices[Int(edge.y)])
            let t = sdf[a] / (sdf[a] - sdf[b])
            positions.append(grid.vertices[a] + t * (grid.vertices[b] - grid.vertices[a]))
        }
        return TriangleMesh(positions: positions, triangles: topology.triangles)
    }
}
