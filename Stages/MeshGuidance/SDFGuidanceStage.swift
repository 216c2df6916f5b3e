import AvatarFlow
import Avatars
import Foundation
import Geometry
import HeadModel
import MediaIO
import Tensors

/// `guidance.sdf-dmtet`: GHA's geometry-guided initialisation (§4.3, eq. 9–14) — an SDF +
/// feature network extracted by DMTet, the expression and pose deformation MLPs and the colour
/// MLPs, fitted to matted multi-view frames and the tracked landmarks; writes a Guidance artifact.
public struct SDFGuidanceStage: Stage {
    /// Parameters; defaults are the CPU preset, the paper's values are in each doc line.
    public struct Parameters: StageParameters {
        @Param("Optimisation steps after the sphere pretraining (CPU preset 2000).", range: 1...10_000_000)
        public var iterations: Int = 2000
        @Param("Steps fitting the SDF to a sphere first (official 300).", range: 0...100_000)
        public var pretrainIterations: Int = 300
        @Param("DMTet grid cells per axis (official 128; CPU preset 48–64).", range: 4...256)
        public var gridResolution: Int = 48
        @Param("Half side of the grid's cube, canonical units (head length ≈ 1).", range: 0.3...4)
        public var gridHalfExtent: Double = 0.7
        @Param("Radius of the pretraining sphere, canonical units.", range: 0.05...2)
        public var sphereRadius: Double = 0.45
        @Param("Longer image side the frames are compared at (official 256; CPU preset 128).", range: 16...4096)
        public var renderSize: Int = 128
        @Param("Views of one frame per step (official 4).", range: 1...64)
        public var viewsPerStep: Int = 4
        @Param("Steps between SDF evaluations of the whole grid; in between only a 4-cell band around the surface (1 = every step, official).", range: 1...1000)
        public var fullEvaluationInterval: Int = 5
        @Param("Hidden width of every MLP (official 256; CPU preset 64).", range: 4...1024)
        public var width: Int = 64
        @Param("Hidden layers of the SDF network (official 5).", range: 1...16)
        public var sdfLayers: Int = 4
        @Param("Per-vertex feature width F (official 128; CPU preset 32).", range: 1...512)
        public var featureWidth: Int = 32
        @Param("Rendered colour channels, the first three RGB (official 32).", range: 3...128)
        public var colorChannels: Int = 32
        @Param("λ_exp = 1 below this distance to the landmarks, canonical units (paper t1 0.15).", range: 0...2)
        public var blendNear: Double = 0.15
        @Param("λ_exp = 0 above this distance (paper t2 0.25).", range: 0...2)
        public var blendFar: Double = 0.25
        @Param("Adam learning rate of the networks (official 1e-3).", name: "lr", range: 0...1)
        public var learningRate: Double = 1e-3
        @Param("Adam learning rate of the canonical landmarks P0 (official 1e-4).", name: "landmark_lr", range: 0...1)
        public var landmarkLearningRate: Double = 1e-4
        @Param("Weight of the RGB L1 on the first three channels (paper 1; official config 0.1).", range: 0...1000)
        public var rgbWeight: Double = 1
        @Param("Weight of the silhouette IoU loss (paper 0.1).", range: 0...1000)
        public var silhouetteWeight: Double = 0.1
        @Param("Weight of the landmark deformation loss, eq. 13 (paper 1).", range: 0...1000)
        public var deformationWeight: Double = 1
        @Param("Weight of the deformation offset regulariser (paper 0.01).", range: 0...1000)
        public var offsetWeight: Double = 0.01
        @Param("Weight of |SDF(P0)| (paper 0.1).", range: 0...1000)
        public var landmarkSDFWeight: Double = 0.1
        @Param(
            "Weight of the mesh Laplacian at the official grid 128 (paper 100); scaled by (grid_resolution/128)² since ‖δ‖² grows with the squared cell size.",
            range: 0...100_000)
        public var laplacianWeight: Double = 100
        @Param(path: "EAvatar's prior head mesh (OBJ or PLY in head-model units), aligned by ICP each step; empty = off.")
        public var priorMesh: String = ""
        @Param("Weight of the prior mesh's centre and scale loss, EAvatar eq. 16–17 (EAvatar 1).", range: 0...1000)
        public var priorWeight: Double = 1
        @Param(
            "HHAvatar's two-part geometry (eq. 14–15): a second SDF for the hair, started as a shell around the head model's scalp; the merged mesh's vertices carry their part (mesh.part), which gaussians.dynamic's hair model uses. Off = GHA."
        )
        public var hairSDF: Bool = false
        @Param("Half thickness of the hair SDF's starting shell around the scalp, canonical units.", range: 0.005...0.5)
        public var hairShell: Double = 0.05
        @Param(
            "HHAvatar's mask weight (eq. 22, paper 0.1): eq. 20's occlusion-aware head/hair mask loss against the `masks` input; needs hair_sdf.",
            range: 0...1000)
        public var lambdaMask: Double = 0
        @Param("Cameras left out of the fit; the held-out silhouette IoU is measured on them.")
        public var heldOutCameras: [String] = []
        @Param(
            "Trailing frames left out of the fit: the self-reenactment test sequence of the avatar trained from this guidance must not shape it.",
            range: 0...1_000_000)
        public var heldOutFrames: Int = 0
        @Param(path: "Head model directory (docs/head-model-format.md); empty = built-in procedural model.")
        public var model: String = ""
        @Param("Seed of the initialisation and view sampling.", range: 0...Int(Int32.max))
        public var seed: Int = 0
        @Param("Steps between checkpoints (resumed after a kill).", range: 1...10_000_000)
        public var checkpointInterval: Int = 250
        @Param("Steps between log lines with the losses and it/s.", range: 1...10_000_000)
        public var logInterval: Int = 100

        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "guidance.sdf-dmtet"
    public static let version = 1
    /// A trainer: several cores for its thread pool, room for its Gaussians or grids, a long time limit
    /// (it checkpoints, so a job ended by the limit resumes in the next one). See docs/slurm.md.
    public static let resources = StageResources(cpus: 4, memoryMiB: 8192, timeMinutes: 12 * 60)
    public static let summary = "GHA mesh guidance: SDF + DMTet mesh with expression/pose deformation and colour MLPs (eq. 9–14)."
    public static let inputs = [
        StagePort("frames", .frameSet, doc: "Matted RGBA frames (RGB over white, A = silhouette) with camera calibrations."),
        StagePort("tracking", .tracking, doc: "Per-frame head-model fit of the same frames (pose, expression, 3D landmarks)."),
        StagePort(
            "prior", .mesh, optional: true,
            doc: "EAvatar's prior head (eq. 16–17; mesh.visual-hull or mesh.load), aligned by ICP each step; unconnected = off (or prior_mesh)."),
        StagePort(
            "masks", .masks, optional: true,
            doc: "Head and hair masks of the same frames (parsing.head-hair or synthetic.region-masks), for lambda_mask > 0 (HHAvatar eq. 20)."),
    ]
    public static let outputs = [
        StagePort("guidance", .guidance, doc: "guidance.json + guidance.safetensors: neutral mesh, features, P0, the four MLPs, the SDF network.")
    ]

    public init() {}

    /// Fits, checkpointing into `context.checkpointDirectory` and resuming from it.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let frameSet = try FrameSet.open(try context.input("frames"))
        let tracking = try HeadTracking.read(from: try context.input("tracking"))
        let modelPath = parameters.model.isEmpty ? "" : context.resolvePath(parameters.model).path
        let model = try AvatarLoader.headModel(HeadModelReference(name: tracking.model, path: modelPath))
        let masks = try context.optionalInput("masks").map { try MaskSet.open($0) }
        if parameters.lambdaMask > 0 {
            guard parameters.hairSDF else {
                throw MeshGuidanceError("lambda_mask \(parameters.lambdaMask) supervises the head and hair parts: set hair_sdf: true, or lambda_mask: 0")
            }
            guard masks != nil else {
                throw MeshGuidanceError(
                    "lambda_mask \(parameters.lambdaMask) needs head and hair masks: connect `masks` (parsing.head-hair or synthetic.region-masks) or set lambda_mask: 0"
                )
            }
        }
        let data = try GuidanceData.load(
            frameSet: frameSet, tracking: tracking, model: model, renderSize: parameters.renderSize,
            heldOutCameras: parameters.heldOutCameras, heldOutFrames: parameters.heldOutFrames,
            masks: parameters.lambdaMask > 0 ? masks : nil)
        var settings = try parameters.settings(expressionWidth: model.expressionCount + 3)
        if parameters.hairSDF {
            let mesh = try HeadHairParts.canonicalMesh(model: model, identity: tracking.identity, space: data.canonicalSpace)
            let scalp = zip(mesh.vertices, mesh.regions).filter { $0.1 == .scalp }.map(\.0)
            guard !scalp.isEmpty else {
                throw MeshGuidanceError(
                    "hair_sdf needs the head model's scalp region to start the hair, but model '\(model.name)' labels no vertex as scalp; set hair_sdf: false")
            }
            settings.hair = HairGeometrySettings(scalp: scalp, shellThickness: Float(parameters.hairShell), maskWeight: Float(parameters.lambdaMask))
            if parameters.lambdaMask == 0 {
                context.warn("hair_sdf without lambda_mask: nothing tells the hair SDF where the hair is; set lambda_mask: 0.1 and connect `masks`")
            }
        }
        if let port = context.optionalInput("prior") {
            guard parameters.priorMesh.isEmpty else {
                throw MeshGuidanceError("both the `prior` input and prior_mesh are given; connect the prior or set prior_mesh, not both")
            }
            let prior = try PriorMeshArtifact.read(from: port)
            settings.priorMesh = TriangleMesh(positions: prior.positions.map(data.canonicalSpace.canonical(fromModel:)), triangles: prior.triangles)
            context.log("prior mesh from the `prior` input: \(prior.vertexCount) vertices, aligned by ICP each step (weight \(parameters.priorWeight))")
        } else if !parameters.priorMesh.isEmpty {
            let prior = try Self.readPriorMesh(context.resolvePath(parameters.priorMesh))
            settings.priorMesh = TriangleMesh(positions: prior.positions.map(data.canonicalSpace.canonical(fromModel:)), triangles: prior.triangles)
            context.log("prior mesh \(parameters.priorMesh): \(prior.vertexCount) vertices, aligned by ICP each step (weight \(parameters.priorWeight))")
        }
        let trainer = try SDFGuidanceTrainer(settings: settings, data: data)
        if let resumed = try trainer.loadCheckpoint(from: context.checkpointDirectory) {
            context.log("resumed from the checkpoint at iteration \(resumed)")
        } else {
            trainer.pretrain()
            context.log("pretrained the SDF to a sphere of radius \(settings.sphereRadius) for \(settings.pretrainIterations) steps")
            if let hair = settings.hair {
                context.log("pretrained the hair SDF to a shell of half thickness \(hair.shellThickness) around \(hair.scalp.count) scalp vertices")
            }
        }
        let loop = TrainingLoop(
            iterations: settings.iterations, logInterval: parameters.logInterval, checkpointInterval: parameters.checkpointInterval,
            checkpointDirectory: context.checkpointDirectory, divergenceAdvice: "lower lr")
        var last: SDFGuidanceTrainer.StepReport?
        let outcome = try loop.run(trainer, progress: { context.reportProgress(completed: $0, total: settings.iterations, unit: "iterations") }) {
            i, reports, rate in
            guard let report = reports.last else { return }
            last = report
            context.reportMetrics(
                [
                    "loss": Double(report.total), "silhouette_loss": Double(report.silhouette), "iterations_per_second": rate,
                    "vertices": Double(report.vertexCount),
                ], completed: i, total: settings.iterations, unit: "iterations")
            context.log(
                String(
                    format:
                        "iteration %d: loss %.4f (rgb %.4f, sil %.4f, def %.4f, offset %.5f, lmk %.4f, lap %.6f, prior %.5f, mask %.4f), %d vertices, %.2f it/s",
                    i, report.total, report.rgb, report.silhouette, report.deformation, report.offset, report.landmarkSDF,
                    report.laplacian, report.prior, report.mask, report.vertexCount, rate))
        }
        let seconds = outcome.seconds
        let mesh = try trainer.extractNeutral()
        var metrics: [String: Double] = ["fit_seconds": seconds, "iterations_run": Double(outcome.steps)]
        let trainingSample = stride(from: 0, to: data.trainingByFrame.count, by: max(1, data.trainingByFrame.count / 4))
            .flatMap { data.trainingByFrame[$0] }
        let training = try trainer.overlap(views: trainingSample, mesh: mesh)
        metrics["training_silhouette_iou"] = training.silhouette
        metrics["training_head_mask_iou"] = training.head
        metrics["training_hair_mask_iou"] = training.hair
        if !data.heldOut.isEmpty {
            let heldOutSample = data.heldOut.filter { $0.frame % max(1, data.frames.count / 4) == 0 }
            metrics["held_out_silhouette_iou"] = try trainer.overlap(views: heldOutSample.isEmpty ? data.heldOut : heldOutSample, mesh: mesh).silhouette
        }
        if settings.hair != nil { metrics["hair_vertices"] = Double(mesh.parts.filter { $0 == 1 }.count) }
        if let head = training.head, let hair = training.hair, let warning = Self.degeneratePartsWarning(headIoU: head, hairIoU: hair) {
            context.warn(warning)
        }
        if let alignment = trainer.priorAlignment {
            metrics["prior_alignment_rms"] = Double(alignment.residual)
        }
        if let last {
            metrics["loss_prior"] = Double(last.prior)
            metrics["loss_rgb"] = Double(last.rgb)
            metrics["loss_silhouette"] = Double(last.silhouette)
            metrics["loss_deformation"] = Double(last.deformation)
            if settings.hair != nil { metrics["loss_mask"] = Double(last.mask) }
        }
        let manifest = GuidanceManifest(
            source: "sdf-dmtet", headModel: HeadModelReference(name: model.name, path: modelPath),
            identity: tracking.identity, scale: tracking.scale, canonicalSpace: data.canonicalSpace,
            blend: settings.blend, networks: settings.networks, metrics: metrics)
        var extras: [String: Tensor] = [:]
        for (name, parameter) in trainer.namedParameters where name.hasPrefix("sdf.") || name.hasPrefix("hair_sdf.") { extras[name] = parameter.value }
        if settings.hair != nil { extras[GuidanceModel.vertexPartsKey] = Tensor(shape: [mesh.parts.count, 1], scalars: mesh.parts.map(Float.init)) }
        let guidance = try GuidanceModel(
            manifest: manifest, vertices: mesh.vertices, faces: mesh.faces, features: mesh.features,
            landmarks: trainer.landmarks.value, networks: trainer.networks, extras: extras)
        try guidance.write(to: try context.output("guidance"))
        try GuidancePictures.write(trainer: trainer, mesh: mesh, to: context.workDirectory.appendingPathComponent("pictures"))
        context.log(
            String(
                format: "done: %d vertices%@, %d faces, training IoU %.4f, held-out IoU %@, %.1f s",
                mesh.vertices.shape[0], settings.hair == nil ? "" : " (\(mesh.parts.filter { $0 == 1 }.count) hair)", mesh.faces.count,
                metrics["training_silhouette_iou"] ?? .nan,
                metrics["held_out_silhouette_iou"].map { String(format: "%.4f", $0) } ?? "n/a", seconds))
    }

    /// A warning when a two-part fit ended with one part all but gone from the training views (mask
    /// IoU below 0.1): the hair SDF swallowed the head or vanished. The fit depends on its start
    /// (docs/hhavatar.md: on the hair-swing capture it ends so in some seeds), and every Gaussian's
    /// part label comes from this mesh, so the avatar trained on it would be wrong.
    static func degeneratePartsWarning(headIoU: Double, hairIoU: Double) -> String? {
        let limit = 0.1
        guard headIoU < limit || hairIoU < limit else { return nil }
        let what = headIoU < limit ? "the hair covers the head" : "the hair has (nearly) vanished"
        return String(
            format:
                "two-part fit failed: %@ (training head-mask IoU %.3f, hair-mask IoU %.3f), so the Gaussians' head/hair labels would be wrong; re-run the guidance with another seed (--set guide.seed=N; docs/hhavatar.md lists seeds tried on the hair-swing capture), or use the one-part guidance (hair_sdf: false, lambda_mask: 0), whose labels come from the head model",
            what, headIoU, hairIoU)
    }

    /// Reads an OBJ or PLY prior mesh.
    static func readPriorMesh(_ url: URL) throws -> TriangleMesh {
        switch url.pathExtension.lowercased() {
        case "obj": return try OBJFormat.read(from: url)
        case "ply": return try PLYFormat.read(from: url)
        default: throw MeshGuidanceError("prior_mesh \(url.path): unknown mesh format '\(url.pathExtension)'; give an .obj or .ply file")
        }
    }
}

extension SDFGuidanceStage.Parameters {
    /// Factor on the Laplacian weight: the uniform Laplacian δ of a DMTet mesh is dominated by its
    /// triangulation's irregularity, which scales with the cell size, so ‖δ‖² scales with its square;
    /// (resolution / 128)² keeps the paper's weight (stated at grid 128) in the same balance.
    static func laplacianScale(gridResolution: Int) -> Float {
        let ratio = Float(gridResolution) / 128
        return ratio * ratio
    }

    /// The trainer settings, after checking the values against each other.
    func settings(expressionWidth: Int) throws -> SDFGuidanceSettings {
        guard blendNear < blendFar else {
            throw MeshGuidanceError("blend_near (\(blendNear)) must be below blend_far (\(blendFar))")
        }
        guard sphereRadius < gridHalfExtent else {
            throw MeshGuidanceError("sphere_radius (\(sphereRadius)) must be below grid_half_extent (\(gridHalfExtent)) so the sphere fits in the grid")
        }
        let networks = DynamicHeadNetworkConfiguration.uniform(
            width: width, featureWidth: featureWidth, colorChannels: colorChannels,
            expressionWidth: expressionWidth)
        return SDFGuidanceSettings(
            iterations: iterations, pretrainIterations: pretrainIterations, gridResolution: gridResolution,
            gridHalfExtent: Float(gridHalfExtent), sphereRadius: Float(sphereRadius), viewsPerStep: viewsPerStep,
            fullEvaluationInterval: fullEvaluationInterval, bandRings: 4,
            geometryHidden: Array(repeating: width, count: sdfLayers), networks: networks,
            blend: ExpressionBlend(near: Float(blendNear), far: Float(blendFar)), learningRate: Float(learningRate),
            landmarkLearningRate: Float(landmarkLearningRate), rgbWeight: Float(rgbWeight), silhouetteWeight: Float(silhouetteWeight),
            deformationWeight: Float(deformationWeight), offsetWeight: Float(offsetWeight), landmarkSDFWeight: Float(landmarkSDFWeight),
            laplacianWeight: Float(laplacianWeight) * Self.laplacianScale(gridResolution: gridResolution), seed: UInt64(seed),
            priorMesh: nil, priorWeight: Float(priorWeight))
    }
}
