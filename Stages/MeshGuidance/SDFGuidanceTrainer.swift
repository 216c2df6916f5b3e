import Avatars
import DifferentiableMesh
import Foundation
import Geometry
import Tensors

/// Fits GHA's mesh guidance model (§4.3, eq. 9–14): an SDF + feature network extracted by DMTet,
/// deformed by the expression and pose MLPs blended by λ_exp, coloured by the two colour MLPs,
/// posed rigidly into each camera and rendered with the differentiable mesh renderer.
final class SDFGuidanceTrainer: CheckpointedTrainer {
    /// Figures of one optimisation step.
    struct StepReport {
        var total: Float
        var rgb: Float
        var silhouette: Float
        var deformation: Float
        var offset: Float
        var landmarkSDF: Float
        var laplacian: Float
        /// EAvatar's prior-mesh loss (0 without a prior).
        var prior: Float
        var vertexCount: Int
    }

    /// The neutral mesh in canonical units.
    struct NeutralMesh {
        var vertices: Tensor
        var faces: [SIMD3<Int32>]
        var features: Tensor
    }

    let settings: SDFGuidanceSettings
    let data: GuidanceData
    /// The SDF network f_sdf on its DMTet grid.
    let surface: SDFSurface
    /// f_sdf (eq. 9).
    var geometry: SDFNetwork { surface.geometry }
    let networks: DynamicHeadNetworks
    let landmarks: Parameter
    let optimizer: Adam
    private(set) var generator: SplitMix64
    private(set) var iteration = 0
    private let renderer = DifferentiableMeshRenderer()
    /// The prior-mesh alignment state (EAvatar), if a prior is given.
    private(set) var priorAlignment: PriorMeshAlignment?

    init(settings: SDFGuidanceSettings, data: GuidanceData) throws {
        self.settings = settings
        self.data = data
        var generator = SplitMix64(seed: settings.seed)
        surface = try SDFSurface(
            resolution: settings.gridResolution, halfExtent: settings.gridHalfExtent, hidden: settings.geometryHidden,
            featureWidth: settings.networks.featureWidth, frequencies: settings.networks.frequencies,
            fullEvaluationInterval: settings.fullEvaluationInterval, bandRings: settings.bandRings, generator: &generator)
        networks = DynamicHeadNetworks(configuration: settings.networks, generator: &generator)
        landmarks = Parameter(data.neutralLandmarks)
        optimizer = Adam(groups: [
            Adam.Group(name: "networks", parameters: surface.geometry.parameters + networks.parameters, learningRate: settings.learningRate),
            Adam.Group(name: "landmarks", parameters: [landmarks], learningRate: settings.landmarkLearningRate),
        ])
        self.generator = generator
        priorAlignment = try settings.priorMesh.map { try PriorMeshAlignment(mesh: $0, seed: settings.seed &+ 1) }
    }

    /// Every parameter by checkpoint name.
    var namedParameters: [(name: String, parameter: Parameter)] {
        geometry.namedParameters.map { ("sdf.\($0.name)", $0.parameter) }
            + networks.namedParameters.map { ("networks.\($0.name)", $0.parameter) } + [("landmarks", landmarks)]
    }

    // MARK: Sphere pretraining and mesh extraction

    /// Fits the SDF to a sphere of `sphereRadius` around the canonical origin (official: 300 steps).
    func pretrainSphere() {
        surface.pretrainSphere(
            radius: settings.sphereRadius, iterations: settings.pretrainIterations, learningRate: settings.learningRate, generator: &generator)
    }

    /// The extracted neutral mesh (no tape), for the artifact.
    func extractNeutral() throws -> NeutralMesh {
        let topology = try surface.currentTopology(full: true)
        let mesh = try surface.mesh(topology: topology, on: nil)
        return NeutralMesh(vertices: mesh.vertices.value, faces: topology.triangles, features: mesh.features.value)
    }

    /// The mesh of `frame` in world units with its 32-channel colours: eq. 3–4 on the vertices, then eq. 6.
    func posedMesh(frame: GuidanceFrame, vertices: Variable, features: Variable, on tape: Tape?)
        -> (world: Variable, colors: Variable, displacement: Variable)
    {
        let lambda = settings.blend.expressionWeights(points: vertices.value, landmarks: landmarks.value)
        let expression = Variable(frame.expression), pose = Variable(frame.pose)
        let displacement = networks.displacement(points: vertices, expression: expression, pose: pose, expressionWeights: lambda, on: tape)
        let colors = networks.color(features: features, expression: expression, pose: pose, expressionWeights: lambda, on: tape)
        return (frame.transform.applyToPoints(vertices + displacement), colors, displacement)
    }

    /// RGB over white `[H, W, 3]` and alpha `[H, W]` of a posed mesh in one view.
    func render(
        world: Variable, colors: Variable, triangles: [SIMD3<Int32>], adjacency: TriangleAdjacency,
        camera: PinholeCamera
    ) throws -> (rgb: Variable, alpha: Variable) {
        let out = try renderer.render(vertices: world, features: colors, triangles: triangles, adjacency: adjacency, camera: camera)
        let h = camera.height, w = camera.width
        let rgb = out.image.slice(0..<3, axis: 2) + (1 - out.alpha.reshaped([h, w, 1]))
        return (rgb, out.alpha)
    }

    // MARK: Optimisation

    /// One step of eq. 14 on a random frame and up to `viewsPerStep` of its training views.
    func step() throws -> StepReport {
        let candidates = data.trainingByFrame.indices.filter { !data.trainingByFrame[$0].isEmpty }
        let frameIndex = candidates[Int.random(in: 0..<candidates.count, using: &generator)]
        let views = Array(data.trainingByFrame[frameIndex].shuffled(using: &generator).prefix(settings.viewsPerStep))
        let frame = data.frames[frameIndex]

        let tape = Tape()
        let topology = try surface.currentTopology()
        let mesh = try surface.mesh(topology: topology, on: tape)
        let posed = posedMesh(frame: frame, vertices: mesh.vertices, features: mesh.features, on: tape)
        let adjacency = TriangleAdjacency(triangles: topology.triangles)
        var rgbLoss = Variable(Tensor(0)), silhouetteLoss = Variable(Tensor(0))
        for view in views {
            let rendered = try render(world: posed.world, colors: posed.colors, triangles: topology.triangles, adjacency: adjacency, camera: view.camera)
            rgbLoss = rgbLoss + Losses.l1(rendered.rgb, Variable(view.rgb)) / Float(views.count)
            silhouetteLoss = silhouetteLoss + Losses.silhouetteIoU(rendered.alpha, Variable(view.alpha)) / Float(views.count)
        }
        let p0 = tape.variable(for: landmarks)
        let predictedLandmarks = p0 + networks.expressionDisplacement(points: p0, expression: Variable(frame.expression), on: tape)
        let deformationLoss = (predictedLandmarks - Variable(frame.landmarks)).norm(axis: 1).mean()
        let offsetLoss = posed.displacement.square().sum(axis: 1).mean()
        let landmarkSDFLoss = geometry(p0, on: tape).sdf.abs().mean()
        let flatTriangles = topology.triangles.flatMap { [$0.x, $0.y, $0.z] }
        let laplacian = try MeshLaplacian(vertexCount: topology.vertexCount, triangleIndices: flatTriangles)
        let laplacianLoss = Losses.laplacianSmoothness(mesh.vertices, laplacian: laplacian)
        var total =
            settings.rgbWeight * rgbLoss + settings.silhouetteWeight * silhouetteLoss + settings.deformationWeight * deformationLoss
            + settings.offsetWeight * offsetLoss + settings.landmarkSDFWeight * landmarkSDFLoss + settings.laplacianWeight * laplacianLoss
        var priorLoss: Float = 0
        if var alignment = priorAlignment {
            let loss = try alignment.loss(vertices: mesh.vertices)
            priorAlignment = alignment
            total = total + settings.priorWeight * loss
            priorLoss = loss.value.scalar
        }
        guard total.value.scalar.isFinite else {
            throw NonFiniteTraining(
                iteration: iteration, what: "the loss is \(total.value.scalar) (rgb \(rgbLoss.value.scalar), silhouette \(silhouetteLoss.value.scalar))")
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
            total: total.value.scalar, rgb: rgbLoss.value.scalar, silhouette: silhouetteLoss.value.scalar,
            deformation: deformationLoss.value.scalar, offset: offsetLoss.value.scalar,
            landmarkSDF: landmarkSDFLoss.value.scalar, laplacian: laplacianLoss.value.scalar, prior: priorLoss,
            vertexCount: topology.vertexCount)
    }

    // MARK: Evaluation

    /// Renders the fitted mesh of `view`'s frame in `view`'s camera (no tape).
    func render(view: GuidanceView, mesh: NeutralMesh, adjacency: TriangleAdjacency) throws -> (rgb: Tensor, alpha: Tensor) {
        let posed = posedMesh(frame: data.frames[view.frame], vertices: Variable(mesh.vertices), features: Variable(mesh.features), on: nil)
        let out = try render(world: posed.world, colors: posed.colors, triangles: mesh.faces, adjacency: adjacency, camera: view.camera)
        return (out.rgb.value, out.alpha.value)
    }

    /// Mean silhouette IoU (alpha > ½) of the fitted mesh over `views`.
    func silhouetteIoU(views: [GuidanceView], mesh: NeutralMesh) throws -> Double {
        guard !views.isEmpty else { return .nan }
        let adjacency = TriangleAdjacency(triangles: mesh.faces)
        var sum = 0.0
        for view in views {
            let alpha = try render(view: view, mesh: mesh, adjacency: adjacency).alpha.scalars
            var intersection = 0, union = 0
            for (a, b) in zip(alpha, view.alpha.scalars) {
                let x = a > 0.5, y = b > 0.5
                if x && y { intersection += 1 }
                if x || y { union += 1 }
            }
            sum += union == 0 ? 1 : Double(intersection) / Double(union)
        }
        return sum / Double(views.count)
    }

    // MARK: Checkpoints

    /// Writes parameters, optimiser state, iteration and RNG state into `directory`.
    func saveCheckpoint(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let named = namedParameters
        var (tensors, metadata) = optimizer.stateTensors(for: named)
        for (name, parameter) in named { tensors[name] = parameter.value }
        metadata["iteration"] = String(iteration)
        metadata["generator"] = String(generator.state)
        try Safetensors.write(tensors, metadata: metadata, to: directory.appendingPathComponent(Self.checkpointFile))
    }

    /// Restores a checkpoint of `saveCheckpoint`; returns its iteration, or nil if there is none.
    func loadCheckpoint(from directory: URL) throws -> Int? {
        let url = directory.appendingPathComponent(Self.checkpointFile)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            let (tensors, metadata) = try Safetensors.read(from: url)
            guard let savedIteration = metadata["iteration"].flatMap(Int.init), let state = metadata["generator"].flatMap(UInt64.init) else {
                throw MeshGuidanceError("\(url.path): the checkpoint lacks its iteration or RNG state")
            }
            for (name, parameter) in namedParameters {
                guard let value = tensors[name], value.shape == parameter.shape else {
                    throw MeshGuidanceError("\(url.path): tensor '\(name)' is missing or has another shape")
                }
                parameter.value = value
            }
            try optimizer.loadState(tensors, metadata: metadata, for: namedParameters)
            iteration = savedIteration
            generator = SplitMix64(seed: state)
            return savedIteration
        } catch {
            throw MeshGuidanceError("\(url.path): cannot resume (\(error)); delete the checkpoint directory to start over")
        }
    }

    static let checkpointFile = "guidance-checkpoint.safetensors"
}
