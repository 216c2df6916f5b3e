import Avatars
import DifferentiableMesh
import Foundation
import Geometry
import Tensors

/// Resolved settings of GPHM's stage 1 (§3.2, eq. 1–2, 5–9); see `ParametricMeshStage.Parameters`.
struct ParametricMeshSettings {
    var iterations: Int
    var pretrainIterations: Int
    var gridResolution: Int
    /// Half side of the tetrahedral grid's cube, canonical units.
    var gridHalfExtent: Float
    /// Radius of the sphere the SDF is pretrained to, canonical units.
    var sphereRadius: Float
    var viewsPerStep: Int
    var fullEvaluationInterval: Int
    /// Hidden widths of f_mean.
    var meanHidden: [Int]
    /// Octaves of f_mean's positional encoding.
    var frequencies: Int
    var configuration: ParametricHeadConfiguration
    var upsampler: SuperResolutionConfiguration
    /// Adam learning rate of the networks and Ψ.
    var learningRate: Float
    /// Adam learning rate of the identity and expression codes.
    var codeLearningRate: Float
    /// Adam learning rate of P0.
    var landmarkLearningRate: Float
    /// Eq. 9 weights.
    var highWeight: Float
    var silhouetteWeight: Float
    var lowWeight: Float
    var landmarkWeight: Float
    var regularizerWeight: Float
    /// λ_lap after the grid-size scaling (see `SDFGuidanceStage.Parameters.laplacianScale`).
    var laplacianWeight: Float
    var seed: UInt64
}

/// Fits GPHM's guiding mesh model (stage 1) to a population: the mean-shape SDF f_mean extracted
/// by DMTet (eq. 1), displaced per identity and expression and coloured by f_inj/f_id/f_exp/f_col
/// (eq. 2), rasterised to a 32-channel map at half size and upsampled by Ψ (eq. 5–6), with the
/// landmark (eq. 7), displacement (eq. 8) and Laplacian terms — eq. 9 over all codes and networks.
final class ParametricMeshTrainer: AdamCheckpointedTrainer {
    /// Figures of one optimisation step (the eq. 9 terms before weighting).
    struct StepReport {
        var total: Float
        var high: Float
        var silhouette: Float
        var low: Float
        var landmark: Float
        var regularizer: Float
        var laplacian: Float
        var vertexCount: Int
    }

    /// A rendered view: RGB over white at half size `[h, w, 3]`, alpha `[h, w]`, Ψ's output `[1, 3, H, W]`.
    struct Rendering {
        var low: Variable
        var alpha: Variable
        var high: Variable
    }

    let settings: ParametricMeshSettings
    let data: PopulationTrainingData
    /// f_mean on its DMTet grid.
    let surface: SDFSurface
    let networks: ParametricHeadNetworks
    let identities: LatentCodeTable
    let expressions: LatentCodeTable
    let upsampler: SuperResolutionNetwork
    /// P0, canonical units.
    let landmarks: Parameter
    let optimizer: Adam
    var generator: SplitMix64
    var iteration = 0
    private let renderer = DifferentiableMeshRenderer()

    init(settings: ParametricMeshSettings, data: PopulationTrainingData) throws {
        try settings.configuration.validate()
        self.settings = settings
        self.data = data
        var generator = SplitMix64(seed: settings.seed)
        surface = try SDFSurface(
            resolution: settings.gridResolution, halfExtent: settings.gridHalfExtent, hidden: settings.meanHidden,
            featureWidth: settings.configuration.featureWidth, frequencies: settings.frequencies,
            fullEvaluationInterval: settings.fullEvaluationInterval, bandRings: 4, generator: &generator)
        networks = ParametricHeadNetworks(configuration: settings.configuration, generator: &generator)
        identities = try LatentCodeTable(
            names: data.subjects, width: settings.configuration.identityWidth,
            standardDeviation: settings.configuration.codeStandardDeviation, generator: &generator)
        expressions = try LatentCodeTable(
            names: data.expressionNames, width: settings.configuration.expressionWidth,
            standardDeviation: settings.configuration.codeStandardDeviation, generator: &generator)
        upsampler = try SuperResolutionNetwork(configuration: settings.upsampler, generator: &generator)
        landmarks = Parameter(data.meanLandmarks)
        optimizer = Adam(groups: [
            Adam.Group(
                name: "networks", parameters: surface.geometry.parameters + networks.parameters + upsampler.parameters,
                learningRate: settings.learningRate),
            Adam.Group(name: "codes", parameters: [identities.codes, expressions.codes], learningRate: settings.codeLearningRate),
            Adam.Group(name: "landmarks", parameters: [landmarks], learningRate: settings.landmarkLearningRate),
        ])
        self.generator = generator
    }

    /// Every parameter by checkpoint name.
    var namedParameters: [(name: String, parameter: Parameter)] {
        surface.geometry.namedParameters.map { ("sdf.\($0.name)", $0.parameter) }
            + networks.namedParameters.map { ("networks.\($0.name)", $0.parameter) }
            + upsampler.namedParameters.map { ("upsampler.\($0.name)", $0.parameter) }
            + [("codes.identity", identities.codes), ("codes.expression", expressions.codes), ("landmarks", landmarks)]
    }

    /// Fits f_mean's SDF to a sphere first, so DMTet starts from a closed surface.
    func pretrainSphere() {
        surface.pretrainSphere(
            radius: settings.sphereRadius, iterations: settings.pretrainIterations, learningRate: settings.learningRate, generator: &generator)
    }

    /// Eq. 2 for `frame`: the displaced canonical mesh, its colours and the network outputs.
    func deform(frame: PopulationFrame, vertices: Variable, features: Variable, on tape: Tape?) -> ParametricHeadOutput {
        networks(
            features: features, identity: identities.code(frame.subject, on: tape), expression: expressions.code(frame.expression, on: tape),
            on: tape)
    }

    /// Renders canonical `vertices` with `colors` in `view`: the 32-channel map over white (1 in
    /// every channel outside the mesh) at half size, its RGB, and Ψ's upsampled RGB.
    func render(
        canonical vertices: Variable, colors: Variable, triangles: [SIMD3<Int32>], adjacency: TriangleAdjacency, view: PopulationView,
        on tape: Tape?
    ) throws -> Rendering {
        let world = vertices * (1 / data.unitsPerMetre)
        let out = try renderer.render(vertices: world, features: colors, triangles: triangles, adjacency: adjacency, camera: view.lowCamera)
        let h = view.lowCamera.height, w = view.lowCamera.width, c = colors.shape[1]
        let map = out.image + (1 - out.alpha.reshaped([h, w, 1]))
        let high = upsampler(map.permuted([2, 0, 1]).reshaped([1, c, h, w]), on: tape)
        return Rendering(low: map.slice(0..<3, axis: 2), alpha: out.alpha, high: high)
    }

    /// One step of eq. 9 on a random training frame and up to `viewsPerStep` of its views.
    func step() throws -> StepReport {
        let frame = data.frames[Int.random(in: 0..<data.frames.count, using: &generator)]
        let views = Array(frame.views.shuffled(using: &generator).prefix(settings.viewsPerStep))
        let tape = Tape()
        let topology = try surface.currentTopology()
        let mesh = try surface.mesh(topology: topology, on: tape)
        let out = deform(frame: frame, vertices: mesh.vertices, features: mesh.features, on: tape)
        let canonical = out.canonicalPositions(base: mesh.vertices)
        let adjacency = TriangleAdjacency(triangles: topology.triangles)
        var high = Variable(Tensor(0)), low = Variable(Tensor(0)), silhouette = Variable(Tensor(0))
        for view in views {
            let r = try render(canonical: canonical, colors: out.colors, triangles: topology.triangles, adjacency: adjacency, view: view, on: tape)
            let share = 1 / Float(views.count)
            high = high + Losses.l1(r.high, Variable(view.high)) * share
            low = low + Losses.l1(r.low, Variable(view.low)) * share
            silhouette = silhouette + Losses.silhouetteIoU(r.alpha, Variable(view.lowMask)) * share
        }
        let p0 = tape.variable(for: landmarks)
        let landmarkOut = deform(frame: frame, vertices: p0, features: surface.geometry(p0, on: tape).features, on: tape)
        let landmark = ParametricHeadLosses.landmarkDistance(landmarkOut.canonicalPositions(base: p0), Variable(frame.landmarks))
        let regularizer = ParametricHeadLosses.displacementRegularizer(out)
        let laplacianMatrix = try MeshLaplacian(vertexCount: topology.vertexCount, triangleIndices: topology.triangles.flatMap { [$0.x, $0.y, $0.z] })
        let laplacian = Losses.laplacianSmoothness(canonical, laplacian: laplacianMatrix)
        let total =
            settings.highWeight * high + settings.silhouetteWeight * silhouette + settings.lowWeight * low + settings.landmarkWeight * landmark
            + settings.regularizerWeight * regularizer + settings.laplacianWeight * laplacian
        guard total.value.scalar.isFinite else {
            throw NonFiniteTraining(iteration: iteration, what: "the loss is \(total.value.scalar) (hr \(high.value.scalar), sil \(silhouette.value.scalar))")
        }
        tape.backward(from: total)
        for (name, parameter) in namedParameters {
            if let gradient = parameter.gradient, gradient.scalars.contains(where: { !$0.isFinite }) {
                throw NonFiniteTraining(iteration: iteration, what: "the gradient of \(name) is not finite")
            }
        }
        optimizer.step()
        optimizer.zeroGradients()
        iteration += 1
        return StepReport(
            total: total.value.scalar, high: high.value.scalar, silhouette: silhouette.value.scalar, low: low.value.scalar,
            landmark: landmark.value.scalar, regularizer: regularizer.value.scalar, laplacian: laplacian.value.scalar,
            vertexCount: topology.vertexCount)
    }

    // MARK: Evaluation and export

    /// The mean-shape mesh V0 with features Γ (no tape).
    func extractMean() throws -> (vertices: Tensor, faces: [SIMD3<Int32>], features: Tensor) {
        let topology = try surface.currentTopology(full: true)
        let mesh = try surface.mesh(topology: topology, on: nil)
        return (mesh.vertices.value, topology.triangles, mesh.features.value)
    }

    /// Renders identity code row `identity` with expression code row `expression` in `view` (no tape).
    func render(
        identity: Int, expression: Int, view: PopulationView, mesh: (vertices: Tensor, faces: [SIMD3<Int32>], features: Tensor),
        adjacency: TriangleAdjacency
    ) throws -> Rendering {
        let out = networks(
            features: Variable(mesh.features), identity: identities.code(identity, on: nil), expression: expressions.code(expression, on: nil),
            on: nil)
        return try render(
            canonical: out.canonicalPositions(base: Variable(mesh.vertices)), colors: out.colors, triangles: mesh.faces, adjacency: adjacency,
            view: view, on: nil)
    }

    /// Mean silhouette IoU (alpha > ½ against the matte > ½) and mean PSNR of Ψ's output over
    /// every `stride`-th training frame's views.
    func evaluate(mesh: (vertices: Tensor, faces: [SIMD3<Int32>], features: Tensor), stride: Int) throws -> (iou: Double, psnr: Double) {
        let adjacency = TriangleAdjacency(triangles: mesh.faces)
        var iou = 0.0, psnr = 0.0, count = 0
        for frame in Swift.stride(from: 0, to: data.frames.count, by: max(1, stride)).map({ data.frames[$0] }) {
            for view in frame.views {
                let r = try render(identity: frame.subject, expression: frame.expression, view: view, mesh: mesh, adjacency: adjacency)
                var intersection = 0, union = 0
                for (a, b) in zip(r.alpha.value.scalars, view.lowMask.scalars) {
                    if a > 0.5 && b > 0.5 { intersection += 1 }
                    if a > 0.5 || b > 0.5 { union += 1 }
                }
                iou += union == 0 ? 1 : Double(intersection) / Double(union)
                psnr += ImageQuality.psnr(r.high.value.scalars, view.high.scalars)
                count += 1
            }
        }
        return (iou / Double(max(count, 1)), psnr / Double(max(count, 1)))
    }

    // MARK: Checkpoints

}
