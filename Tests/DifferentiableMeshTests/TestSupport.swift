import Geometry
import Tensors

@testable import DifferentiableMesh

/// Deterministic uniform numbers for test inputs.
struct TestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> Float {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float((state >> 40) & 0xFFFFFF) / Float(1 << 24)
    }
    mutating func uniform(_ range: ClosedRange<Float>) -> Float { range.lowerBound + (range.upperBound - range.lowerBound) * next() }
}

/// Signed distance to a sphere of `radius` around `centre` at every grid vertex.
func sphereSDF(_ grid: TetrahedralGrid, radius: Float, centre: SIMD3<Float> = .zero) -> [Float] {
    grid.vertices.map { simdLength($0 - centre) - radius }
}

/// A closed sphere mesh extracted by marching tetrahedra (the renderer tests' input).
func sphereMesh(resolution: Int, radius: Float) throws -> (positions: [SIMD3<Float>], triangles: [SIMD3<Int32>]) {
    let grid = try TetrahedralGrid(resolution: resolution, halfExtent: 1)
    let sdf = sphereSDF(grid, radius: radius)
    let topology = try SurfaceTopology.extract(grid: grid, positions: grid.vertices, sdf: sdf)
    let positions = Tensor(
        shape: [topology.sourceVertices.count, 3],
        scalars: topology.sourceVertices.flatMap { v in
            let p = grid.vertices[Int(v)]
            return [p.x, p.y, p.z]
        })
    let values = Tensor(shape: [topology.sourceVertices.count], scalars: topology.sourceVertices.map { sdf[Int($0)] })
    let vertices = try topology.interpolate(positions: Variable(positions), sdf: Variable(values), features: nil).vertices.value.scalars
    return ((0..<topology.vertexCount).map { SIMD3(vertices[3 * $0], vertices[3 * $0 + 1], vertices[3 * $0 + 2]) }, topology.triangles)
}

/// Σ weights · values in Double (the scalar whose gradient the finite-difference tests check).
func weightedSum(_ values: [Float], _ weights: [Float]) -> Double {
    zip(values, weights).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
}

/// True when the analytic and numeric gradients agree to a relative tolerance of the larger
/// gradient magnitude (Float32 forward passes, Double accumulation).
func gradientsAgree(_ analytic: [Double], _ numeric: [Double], relativeTolerance: Double, absoluteTolerance: Double) -> Bool {
    let scale = max(numeric.map(abs).max() ?? 0, 1e-12)
    return zip(analytic, numeric).allSatisfy { abs($0 - $1) <= relativeTolerance * scale + absoluteTolerance }
}
