import Geometry
import Tensors

/// The combinatorial result of marching tetrahedra on a signed distance field over a tetrahedral
/// grid (DMTet, Shen et al. 2021): which grid edges the zero level set crosses and how their
/// crossing points form triangles.
///
/// Conventions: SDF < 0 is inside, ≥ 0 outside. Each crossed edge yields one surface vertex, so
/// the mesh is watertight inside the grid. Triangles are counter-clockwise seen from outside
/// (normals point toward positive SDF), the convention of `Geometry.MeshRasterizer`.
///
/// The topology is piecewise constant in the SDF; the vertex positions are differentiable and are
/// computed by `interpolate` (eq. of DMTet: v = (p_a·s_b − p_b·s_a) / (s_b − s_a)).
/// To save work, the topology refers to the grid vertices it needs through `sourceVertices`:
/// a caller may evaluate its SDF network (with a tape) on those vertices only.
public struct SurfaceTopology: Sendable {
    /// Grid vertices that are endpoints of a crossed edge (the only ones the surface depends on).
    public let sourceVertices: [Int32]
    /// Per surface vertex, the crossed edge's endpoints as indices into `sourceVertices`
    /// (first endpoint inside, second outside).
    public let edges: [SIMD2<Int32>]
    /// Triangles over the surface vertices.
    public let triangles: [SIMD3<Int32>]

    /// Number of surface vertices.
    public var vertexCount: Int { edges.count }

    /// Extracts the topology from per-grid-vertex `sdf` values and (possibly deformed) grid vertex
    /// `positions`, used only to orient the triangles.
    /// - Throws: `DifferentiableMeshError` if the array sizes do not match the grid.
    public static func extract(grid: TetrahedralGrid, positions: [SIMD3<Float>], sdf: [Float]) throws -> SurfaceTopology {
        let vertexCount = grid.vertices.count
        guard sdf.count == vertexCount, positions.count == vertexCount else {
            throw DifferentiableMeshError(
                "marching tetrahedra needs one SDF value and one position per grid vertex (\(vertexCount)); got \(sdf.count) and \(positions.count)")
        }
        var edgeVertex = [Int32](repeating: -1, count: grid.edgeNumberCount)
        var sourceIndex = [Int32](repeating: -1, count: vertexCount)
        var sources: [Int32] = []
        var edges: [SIMD2<Int32>] = []
        var points: [SIMD3<Float>] = []
        var triangles: [SIMD3<Int32>] = []

        func source(_ v: Int32) -> Int32 {
            if sourceIndex[Int(v)] < 0 {
                sourceIndex[Int(v)] = Int32(sources.count)
                sources.append(v)
            }
            return sourceIndex[Int(v)]
        }
        /// The surface vertex on the edge from inside vertex `a` to outside vertex `b`.
        func crossing(_ a: Int32, _ b: Int32) -> Int32 {
            let number = grid.edgeNumber(a, b)
            if edgeVertex[number] >= 0 { return edgeVertex[number] }
            let index = Int32(edges.count)
            edgeVertex[number] = index
            edges.append(SIMD2(source(a), source(b)))
            let sa = sdf[Int(a)], sb = sdf[Int(b)]
            let t = sa / (sa - sb)
            points.append(positions[Int(a)] + t * (positions[Int(b)] - positions[Int(a)]))
            return index
        }
        func emit(_ i: Int32, _ j: Int32, _ k: Int32, towardOutside direction: SIMD3<Float>) {
            let normal = simdCross(points[Int(j)] - points[Int(i)], points[Int(k)] - points[Int(i)])
            triangles.append(simdDot(normal, direction) >= 0 ? SIMD3(i, j, k) : SIMD3(i, k, j))
        }

        for tet in grid.tetrahedra {
            var insideMask = 0
            for k in 0..<4 where sdf[Int(tet[k])] < 0 { insideMask |= 1 << k }
            if insideMask == 0 || insideMask == 15 { continue }
            var inside: [Int32] = [], outside: [Int32] = []
            for k in 0..<4 {
                if insideMask & (1 << k) != 0 { inside.append(tet[k]) } else { outside.append(tet[k]) }
            }
            var insideCentre = SIMD3<Float>.zero, outsideCentre = SIMD3<Float>.zero
            for v in inside { insideCentre += positions[Int(v)] }
            for v in outside { outsideCentre += positions[Int(v)] }
            let direction = outsideCentre / Float(outside.count) - insideCentre / Float(inside.count)
            switch inside.count {
            case 1:
                emit(crossing(inside[0], outside[0]), crossing(inside[0], outside[1]), crossing(inside[0], outside[2]), towardOutside: direction)
            case 3:
                emit(crossing(inside[0], outside[0]), crossing(inside[1], outside[0]), crossing(inside[2], outside[0]), towardOutside: direction)
            default:
                // Two inside (a, b), two outside (c, d): the crossings form the quad ac–ad–bd–bc.
                let ac = crossing(inside[0], outside[0]), ad = crossing(inside[0], outside[1])
                let bd = crossing(inside[1], outside[1]), bc = crossing(inside[1], outside[0])
                emit(ac, ad, bd, towardOutside: direction)
                emit(ac, bd, bc, towardOutside: direction)
            }
        }
        return SurfaceTopology(sourceVertices: sources, edges: edges, triangles: triangles)
    }

    /// Surface vertex positions and features by linear interpolation of the SDF along each crossed
    /// edge, recorded on the inputs' tape.
    ///
    /// - Parameters:
    ///   - positions: `[sourceVertices.count, 3]` (deformed) grid positions of the source vertices.
    ///   - sdf: `[sourceVertices.count]` or `[sourceVertices.count, 1]` SDF values (same signs as at extraction).
    ///   - features: optional `[sourceVertices.count, F]` per-vertex features, interpolated with the same weights.
    /// - Returns: `[vertexCount, 3]` surface vertices and `[vertexCount, F]` features (nil if none given).
    public func interpolate(positions: Variable, sdf: Variable, features: Variable?) throws -> (vertices: Variable, features: Variable?) {
        let k = sourceVertices.count
        guard positions.shape == [k, 3], sdf.value.count == k else {
            throw DifferentiableMeshError("interpolation expects positions [\(k), 3] and \(k) SDF values; got \(positions.shape) and \(sdf.shape)")
        }
        if let features, features.rank != 2 || features.shape[0] != k {
            throw DifferentiableMeshError("interpolation expects features [\(k), F]; got \(features.shape)")
        }
        let function = EdgeInterpolation(edges: edges)
        let flatSDF = sdf.reshaped([k])
        if let features {
            let outputs = try function.apply(to: [positions, flatSDF, features])
            return (outputs[0], outputs[1])
        }
        let outputs = try function.apply(to: [positions, flatSDF])
        return (outputs[0], nil)
    }
}

/// v = p_a + t·(p_b − p_a) and f = f_a + t·(f_b − f_a) with t = s_a / (s_a − s_b), per edge; the
/// backward returns gradients for the positions, the SDF values and (if given) the features.
struct EdgeInterpolation: DifferentiableFunction {
    let edges: [SIMD2<Int32>]

    func forward(_ inputs: [Tensor]) throws -> (outputs: [Tensor], context: Void) {
        let m = edges.count
        let sdf = inputs[1].scalars
        var outputs: [Tensor] = []
        for input in [inputs[0]] + inputs.dropFirst(2) {
            let width = input.shape[1]
            var out = Tensor(zeros: [m, width])
            input.withUnsafeBufferPointer { source in
                out.withUnsafeMutableBufferPointer { target in
                    for (e, edge) in edges.enumerated() {
                        let a = Int(edge.x), b = Int(edge.y)
                        let t = sdf[a] / (sdf[a] - sdf[b])
                        for c in 0..<width {
                            let va = source[a * width + c], vb = source[b * width + c]
                            target[e * width + c] = va + t * (vb - va)
                        }
                    }
                }
            }
            outputs.append(out)
        }
        return (outputs, ())
    }

    func backward(context: Void, inputs: [Tensor], outputs: [Tensor], outputGradients: [Tensor]) -> [Tensor?] {
        let sdf = inputs[1].scalars
        var sdfGradient = [Float](repeating: 0, count: sdf.count)
        var gradients: [Tensor?] = [nil, nil]
        for (slot, inputIndex) in ([0] + Array(2..<inputs.count)).enumerated() {
            let input = inputs[inputIndex]
            let width = input.shape[1]
            var gradient = Tensor(zeros: input.shape)
            input.withUnsafeBufferPointer { values in
                outputGradients[slot].withUnsafeBufferPointer { upstream in
                    gradient.withUnsafeMutableBufferPointer { target in
                        for (e, edge) in edges.enumerated() {
                            let a = Int(edge.x), b = Int(edge.y)
                            let sa = sdf[a], sb = sdf[b]
                            let denominator = sa - sb
                            let t = sa / denominator
                            // dt/ds_a = −s_b/(s_a − s_b)², dt/ds_b = s_a/(s_a − s_b)².
                            let dtdsa = -sb / (denominator * denominator), dtdsb = sa / (denominator * denominator)
                            var dt: Float = 0
                            for c in 0..<width {
                                let g = upstream[e * width + c]
                                target[a * width + c] += (1 - t) * g
                                target[b * width + c] += t * g
                                dt += g * (values[b * width + c] - values[a * width + c])
                            }
                            sdfGradient[a] += dt * dtdsa
                            sdfGradient[b] += dt * dtdsb
                        }
                    }
                }
            }
            if inputIndex == 0 { gradients[0] = gradient } else { gradients.append(gradient) }
        }
        gradients[1] = Tensor(shape: inputs[1].shape, scalars: sdfGradient)
        return gradients
    }
}
