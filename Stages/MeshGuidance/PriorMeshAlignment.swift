import Geometry
import Tensors

/// EAvatar's prior-mesh term (eq. 16–17): a prior head mesh (e.g. from a generative model or the
/// fitted head model) is aligned to the predicted guidance mesh by ICP, then the predicted mesh's
/// centre and scale are pulled toward the prior's:
/// L_mesh = ‖c_pred − c_prior‖² + (s_pred − s_prior)², c = mean vertex, s = RMS distance to c,
/// with c_prior the prior's centre after alignment and s_prior the prior's own scale. The ICP also
/// estimates a uniform scale, used only for the alignment (a rigid ICP slides a prior of another
/// size to one side of the predicted mesh, step after step), with symmetric correspondences so
/// the scale cannot collapse.
///
/// The prior's centre and scale are the exact area-weighted moments of its surface (independent
/// of its tessellation); ICP aligns area-uniform surface samples, warm-started from the previous
/// step's alignment.
struct PriorMeshAlignment {
    /// Prior surface samples in canonical units (for ICP).
    let prior: [SIMD3<Float>]
    /// Area-weighted centre of the prior surface, canonical units.
    let priorCentre: SIMD3<Float>
    /// RMS distance of the prior surface from its centre, canonical units.
    let priorScale: Float
    /// The current prior → predicted alignment: p ↦ transform.apply(alignmentScale · p).
    private(set) var transform = RigidTransform.identity
    private(set) var alignmentScale: Float = 1
    /// RMS nearest-point distance of the last alignment, canonical units.
    private(set) var residual: Float = .nan

    /// Samples `mesh` (canonical units) with `samples` points.
    init(mesh: TriangleMesh, samples: Int = 2000, seed: UInt64 = 1) throws {
        var generator = SplitMix64(seed: seed)
        prior = try ChamferDistance.surfaceSamples(mesh, count: samples, generator: &generator)
        // Uniform density on a triangle with centroid g: E‖x − g‖² = Σᵢ‖vᵢ − g‖² / 12.
        var area = 0.0, first = SIMD3<Double>.zero
        var triangles: [(area: Double, centroid: SIMD3<Double>, spread: Double)] = []
        for (t, tri) in mesh.triangles.enumerated() {
            let a = SIMD3<Double>(mesh.positions[Int(tri.x)]), b = SIMD3<Double>(mesh.positions[Int(tri.y)]), c = SIMD3<Double>(mesh.positions[Int(tri.z)])
            let g = (a + b + c) / 3
            let spread = ([a, b, c].map { (($0 - g) * ($0 - g)).sum() }.reduce(0, +)) / 12
            let weight = Double(simdLength(mesh.scaledFaceNormal(t))) / 2
            triangles.append((weight, g, spread))
            area += weight
            first += weight * g
        }
        let centre = first / area
        let second = triangles.reduce(0.0) { $0 + $1.area * ($1.spread + (($1.centroid - centre) * ($1.centroid - centre)).sum()) }
        priorCentre = SIMD3<Float>(centre)
        priorScale = Float((second / area).squareRoot())
    }

    /// Re-aligns the prior to `vertices [N, 3]` and returns L_mesh on the tape of `vertices`.
    mutating func loss(vertices: Variable) throws -> Variable {
        let values = vertices.value.scalars
        let points = (0..<(values.count / 3)).map { SIMD3(values[3 * $0], values[3 * $0 + 1], values[3 * $0 + 2]) }
        let result = try IterativeClosestPoint.align(
            source: prior, target: points, initial: transform, initialScale: alignmentScale,
            estimateScale: true, symmetric: true, maximumIterations: 10)
        transform = result.transform
        alignmentScale = result.scale
        residual = result.rootMeanSquareDistance
        let alignedCentre = transform.apply(alignmentScale * priorCentre)
        let centre = vertices.mean(axis: 0, keepingAxis: true)
        let scale = (vertices - centre).square().sum(axis: 1).mean().squareRoot()
        let centreLoss = (centre - Variable(Tensor(shape: [1, 3], scalars: [alignedCentre.x, alignedCentre.y, alignedCentre.z]))).square().sum()
        return centreLoss + (scale - priorScale).square()
    }
}
