import Geometry
import Tensors

/// A differentiable triangle-mesh renderer of per-vertex features and silhouette, recorded on a
/// Tensors tape (the mesh-guidance renderer of GHA §4.3, in the manner of nvdiffrast).
///
/// Visibility comes from the forward z-buffer `Geometry.MeshRasterizer`. Each covered pixel gets
/// the features interpolated with screen-space barycentrics of its visible triangle (for the
/// pixel-sized triangles of an extracted mesh the perspective correction is negligible, and
/// screen-space weights keep the gradient exact). Then an analytic anti-aliasing pass
/// (nvdiffrast's `antialias`) blends neighbouring pixels across silhouette edges by how far the
/// edge lies from the pixel centres: this makes colour and coverage continuous in the vertex
/// positions, so the silhouette yields position gradients.
///
/// Outputs are premultiplied: features are 0 and alpha is 0 on the background; composite over a
/// background colour b with `image + (1 − alpha)·b`.
public struct DifferentiableMeshRenderer: Sendable {
    /// Triangles with a vertex nearer than this camera depth are not drawn.
    public var nearPlane: Float

    /// Creates a renderer.
    public init(nearPlane: Float = 1e-3) {
        self.nearPlane = nearPlane
    }

    /// Renders `features` `[V, C]` of the mesh with world-space `vertices` `[V, 3]` seen by `camera`.
    ///
    /// - Parameter adjacency: the `TriangleAdjacency` of `triangles` (build it once per mesh and
    ///   reuse it across cameras).
    /// - Returns: image `[H, W, C]` and alpha `[H, W]`, differentiable in vertices and features.
    /// - Throws: `DifferentiableMeshError` on mismatched shapes or out-of-range triangle indices.
    public func render(
        vertices: Variable, features: Variable, triangles: [SIMD3<Int32>], adjacency: TriangleAdjacency,
        camera: PinholeCamera
    ) throws -> (image: Variable, alpha: Variable) {
        let vertexCount = vertices.shape.first ?? 0
        guard vertices.shape == [vertexCount, 3] else {
            throw DifferentiableMeshError("mesh vertices must be [V, 3], got \(vertices.shape)")
        }
        guard features.rank == 2, features.shape[0] == vertexCount else {
            throw DifferentiableMeshError("mesh features must be [\(vertexCount), C] (one row per vertex), got \(features.shape)")
        }
        guard adjacency.neighbours.count == triangles.count else {
            throw DifferentiableMeshError(
                "the adjacency has \(adjacency.neighbours.count) triangles but the mesh \(triangles.count); build TriangleAdjacency(triangles:) from this mesh")
        }
        for tri in triangles where tri.min() < 0 || Int(tri.max()) >= vertexCount {
            throw DifferentiableMeshError("a triangle \(tri) indexes outside the \(vertexCount) vertices")
        }
        let function = MeshRenderFunction(triangles: triangles, adjacency: adjacency.neighbours, camera: camera, nearPlane: nearPlane)
        let outputs = try function.apply(to: [vertices, features])
        return (outputs[0], outputs[1])
    }
}

/// One pixel pair across a silhouette edge found by the anti-aliasing pass.
struct SilhouetteCrossing {
    /// Pixel covered by the occluding triangle.
    var foreground: Int32
    /// The neighbouring pixel (background or a farther surface).
    var background: Int32
    /// The occluding triangle and the local index (0…2) of its crossed edge.
    var triangle: Int32
    var edge: Int32
    /// Crossing position along the pixel-centre segment from foreground (0) to background (1).
    var s: Float
    /// Direction from the foreground to the background pixel centre (±1 along x or y).
    var direction: SIMD2<Float>
}

/// Forward state of one render kept for the backward.
struct MeshRenderContext {
    var screen: [SIMD2<Float>]
    var cameraPoints: [SIMD3<Float>]
    /// Visible triangle per pixel (−1 background).
    var triangleIndex: [Int32]
    /// Screen-space barycentrics per pixel (3 per pixel).
    var barycentrics: [Float]
    /// Features before anti-aliasing, `[H·W, C]`.
    var hardImage: [Float]
    var crossings: [SilhouetteCrossing]
}

/// The render as a `DifferentiableFunction`: inputs [vertices, features], outputs [image, alpha].
struct MeshRenderFunction: DifferentiableFunction {
    let triangles: [SIMD3<Int32>]
    let adjacency: [SIMD3<Int32>]
    let camera: PinholeCamera
    let nearPlane: Float

    func forward(_ inputs: [Tensor]) throws -> (outputs: [Tensor], context: MeshRenderContext) {
        let vertexCount = inputs[0].shape[0], channels = inputs[1].shape[1]
        let width = camera.width, height = camera.height, pixelCount = width * height
        let positionScalars = inputs[0].scalars
        let world = (0..<vertexCount).map { SIMD3(positionScalars[3 * $0], positionScalars[3 * $0 + 1], positionScalars[3 * $0 + 2]) }
        let cameraPoints = world.map(camera.worldToCamera.apply)
        let screen = cameraPoints.map { p -> SIMD2<Float> in
            let q = camera.projectCameraPoint(p)
            return SIMD2(q.x, q.y)
        }
        let fragments = MeshRasterizer(nearPlane: nearPlane, cullBackFaces: false).rasterize(positions: world, triangles: triangles, camera: camera)
        let ids = fragments.triangleIndex
        var barycentrics = [Float](repeating: 0, count: 3 * pixelCount)
        var hard = [Float](repeating: 0, count: pixelCount * channels)
        inputs[1].withUnsafeBufferPointer { features in
            for p in 0..<pixelCount where ids[p] >= 0 {
                let tri = triangles[Int(ids[p])]
                let b = Self.barycentrics(of: SIMD2(Float(p % width), Float(p / width)), tri, screen)
                for k in 0..<3 { barycentrics[3 * p + k] = b[k] }
                let base0 = Int(tri.x) * channels, base1 = Int(tri.y) * channels, base2 = Int(tri.z) * channels
                for c in 0..<channels {
                    hard[p * channels + c] = b.x * features[base0 + c] + b.y * features[base1 + c] + b.z * features[base2 + c]
                }
            }
        }
        let crossings = findCrossings(ids: ids, depth: fragments.depth, screen: screen)
        var image = hard
        var alpha = ids.map { $0 >= 0 ? Float(1) : 0 }
        let hardAlpha = alpha
        for crossing in crossings {
            let f = Int(crossing.foreground), b = Int(crossing.background)
            // Blend weight and the pixel it applies to (nvdiffrast: the edge covers part of the
            // background pixel when s > ½, else uncovers part of the foreground pixel).
            let (target, weight, other) = crossing.s > 0.5 ? (b, crossing.s - 0.5, f) : (f, 0.5 - crossing.s, b)
            for c in 0..<channels {
                image[target * channels + c] += weight * (hard[other * channels + c] - hard[target * channels + c])
            }
            alpha[target] += weight * (hardAlpha[other] - hardAlpha[target])
        }
        let context = MeshRenderContext(
            screen: screen, cameraPoints: cameraPoints, triangleIndex: ids, barycentrics: barycentrics,
            hardImage: hard, crossings: crossings)
        return ([Tensor(shape: [height, width, channels], scalars: image), Tensor(shape: [height, width], scalars: alpha)], context)
    }

    func backward(context: MeshRenderContext, inputs: [Tensor], outputs: [Tensor], outputGradients: [Tensor]) -> [Tensor?] {
        let vertexCount = inputs[0].shape[0], channels = inputs[1].shape[1]
        let width = camera.width, pixelCount = camera.width * camera.height
        let imageGradient = outputGradients[0].scalars, alphaGradient = outputGradients[1].scalars
        // Gradient of the pre-anti-aliasing image (alpha before anti-aliasing is constant).
        var hardGradient = imageGradient
        var screenGradient = [SIMD2<Float>](repeating: .zero, count: vertexCount)
        let hard = context.hardImage
        let hardAlpha = context.triangleIndex.map { $0 >= 0 ? Float(1) : 0 }
        for crossing in context.crossings {
            let f = Int(crossing.foreground), b = Int(crossing.background)
            let (target, weight, other, sign): (Int, Float, Int, Float) =
                crossing.s > 0.5 ? (b, crossing.s - 0.5, f, 1) : (f, 0.5 - crossing.s, b, -1)
            // out[target] = hard[target] + w·(hard[other] − hard[target]), with dw/ds = sign.
            var ds: Float = 0
            for c in 0..<channels {
                let g = imageGradient[target * channels + c]
                hardGradient[other * channels + c] += weight * g
                hardGradient[target * channels + c] -= weight * g
                ds += g * (hard[other * channels + c] - hard[target * channels + c])
            }
            ds += alphaGradient[target] * (hardAlpha[other] - hardAlpha[target])
            ds *= sign
            accumulateCrossingGradient(crossing, ds: ds, screen: context.screen, into: &screenGradient)
        }
        var featureGradient = [Float](repeating: 0, count: vertexCount * channels)
        inputs[1].withUnsafeBufferPointer { features in
            for p in 0..<pixelCount where context.triangleIndex[p] >= 0 {
                let tri = triangles[Int(context.triangleIndex[p])]
                let b = SIMD3(context.barycentrics[3 * p], context.barycentrics[3 * p + 1], context.barycentrics[3 * p + 2])
                var gb = SIMD3<Float>.zero
                for k in 0..<3 {
                    let base = Int(tri[k]) * channels
                    var dot: Float = 0
                    for c in 0..<channels {
                        let g = hardGradient[p * channels + c]
                        featureGradient[base + c] += b[k] * g
                        dot += g * features[base + c]
                    }
                    gb[k] = dot
                }
                accumulateBarycentricGradient(
                    gb, pixel: SIMD2(Float(p % width), Float(p / width)), tri, b,
                    screen: context.screen, into: &screenGradient)
            }
        }
        var positionGradient = [Float](repeating: 0, count: vertexCount * 3)
        let rotation = camera.worldToCamera.rotation
        for v in 0..<vertexCount where screenGradient[v] != .zero {
            let p = context.cameraPoints[v], g = screenGradient[v]
            let inverseZ = 1 / p.z
            let cameraGradient = SIMD3(
                camera.fx * inverseZ * g.x, camera.fy * inverseZ * g.y,
                -(camera.fx * p.x * g.x + camera.fy * p.y * g.y) * inverseZ * inverseZ)
            let worldGradient = rotation.transposed * cameraGradient
            for k in 0..<3 { positionGradient[3 * v + k] = worldGradient[k] }
        }
        return [Tensor(shape: inputs[0].shape, scalars: positionGradient), Tensor(shape: inputs[1].shape, scalars: featureGradient)]
    }

    /// Screen-space barycentrics of `point` in triangle `tri` (the rasteriser's edge functions).
    static func barycentrics(of point: SIMD2<Float>, _ tri: SIMD3<Int32>, _ screen: [SIMD2<Float>]) -> SIMD3<Float> {
        let p0 = screen[Int(tri.x)], p1 = screen[Int(tri.y)], p2 = screen[Int(tri.z)]
        let inverseArea = 1 / cross2(p1 - p0, p2 - p0)
        let b0 = cross2(p2 - p1, point - p1) * inverseArea
        let b1 = cross2(p0 - p2, point - p2) * inverseArea
        return SIMD3(b0, b1, 1 - b0 - b1)
    }

    /// Back-propagates dL/db (barycentrics of `pixel`) to the three projected corners.
    /// b_k = E_k / A with E_k = cross(p_{k+2} − p_{k+1}, x − p_{k+1}) and A = Σ E_k.
    func accumulateBarycentricGradient(
        _ gb: SIMD3<Float>, pixel: SIMD2<Float>, _ tri: SIMD3<Int32>, _ b: SIMD3<Float>,
        screen: [SIMD2<Float>], into gradient: inout [SIMD2<Float>]
    ) {
        let p = [screen[Int(tri.x)], screen[Int(tri.y)], screen[Int(tri.z)]]
        let area = cross2(p[1] - p[0], p[2] - p[0])
        let gArea = -(gb * b).sum() / area
        var corner = [SIMD2<Float>](repeating: .zero, count: 3)
        for k in 0..<3 {
            let i = (k + 1) % 3, j = (k + 2) % 3
            // E_k = cross(u, v), u = p_j − p_i, v = x − p_i; plus the area term (A = E_0 + E_1 + E_2).
            let gE = gb[k] / area + gArea
            let u = p[j] - p[i], v = pixel - p[i]
            let gu = gE * SIMD2(v.y, -v.x), gv = gE * SIMD2(-u.y, u.x)
            corner[j] += gu
            corner[i] -= gu + gv
        }
        for k in 0..<3 { gradient[Int(tri[k])] += corner[k] }
    }

    /// Back-propagates dL/ds of a crossing to the crossed edge's projected endpoints.
    /// s = −N / D with N = cross(e, F − a), D = cross(e, d), e = b − a.
    func accumulateCrossingGradient(_ crossing: SilhouetteCrossing, ds: Float, screen: [SIMD2<Float>], into gradient: inout [SIMD2<Float>]) {
        let tri = triangles[Int(crossing.triangle)], j = Int(crossing.edge)
        let ia = Int(tri[j]), ib = Int(tri[(j + 1) % 3])
        let a = screen[ia], b = screen[ib], e = b - a, d = crossing.direction
        let f = SIMD2(Float(Int(crossing.foreground) % camera.width), Float(Int(crossing.foreground) / camera.width))
        let w = f - a
        let n = cross2(e, w), denominator = cross2(e, d)
        let gN = -ds / denominator, gD = ds * n / (denominator * denominator)
        // N = cross(e, w): dN/de = (w.y, −w.x), dN/dw = (−e.y, e.x); D = cross(e, d): dD/de = (d.y, −d.x).
        let ge = gN * SIMD2(w.y, -w.x) + gD * SIMD2(d.y, -d.x)
        let gw = gN * SIMD2(-e.y, e.x)
        gradient[ib] += ge
        gradient[ia] -= ge + gw
    }

    /// Pixel pairs (horizontal and vertical neighbours) separated by a silhouette edge of the
    /// nearer pixel's triangle, with the edge's crossing position along the pair.
    func findCrossings(ids: [Int32], depth: [Float], screen: [SIMD2<Float>]) -> [SilhouetteCrossing] {
        let width = camera.width, height = camera.height
        var signedAreas = [Float](repeating: 0, count: triangles.count)
        for (t, tri) in triangles.enumerated() {
            let p0 = screen[Int(tri.x)], p1 = screen[Int(tri.y)], p2 = screen[Int(tri.z)]
            signedAreas[t] = cross2(p1 - p0, p2 - p0)
        }
        var crossings: [SilhouetteCrossing] = []
        func consider(_ p: Int, _ q: Int) {
            let tp = ids[p], tq = ids[q]
            if tp == tq { return }
            let (fg, bg): (Int, Int)
            if tq < 0 { (fg, bg) = (p, q) } else if tp < 0 { (fg, bg) = (q, p) } else { (fg, bg) = depth[p] <= depth[q] ? (p, q) : (q, p) }
            let t = Int(ids[fg])
            let tri = triangles[t]
            let f = SIMD2(Float(fg % width), Float(fg / width)), d = SIMD2(Float(bg % width), Float(bg / width)) - f
            // Exit edge of the triangle along f + s·d: the smallest positive crossing parameter.
            var best: (edge: Int, s: Float)?
            for j in 0..<3 {
                let a = screen[Int(tri[j])], b = screen[Int(tri[(j + 1) % 3])], e = b - a
                let denominator = cross2(e, d)
                if denominator == 0 { continue }
                let s = -cross2(e, f - a) / denominator
                if s >= 0, s <= 1, best == nil || s < best!.s { best = (j, s) }
            }
            guard let (edge, s) = best else { return }
            let neighbour = adjacency[t][edge]
            if neighbour >= 0 && (signedAreas[Int(neighbour)] > 0) == (signedAreas[t] > 0) { return }
            crossings.append(
                SilhouetteCrossing(
                    foreground: Int32(fg), background: Int32(bg), triangle: Int32(t), edge: Int32(edge),
                    s: s, direction: d))
        }
        for y in 0..<height {
            for x in 0..<width {
                let p = y * width + x
                if x + 1 < width { consider(p, p + 1) }
                if y + 1 < height { consider(p, p + width) }
            }
        }
        return crossings
    }
}

/// The z component of the 2D cross product `a × b`.
@inlinable func cross2(_ a: SIMD2<Float>, _ b: SIMD2<Float>) -> Float {
    a.x * b.y - a.y * b.x
}
