import AvatarFlow
import Avatars
import Foundation
import Geometry
import HeadModel
import Tensors

/// `guidance.template`: the FLAME-Init ablation (GHA Table 3, GPHM Table 1) — the fitted subject's
/// neutral head-model mesh, midpoint-subdivided k times, with zero features, and the expression
/// deformation MLP fitted to the head model's own expression (and jaw) displacements of the
/// tracked frames. Writes the same Guidance artifact as `guidance.sdf-dmtet`.
public struct TemplateGuidanceStage: Stage {
    /// Parameters.
    public struct Parameters: StageParameters {
        /// Midpoint subdivisions of the template mesh (each ×4 triangles).
        public var subdivisions: Int
        /// Steps fitting f_def^exp to the model's expression displacements.
        public var iterations: Int
        /// Vertices sampled per step.
        public var batchVertices: Int
        /// Hidden width of every MLP (official 256).
        public var width: Int
        /// Per-vertex feature width F (official 128).
        public var featureWidth: Int
        /// Rendered colour channels (official 32).
        public var colorChannels: Int
        /// λ_exp threshold t1, canonical units (paper 0.15).
        public var blendNear: Double
        /// λ_exp threshold t2, canonical units (paper 0.25).
        public var blendFar: Double
        /// Adam learning rate.
        public var learningRate: Double
        /// Head model directory; empty for the built-in procedural model.
        public var model: String
        /// Seed of the initialisation and the sampling.
        public var seed: Int

        enum CodingKeys: String, CodingKey {
            case subdivisions, iterations, width, model, seed
            case batchVertices = "batch_vertices"
            case featureWidth = "feature_width"
            case colorChannels = "color_channels"
            case blendNear = "blend_near"
            case blendFar = "blend_far"
            case learningRate = "lr"
        }

        /// The schema.
        public static let fields: [ParameterField] = [
            .int("subdivisions", 1, range: 0...4, doc: "Midpoint subdivisions of the template mesh (each quadruples the triangles)."),
            .int("iterations", 500, range: 0...1_000_000, doc: "Steps fitting the expression deformation MLP to the model's expression displacements."),
            .int("batch_vertices", 4096, range: 1...1_000_000, doc: "Vertices sampled per fitting step."),
            .int("width", 64, range: 4...1024, doc: "Hidden width of every MLP (official 256; CPU preset 64)."),
            .int("feature_width", 32, range: 1...512, doc: "Per-vertex feature width F, all zero (official 128; CPU preset 32)."),
            .int("color_channels", 32, range: 3...128, doc: "Rendered colour channels, the first three RGB (official 32)."),
            .double("blend_near", 0.15, range: 0...2, doc: "λ_exp = 1 below this distance to the landmarks, canonical units (paper t1 0.15)."),
            .double("blend_far", 0.25, range: 0...2, doc: "λ_exp = 0 above this distance (paper t2 0.25)."),
            .double("lr", 1e-3, range: 0...1, doc: "Adam learning rate of the expression deformation MLP."),
            .path("model", "", doc: "Head model directory (docs/head-model-format.md); empty = built-in procedural model."),
            .int("seed", 0, range: 0...Int(Int32.max), doc: "Seed of the initialisation and sampling."),
        ]
    }

    /// The stage id.
    public static let id = "guidance.template"
    /// Output version.
    public static let version = 1
    /// One line.
    public static let summary = "FLAME-Init ablation: the subdivided neutral head-model mesh as guidance, f_def^exp fitted to the model's expressions."
    /// Inputs.
    public static let inputs = [StagePort("tracking", .tracking, doc: "Per-frame head-model fit (identity, expressions, jaw).")]
    /// Outputs.
    public static let outputs = [StagePort("guidance", .guidance, doc: "guidance.json + guidance.safetensors (source \"template\").")]

    /// Creates the stage.
    public init() {}

    /// Builds the template guidance.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        guard parameters.blendNear < parameters.blendFar else {
            throw MeshGuidanceError("blend_near (\(parameters.blendNear)) must be below blend_far (\(parameters.blendFar))")
        }
        let tracking = try HeadTracking.read(from: try context.input("tracking"))
        let modelPath = parameters.model.isEmpty ? "" : context.resolvePath(parameters.model).path
        let model = try AvatarLoader.headModel(HeadModelReference(name: tracking.model, path: modelPath))
        let template = try TemplateGuidance.build(model: model, tracking: tracking, subdivisions: parameters.subdivisions)
        let configuration = DynamicHeadNetworkConfiguration.uniform(
            width: parameters.width, featureWidth: parameters.featureWidth,
            colorChannels: parameters.colorChannels,
            expressionWidth: model.expressionCount + 3)
        var generator = SplitMix64(seed: UInt64(parameters.seed))
        let networks = DynamicHeadNetworks(configuration: configuration, generator: &generator)
        let residual = template.fitExpressionDeformation(
            networks: networks, iterations: parameters.iterations,
            batch: parameters.batchVertices, learningRate: Float(parameters.learningRate),
            generator: &generator)
        context.log(
            String(
                format: "template: %d vertices, %d faces; f_def^exp fitted to %d frames, RMS residual %.5f canonical units",
                template.vertices.count, template.faces.count, template.conditions.count, residual))
        let blend = ExpressionBlend(near: Float(parameters.blendNear), far: Float(parameters.blendFar))
        let manifest = GuidanceManifest(
            source: "template", headModel: HeadModelReference(name: model.name, path: modelPath),
            identity: tracking.identity, scale: tracking.scale, canonicalSpace: template.space,
            blend: blend, networks: configuration, metrics: ["expression_fit_rms": Double(residual)])
        let guidance = try GuidanceModel(
            manifest: manifest, vertices: Tensor(shape: [template.vertices.count, 3], scalars: template.vertices.flatMap { [$0.x, $0.y, $0.z] }),
            faces: template.faces, features: Tensor(zeros: [template.vertices.count, configuration.featureWidth]),
            landmarks: Tensor(shape: [template.landmarks.count, 3], scalars: template.landmarks.flatMap { [$0.x, $0.y, $0.z] }),
            networks: networks)
        try guidance.write(to: try context.output("guidance"))
    }
}

/// The subdivided neutral template in canonical units with, per tracked frame, the expression
/// condition θ and the head model's displacement of every vertex under that expression and jaw.
struct TemplateGuidance {
    var space: CanonicalHeadSpace
    var vertices: [SIMD3<Float>]
    var faces: [SIMD3<Int32>]
    var landmarks: [SIMD3<Float>]
    var conditions: [[Float]]
    /// `[frames][vertices]` canonical displacements.
    var displacements: [[SIMD3<Float>]]

    static func build(model: HeadModel, tracking: HeadTracking, subdivisions: Int) throws -> TemplateGuidance {
        guard !tracking.frames.isEmpty else {
            throw MeshGuidanceError("the tracking has no frames; guidance.template needs the tracked expressions")
        }
        let space = try CanonicalHeadSpace.of(tracking: tracking, model: model)
        let identity = tracking.identity.map(Float.init)
        let neutral = try model.shapedVertices(identity: identity, expression: [Float](repeating: 0, count: model.expressionCount))
        let jaw = model.jointIndex("jaw")
        var frameDisplacements: [Float] = []
        var conditions: [[Float]] = []
        var perVertex = [[Float]](repeating: [], count: neutral.count)
        for frame in tracking.frames {
            var rotations = [SIMD3<Float>](repeating: .zero, count: model.jointCount)
            if let jaw { rotations[jaw] = SIMD3(frame.jaw.map(Float.init)) }
            let posed = try model.evaluate(
                identity: identity, expression: frame.expression.map(Float.init),
                pose: HeadPose(jointRotations: rotations)
            ).vertices
            for v in neutral.indices {
                let d = (posed[v] - neutral[v]) / Float(space.length)
                perVertex[v].append(contentsOf: [d.x, d.y, d.z])
            }
            conditions.append(CanonicalHeadSpace.expressionCondition(of: frame))
        }
        frameDisplacements = perVertex.flatMap { $0 }
        var mesh = TriangleMesh(
            positions: neutral.map(space.canonical(fromModel:)), triangles: model.triangles,
            attributes: ["displacement": VertexAttribute(channels: 3 * tracking.frames.count, values: frameDisplacements)])
        for _ in 0..<subdivisions { mesh = mesh.subdividedAtMidpoints() }
        let values = mesh.attributes["displacement"]!.values, channels = 3 * tracking.frames.count
        let displacements = (0..<tracking.frames.count).map { f in
            (0..<mesh.vertexCount).map { v in SIMD3(values[v * channels + 3 * f], values[v * channels + 3 * f + 1], values[v * channels + 3 * f + 2]) }
        }
        return TemplateGuidance(
            space: space, vertices: mesh.positions, faces: mesh.triangles,
            landmarks: model.landmarkPositions(vertices: neutral).map(space.canonical(fromModel:)),
            conditions: conditions, displacements: displacements)
    }

    /// Fits f_def^exp(x, θ_f) to the displacements by mean squared error on random frames and
    /// vertex batches; returns the RMS residual over every frame and vertex afterwards.
    func fitExpressionDeformation(
        networks: DynamicHeadNetworks, iterations: Int, batch: Int, learningRate: Float,
        generator: inout SplitMix64
    ) -> Float {
        let optimizer = Adam(groups: [Adam.Group(name: "exp_deform", parameters: networks.expressionDeformation.parameters, learningRate: learningRate)])
        let n = min(batch, vertices.count)
        for _ in 0..<iterations {
            let f = Int.random(in: 0..<conditions.count, using: &generator)
            let indices = (0..<n).map { _ in Int.random(in: 0..<vertices.count, using: &generator) }
            let tape = Tape()
            let predicted = networks.expressionDisplacement(points: Variable(points(indices)), expression: Variable(condition(f)), on: tape)
            let target = Tensor(
                shape: [n, 3],
                scalars: indices.flatMap { i -> [Float] in
                    let d = displacements[f][i]
                    return [d.x, d.y, d.z]
                })
            tape.backward(from: Losses.l2(predicted, Variable(target)))
            optimizer.step()
            optimizer.zeroGradients()
        }
        var squared = 0.0
        let all = Array(vertices.indices)
        for f in conditions.indices {
            let predicted = networks.expressionDisplacement(points: Variable(points(all)), expression: Variable(condition(f)), on: nil).value.scalars
            for v in all.indices {
                let d = displacements[f][v]
                let e = SIMD3(predicted[3 * v], predicted[3 * v + 1], predicted[3 * v + 2]) - d
                squared += Double((e * e).sum())
            }
        }
        return Float((squared / Double(max(1, conditions.count * vertices.count))).squareRoot())
    }

    private func points(_ indices: [Int]) -> Tensor {
        Tensor(shape: [indices.count, 3], scalars: indices.flatMap { [vertices[$0].x, vertices[$0].y, vertices[$0].z] })
    }

    private func condition(_ frame: Int) -> Tensor {
        Tensor(shape: [1, conditions[frame].count], scalars: conditions[frame])
    }
}
