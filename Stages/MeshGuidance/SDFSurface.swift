import Avatars
import DifferentiableMesh
import Foundation
import Geometry
import Tensors

/// An SDF + feature network on a deformable tetrahedral grid and its DMTet extraction: the
/// geometry GHA's guidance fit (§4.3, f_sdf) and GPHM's stage 1 (§3.2, f_mean) both train.
final class SDFSurface {
    /// The tetrahedral grid.
    let grid: TetrahedralGrid
    /// Half side of the grid's cube, canonical units.
    let halfExtent: Float
    /// The SDF network: SDF, raw grid offsets and per-point features.
    let geometry: SDFNetwork
    /// Largest grid-vertex offset, canonical units (a fraction of the cell so tetrahedra cannot invert).
    let offsetScale: Float
    /// Steps between tape-free evaluations of the whole grid (1 = every step).
    let fullEvaluationInterval: Int
    /// Lattice steps around the surface re-evaluated between full evaluations.
    let bandRings: Int
    /// Tape-free SDF values and raw offsets of every grid vertex (see `currentTopology`).
    private var field: (sdf: [Float], offsets: [SIMD3<Float>])?
    /// Grid vertices re-evaluated between full evaluations.
    private var band: [Int32] = []
    private var stepsSinceFullEvaluation = 0

    /// A grid of `resolution` cells per axis over [−`halfExtent`, `halfExtent`]³ and a fresh network.
    init(
        resolution: Int, halfExtent: Float, hidden: [Int], featureWidth: Int, frequencies: Int, fullEvaluationInterval: Int,
        bandRings: Int, generator: inout SplitMix64
    ) throws {
        grid = try TetrahedralGrid(resolution: resolution, halfExtent: halfExtent)
        self.halfExtent = halfExtent
        geometry = SDFNetwork(hidden: hidden, featureWidth: featureWidth, frequencies: frequencies, generator: &generator)
        offsetScale = 0.45 * 2 * halfExtent / Float(resolution)
        self.fullEvaluationInterval = fullEvaluationInterval
        self.bandRings = bandRings
    }

    /// Fits the SDF to a sphere of `radius` around the canonical origin (GHA official: 300 steps),
    /// on random points of the grid's cube, so DMTet starts from a closed surface.
    func pretrainSphere(radius: Float, iterations: Int, learningRate: Float, generator: inout SplitMix64) {
        let pretrain = Adam(groups: [Adam.Group(name: "sdf", parameters: geometry.parameters, learningRate: learningRate)])
        let batch = 4096, h = halfExtent
        for _ in 0..<iterations {
            var points = [Float](repeating: 0, count: 3 * batch), targets = [Float](repeating: 0, count: batch)
            for i in 0..<batch {
                let p = SIMD3<Float>(
                    Float.random(in: -h...h, using: &generator), Float.random(in: -h...h, using: &generator),
                    Float.random(in: -h...h, using: &generator))
                points[3 * i] = p.x
                points[3 * i + 1] = p.y
                points[3 * i + 2] = p.z
                targets[i] = simdLength(p) - radius
            }
            let tape = Tape()
            let out = geometry(Variable(Tensor(shape: [batch, 3], scalars: points)), on: tape)
            let loss = Losses.l2(out.sdf, Variable(Tensor(shape: [batch, 1], scalars: targets)))
            tape.backward(from: loss)
            pretrain.step()
            pretrain.zeroGradients()
        }
        field = nil
    }

    /// The current topology from tape-free SDF values: of the whole grid every
    /// `fullEvaluationInterval` steps (and when `full`), of the narrow band around the last full
    /// evaluation's surface in between — the SDF changes little per step, so signs far from the
    /// surface do not flip, and the band holds most of the grid's cost saving.
    func currentTopology(full: Bool = false) throws -> SurfaceTopology {
        let refreshAll = full || self.field == nil || stepsSinceFullEvaluation >= fullEvaluationInterval
        if refreshAll {
            self.field = geometry.evaluateWithoutTape(grid.vertices)
            stepsSinceFullEvaluation = 0
        } else if !band.isEmpty {
            let values = geometry.evaluateWithoutTape(band.map { grid.vertices[Int($0)] })
            for (k, v) in band.enumerated() {
                self.field!.sdf[Int(v)] = values.sdf[k]
                self.field!.offsets[Int(v)] = values.offsets[k]
            }
        }
        stepsSinceFullEvaluation += 1
        let field = self.field!
        let scale = offsetScale
        let deformed = zip(grid.vertices, field.offsets).map { point, raw in
            point + scale * SIMD3(Foundation.tanh(raw.x), Foundation.tanh(raw.y), Foundation.tanh(raw.z))
        }
        let topology = try SurfaceTopology.extract(grid: grid, positions: deformed, sdf: field.sdf)
        guard topology.vertexCount > 0, !topology.triangles.isEmpty else {
            throw MeshGuidanceError(
                "the SDF has no zero crossing inside the grid (empty surface); the fit diverged or grid_half_extent is too small for the head — raise it or lower the learning rate"
            )
        }
        if refreshAll { band = grid.band(around: topology.sourceVertices, rings: bandRings) }
        return topology
    }

    /// DMTet on the tape: canonical vertices `[M, 3]` and features `[M, F]`, differentiable in the
    /// SDF network through the SDF values, grid offsets and features at the crossed edges' ends.
    func mesh(topology: SurfaceTopology, on tape: Tape?) throws -> (vertices: Variable, features: Variable) {
        let sources = topology.sourceVertices.flatMap { v -> [Float] in
            let p = grid.vertices[Int(v)]
            return [p.x, p.y, p.z]
        }
        let base = Variable(Tensor(shape: [topology.sourceVertices.count, 3], scalars: sources))
        let out = geometry(base, on: tape)
        let positions = base + out.offsets.tanh() * offsetScale
        let surface = try topology.interpolate(positions: positions, sdf: out.sdf, features: out.features)
        return (surface.vertices, surface.features!)
    }
}
