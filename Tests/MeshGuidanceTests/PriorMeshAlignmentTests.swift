import Geometry
import Tensors
import Testing

@testable import MeshGuidance

struct PriorMeshAlignmentTests {
    /// A closed ellipsoid-like mesh (a subdivided octahedron pushed onto an ellipsoid).
    static func ellipsoid() -> TriangleMesh {
        var mesh = TriangleMesh(
            positions: [SIMD3(1, 0, 0), SIMD3(-1, 0, 0), SIMD3(0, 1, 0), SIMD3(0, -1, 0), SIMD3(0, 0, 1), SIMD3(0, 0, -1)],
            triangles: [
                SIMD3(0, 2, 4), SIMD3(2, 1, 4), SIMD3(1, 3, 4), SIMD3(3, 0, 4),
                SIMD3(2, 0, 5), SIMD3(1, 2, 5), SIMD3(3, 1, 5), SIMD3(0, 3, 5),
            ])
        for _ in 0..<4 { mesh = mesh.subdividedAtMidpoints() }
        return TriangleMesh(positions: mesh.positions.map { simdNormalize($0) * SIMD3(0.35, 0.5, 0.4) }, triangles: mesh.triangles)
    }

    static func vertices(_ points: [SIMD3<Float>], on tape: Tape) -> Variable {
        tape.variable(Tensor(shape: [points.count, 3], scalars: points.flatMap { [$0.x, $0.y, $0.z] }))
    }

    @Test func lossVanishesForARigidlyMovedPriorAndPenalisesAScaleChange() throws {
        let prior = Self.ellipsoid()
        let motion = RigidTransform(rotation: Matrix3x3(rotationVector: SIMD3(0, 0.1, 0.05)), translation: SIMD3(0.02, 0, -0.01))
        var alignment = try PriorMeshAlignment(mesh: prior, samples: 3000)
        // Predicted vertices spread evenly over the surface, as a DMTet mesh's are.
        var generator = SplitMix64(seed: 9)
        let even = try ChamferDistance.surfaceSamples(prior, count: 20_000, generator: &generator)
        // ICP runs 10 iterations per step, warm-started: a few steps converge.
        var moved = Variable(Tensor(1))
        for _ in 0..<5 { moved = try alignment.loss(vertices: Self.vertices(even.map(motion.apply), on: Tape())) }
        #expect(moved.value.scalar < 1e-4)
        #expect(alignment.residual < 0.01)

        var scaledAlignment = try PriorMeshAlignment(mesh: prior, samples: 3000)
        let tape = Tape()
        let grown = Self.vertices(prior.positions.map { $0 * 1.2 }, on: tape)
        let loss = try scaledAlignment.loss(vertices: grown)
        #expect(loss.value.scalar > 1e-3)
        // The gradient shrinks the grown mesh: it points along the positions (away from the centre).
        let gradient = try #require(tape.backward(from: loss)[grown]).scalars
        let positions = grown.value.scalars
        let radial = zip(gradient, positions).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        #expect(radial > 0)
    }
}
