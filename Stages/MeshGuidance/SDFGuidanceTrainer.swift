import Avatars
import DifferentiableMesh
import Foundation
import Geometry
import Tensors

/// Fits GHA's mesh guidance model (§4.3, eq. 9–14): an SDF + feature network extracted by DMTet,
/// deformed by the expression and pose MLPs blended by λ_exp, coloured by the two colour MLPs,
/// posed rigidly into each camera and rendered with the differentiable mesh renderer. With
/// `settings.hair` it fits HHAvatar's two-part geometry (§3.3, eq. 14–22): a head and a hair SDF,
/// each extracted by DMTet, merged into one mesh whose vertices carry their part, with the
/// occlusion-aware mask loss of eq. 20–21.
final class SDFGuidanceTrainer: AdamCheckpointedTrainer {
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
        /// HHAvatar's mask loss of eq. 20 (0 without the hair part).
        var mask: Float
        var vertexCount: Int
    }

    /// The neutral mesh in canonical units.
    struct NeutralMesh {
        var vertices: Tensor
        var faces: [SIMD3<Int32>]
        var features: Tensor
        /// Per vertex, its part: 0 head, 1 hair.
        var parts: [Int32]
    }

    let settings: SDFGuidanceSettings
    let data: GuidanceData
    /// The head surface (f_sdf, eq. 9), then the hair surface with `settings.hair`.
    let surfaces: [SDFSurface]
    let networks: DynamicHeadNetworks
    let landmarks: Parameter
    let optimizer: Adam
    var generator: SplitMix64
    var iteration = 0
    private let renderer = DifferentiableMeshRenderer()
    /// The prior-mesh alignment state (EAvatar), if a prior is given.
    private(set) var priorAlignment: PriorMeshAlignment?

    init(settings: SDFGuidanceSettings, data: GuidanceData) throws {
        self.settings = settings
        self.data = data
        var generator = SplitMix64(seed: settings.seed)
        func surface() throws -> SDFSurface {
            try SDFSurface(
                resolution: settings.gridResolution, halfExtent: settings.gridHalfExtent, hidden: settings.geometryHidden,
                featureWidth: settings.networks.featureWidth, frequencies: settings.networks.frequencies,
                fullEvaluationInterval: settings.fullEvaluationInterval, bandRings: settings.bandRings, generator: &generator)
        }
        let head = try surface()
        networks = DynamicHeadNetworks(configuration: settings.networks, generator: &generator)
        surfaces = [head] + (settings.hair == nil ? [] : [try surface()])
        landmarks = Parameter(data.neutralLandmarks)
        optimizer = Adam(groups: [
            Adam.Group(
                name: "networks", parameters: surfaces.flatMap(\.geometry.parameters) + networks.parameters, learningRate: settings.learningRate),
            Adam.Group(name: "landmarks", parameters: [landmarks], learningRate: settings.landmarkLearningRate),
        ])
        self.generator = generator
        priorAlignment = try settings.priorMesh.map { try PriorMeshAlignment(mesh: $0, seed: settings.seed &+ 1) }
    }

    /// The head SDF network (GHA's only one).
    var geometry: SDFNetwork { surfaces[0].geometry }

    /// Every parameter by checkpoint name (the hair SDF's as `hair_sdf.*`).
    var namedParameters: [(name: String, parameter: Parameter)] {
        geometry.namedParameters.map { ("sdf.\($0.name)", $0.parameter) }
            + surfaces.dropFirst().flatMap { surface in surface.geometry.namedParameters.map { ("hair_sdf.\($0.name)", $0.parameter) } }
            + networks.namedParameters.map { ("networks.\($0.name)", $0.parameter) } + [("landmarks", landmarks)]
    }

    // MARK: Pretraining

    /// Fits the head SDF to a sphere of `sphereRadius` around the canonical origin (official: 300
    /// steps), and the hair SDF to a shell of half thickness `shellThickness` around the head
    /// model's scalp, so DMTet starts from closed surfaces and the hair covers the scalp.
    func pretrain() {
        surfaces[0].pretrainSphere(
            radius: settings.sphereRadius, iterations: settings.pretrainIterations, learningRate: settings.learningRate, generator: &generator)
        if let hair = settings.hair, surfaces.count > 1 {
            let scalp = KDTree(points: hair.scalp)
            surfaces[1].pretrain(
                to: { point in scalp.nearest(to: point, k: 1)[0].squaredDistance.squareRoot() - hair.shellThickness },
                iterations: settings.pretrainIterations, learningRate: settings.learningRate, generator: &generator)
        }
    }

    // MARK: Mesh extraction

    /// The current merged topology (`SDFSurface.currentTopology` of the head, `topologyIfAny` of the hair: it may vanish).
    /// - Throws: `MeshGuidanceError` when the head surface is empty.
    func currentTopology(full: Bool = false) throws -> GuidanceTopology {
        let head = try surfaces[0].currentTopology(full: full)
        return GuidanceTopology(parts: [head] + (try surfaces.dropFirst().map { try $0.topologyIfAny(full: full) }))
    }

    /// DMTet on the tape: the merged canonical neutral vertices `[M, 3]` and features `[M, F]`.
    func neutralMesh(topology: GuidanceTopology, on tape: Tape?) throws -> (vertices: Variable, features: Variable) {
        let meshes = try zip(surfaces, topology.parts).compactMap { surface, part in try part.map { try surface.mesh(topology: $0, on: tape) } }
        guard meshes.count > 1 else { return meshes[0] }
        return (Variable.concat(meshes.map(\.vertices), axis: 0), Variable.concat(meshes.map(\.features), axis: 0))
    }

    /// The extracted neutral mesh (no tape), for the artifact.
    func extractNeutral() throws -> NeutralMesh {
        let topology = try currentTopology(full: true)
        let mesh = try neutralMesh(topology: topology, on: nil)
        return NeutralMesh(vertices: mesh.vertices.value, faces: topology.triangles, features: mesh.features.value, parts: topology.vertexParts)
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

    /// RGB over white `[H, W, 3]`, alpha `[H, W]` and, with `parts` (per vertex 0 head, 1 hair), the
    /// visible head and hair coverage `[H, W, 2]` of a posed mesh in one view: the z-buffer shows the
    /// nearer part, so the head channel is eq. 21's (1 − M_o)·M'_head and the hair channel M_o·M'_hair.
    func render(
        world: Variable, colors: Variable, triangles: [SIMD3<Int32>], adjacency: TriangleAdjacency,
        camera: PinholeCamera, parts: [Int32]? = nil
    ) throws -> (rgb: Variable, alpha: Variable, parts: Variable?) {
        let channels = colors.shape[1]
        let features = parts.map { parts in
            Variable.concat([colors, Variable(Tensor(shape: [parts.count, 2], scalars: parts.flatMap { $0 == 0 ? [Float(1), 0] : [0, 1] }))], axis: 1)
        }
        let out = try renderer.render(vertices: world, features: features ?? colors, triangles: triangles, adjacency: adjacency, camera: camera)
        let h = camera.height, w = camera.width
        let rgb = out.image.slice(0..<3, axis: 2) + (1 - out.alpha.reshaped([h, w, 1]))
        return (rgb, out.alpha, parts == nil ? nil : out.image.slice(channels..<(channels + 2), axis: 2))
    }

    /// Eq. 20: IoU loss of the visible head coverage against the head mask plus that of the visible
    /// hair coverage against the hair mask, for rendered and target `[H, W, 2]` (head, hair).
    static func maskLoss(rendered: Variable, target: Tensor) -> Variable {
        let targets = Variable(target)
        return Losses.silhouetteIoU(rendered.slice(0..<1, axis: 2), targets.slice(0..<1, axis: 2))
            + Losses.silhouetteIoU(rendered.slice(1..<2, axis: 2), targets.slice(1..<2, axis: 2))
    }

    // MARK: Optimisation

    /// One step of eq. 14 on a random frame and up to `viewsPerStep` of its training views.
    func step() throws -> StepReport {
        let candidates = data.trainingByFrame.indices.filter { !data.trainingByFrame[$0].isEmpty }
        let frameIndex = candidates[Int.random(in: 0..<candidates.count, using: &generator)]
        let views = Array(data.trainingByFrame[frameIndex].shuffled(using: &generator).prefix(settings.viewsPerStep))
        let frame = data.frames[frameIndex]

        let tape = Tape()
        let topology = try currentTopology()
        let mesh = try neutralMesh(topology: topology, on: tape)
        let posed = posedMesh(frame: frame, vertices: mesh.vertices, features: mesh.features, on: tape)
        let adjacency = TriangleAdjacency(triangles: topology.triangles)
        var rgbLoss = Variable(Tensor(0)), silhouetteLoss = Variable(Tensor(0)), maskLoss = Variable(Tensor(0))
        let maskWeight = settings.hair?.maskWeight ?? 0
        for view in views {
            let partTarget = maskWeight > 0 ? view.parts : nil
            let rendered = try render(
                world: posed.world, colors: posed.colors, triangles: topology.triangles, adjacency: adjacency, camera: view.camera,
                parts: partTarget == nil ? nil : topology.vertexParts)
            rgbLoss = rgbLoss + Losses.l1(rendered.rgb, Variable(view.rgb)) / Float(views.count)
            silhouetteLoss = silhouetteLoss + Losses.silhouetteIoU(rendered.alpha, Variable(view.alpha)) / Float(views.count)
            if let partTarget, let parts = rendered.parts {
                maskLoss = maskLoss + Self.maskLoss(rendered: parts, target: partTarget) / Float(views.count)
            }
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
            + maskWeight * maskLoss
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
            mask: maskLoss.value.scalar, vertexCount: topology.vertexCount)
    }

    // MARK: Evaluation

    /// Renders the fitted mesh of `view`'s frame in `view`'s camera (no tape).
    func render(view: GuidanceView, mesh: NeutralMesh, adjacency: TriangleAdjacency) throws -> (rgb: Tensor, alpha: Tensor, parts: Tensor?) {
        let posed = posedMesh(frame: data.frames[view.frame], vertices: Variable(mesh.vertices), features: Variable(mesh.features), on: nil)
        let out = try render(
            world: posed.world, colors: posed.colors, triangles: mesh.faces, adjacency: adjacency, camera: view.camera,
            parts: surfaces.count > 1 ? mesh.parts : nil)
        return (out.rgb.value, out.alpha.value, out.parts?.value)
    }

    /// Mean IoUs (coverage > ½) over `views`, each rendered once: the silhouette against the matte
    /// and, for two-part fits of views with part masks, the visible head and hair against them (nil
    /// when no view has them).
    func overlap(views: [GuidanceView], mesh: NeutralMesh) throws -> (silhouette: Double, head: Double?, hair: Double?) {
        guard !views.isEmpty else { return (.nan, nil, nil) }
        let adjacency = TriangleAdjacency(triangles: mesh.faces)
        var silhouette = 0.0, parts = [0.0, 0.0], partViews = 0
        for view in views {
            let rendered = try render(view: view, mesh: mesh, adjacency: adjacency)
            silhouette += Self.thresholdedIoU(rendered.alpha.scalars, view.alpha.scalars)
            guard let target = view.parts?.scalars, let visible = rendered.parts?.scalars else { continue }
            partViews += 1
            for part in 0..<2 {
                parts[part] += Self.thresholdedIoU(
                    stride(from: part, to: visible.count, by: 2).map { visible[$0] }, stride(from: part, to: target.count, by: 2).map { target[$0] })
            }
        }
        let count = Double(views.count)
        guard partViews > 0 else { return (silhouette / count, nil, nil) }
        return (silhouette / count, parts[0] / Double(partViews), parts[1] / Double(partViews))
    }

    /// IoU of the pixels above ½ in `a` and in `b` (1 when both are empty).
    static func thresholdedIoU(_ a: [Float], _ b: [Float]) -> Double {
        var intersection = 0, union = 0
        for (x, y) in zip(a, b) {
            if x > 0.5 && y > 0.5 { intersection += 1 }
            if x > 0.5 || y > 0.5 { union += 1 }
        }
        return union == 0 ? 1 : Double(intersection) / Double(union)
    }

    // MARK: Checkpoints

}
