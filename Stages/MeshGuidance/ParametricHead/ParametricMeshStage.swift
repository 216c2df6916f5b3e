import AvatarFlow
import Avatars
import DifferentiableMesh
import Foundation
import Geometry
import MediaIO
import Tensors

/// `gphm.train-mesh`: GPHM's stage 1 (§3.2, eq. 1–2 and 5–9) — the guiding mesh model trained on
/// a population: a mean-shape SDF f_mean extracted by DMTet, identity and expression displacements
/// and 32-channel colours from auto-decoded codes (f_inj, f_id, f_exp, f_col), the upsampler Ψ ×2
/// and learnable landmarks P0; writes a ParametricHeadModel (stage "mesh").
public struct ParametricMeshStage: Stage {
    /// Parameters; defaults are the 2-core preset, the paper's values (where it states them) in each doc line.
    public struct Parameters: StageParameters {
        @Param("Optimisation steps after the sphere pretraining (paper: not stated).", range: 1...10_000_000)
        public var iterations: Int = 800
        @Param("Steps fitting f_mean's SDF to a sphere first (GHA official 300).", range: 0...100_000)
        public var pretrainIterations: Int = 200
        @Param("DMTet grid cells per axis (paper: not stated; GHA 128).", range: 4...256)
        public var gridResolution: Int = 32
        @Param("Half side of the grid's cube, canonical units.", range: 0.3...4)
        public var gridHalfExtent: Double = 0.7
        @Param("Radius of the pretraining sphere, canonical units.", range: 0.05...2)
        public var sphereRadius: Double = 0.45
        @Param("Canonical units per metre of the population's world space (4: a 25 cm head is one unit).", range: 0.1...100)
        public var unitsPerMetre: Double = 4
        @Param("Views of one frame per step.", range: 1...64)
        public var viewsPerStep: Int = 2
        @Param("Steps between SDF evaluations of the whole grid; in between only a band around the surface.", range: 1...1000)
        public var fullEvaluationInterval: Int = 5
        @Param("Hidden width of f_mean (paper: not stated).", range: 4...1024)
        public var meanWidth: Int = 64
        @Param("Hidden layers of f_mean.", range: 1...16)
        public var meanLayers: Int = 4
        @Param("Dimension of the identity codes z^id (paper: not stated).", range: 1...1024)
        public var identityWidth: Int = 16
        @Param("Dimension of the expression codes z^exp (paper: not stated).", range: 1...1024)
        public var expressionWidth: Int = 16
        @Param("Width of the per-point features Γ (paper: not stated).", range: 1...512)
        public var featureWidth: Int = 32
        @Param("Width of the injected feature H = f_inj(z^id, Γ).", range: 1...512)
        public var injectedWidth: Int = 32
        @Param("Hidden width of the tiny MLPs f_inj, f_id, f_exp, f_col (one hidden layer each).", range: 1...1024)
        public var mlpWidth: Int = 64
        @Param("Rendered colour channels, the first three RGB (paper 32).", range: 3...128)
        public var colorChannels: Int = 32
        @Param("Channels of Ψ's two convolution blocks (paper: not stated).", range: 1...512)
        public var upsamplerWidth: Int = 32
        @Param("Standard deviation of the initial codes (auto-decoder, DeepSDF 0.01).", range: 0...10)
        public var codeStandardDeviation: Double = 0.01
        @Param("Adam learning rate of the networks and Ψ (paper: not stated).", name: "lr", range: 0...1)
        public var learningRate: Double = 1e-3
        @Param("Adam learning rate of the codes (paper: not stated).", name: "code_lr", range: 0...1)
        public var codeLearningRate: Double = 1e-3
        @Param("Adam learning rate of P0 (GHA official 1e-4).", name: "landmark_lr", range: 0...1)
        public var landmarkLearningRate: Double = 1e-4
        @Param("Weight of L_hr, the L1 of Ψ's output (paper 1).", range: 0...1000)
        public var highWeight: Double = 1
        @Param("Weight of L_sil = 1 − IoU (paper 0.1).", range: 0...1000)
        public var silhouetteWeight: Double = 0.1
        @Param("Weight of L_lr, the L1 of the map's RGB at half size (paper 0.1).", range: 0...1000)
        public var lowWeight: Double = 0.1
        @Param("Weight of L_lmk, the mean landmark distance in canonical units (paper 0.1).", range: 0...1000)
        public var landmarkWeight: Double = 0.1
        @Param("Weight of L_reg, eq. 8 (paper 0.001).", range: 0...1000)
        public var regularizerWeight: Double = 0.001
        @Param("Weight of L_lap at grid 128 (paper 100), scaled by (grid_resolution/128)² as guidance.sdf-dmtet does.", range: 0...100_000)
        public var laplacianWeight: Double = 100
        @Param("Train on the first N training subjects only (0 = all).", range: 0...10_000)
        public var maximumSubjects: Int = 0
        @Param("Use the first N cameras of each subject only (0 = all).", range: 0...64)
        public var maximumCameras: Int = 0
        @Param("Seed of the initialisation and frame sampling.", range: 0...Int(Int32.max))
        public var seed: Int = 0
        @Param("Steps between checkpoints (resumed after a kill).", range: 1...10_000_000)
        public var checkpointInterval: Int = 250
        @Param("Steps between log lines with the losses and it/s.", range: 1...10_000_000)
        public var logInterval: Int = 50

        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "gphm.train-mesh"
    public static let version = 1
    /// A trainer: several cores, room for the population's views in memory, a long time limit (it checkpoints).
    public static let resources = StageResources(cpus: 4, memoryMiB: 8192, timeMinutes: 12 * 60)
    public static let summary = "GPHM stage 1: mean-shape SDF + DMTet mesh with identity/expression codes, f_inj/f_id/f_exp/f_col, Ψ ×2 (eq. 1–2, 5–9)."
    public static let inputs = [
        StagePort("population", .population, doc: "A population (synthetic.population): training subjects × training expressions × cameras.")
    ]
    public static let outputs = [
        StagePort(
            "model", .parametricHead,
            doc: "parametric-head.json + .safetensors: mean mesh V0 and Γ, P0, networks, Ψ, identity and expression code tables (stage \"mesh\").")
    ]

    public init() {}

    /// Trains, checkpointing into `context.checkpointDirectory` and resuming from it.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let population = try Population.open(try context.input("population"))
        let data = try PopulationTrainingData.load(
            population: population, unitsPerMetre: Float(parameters.unitsPerMetre), maximumSubjects: parameters.maximumSubjects,
            maximumCameras: parameters.maximumCameras)
        context.log(
            "population: \(data.subjects.count) training subjects, \(data.frames.count) frames, \(data.frames.first?.views.count ?? 0) views each at \(data.highSize)"
        )
        let settings = try parameters.settings()
        let trainer = try ParametricMeshTrainer(settings: settings, data: data)
        if let resumed = try trainer.loadCheckpoint(from: context.checkpointDirectory) {
            context.log("resumed from the checkpoint at iteration \(resumed)")
        } else {
            trainer.pretrainSphere()
        }
        let initial = try trainer.evaluate(mesh: try trainer.extractMean(), stride: max(1, data.frames.count / 4))
        let loop = TrainingLoop(
            iterations: settings.iterations, logInterval: parameters.logInterval, checkpointInterval: parameters.checkpointInterval,
            checkpointDirectory: context.checkpointDirectory, divergenceAdvice: "lower lr")
        var last: ParametricMeshTrainer.StepReport?
        let outcome = try loop.run(trainer, progress: { context.reportProgress(completed: $0, total: settings.iterations, unit: "iterations") }) {
            i, reports, rate in
            guard let report = reports.last else { return }
            last = report
            context.reportMetrics(
                ["loss": Double(report.total), "silhouette_loss": Double(report.silhouette), "iterations_per_second": rate],
                completed: i, total: settings.iterations, unit: "iterations")
            context.log(
                String(
                    format: "iteration %d: loss %.4f (hr %.4f, sil %.4f, lr %.4f, lmk %.4f, reg %.5f, lap %.6f), %d vertices, %.2f it/s",
                    i, report.total, report.high, report.silhouette, report.low, report.landmark, report.regularizer, report.laplacian,
                    report.vertexCount, rate))
        }
        let mesh = try trainer.extractMean()
        let final = try trainer.evaluate(mesh: mesh, stride: max(1, data.frames.count / 4))
        var metrics: [String: Double] = [
            "fit_seconds": outcome.seconds, "iterations_run": Double(outcome.steps), "initial_silhouette_iou": initial.iou,
            "initial_psnr": initial.psnr, "training_silhouette_iou": final.iou, "training_psnr": final.psnr,
        ]
        if let last {
            metrics["loss_total"] = Double(last.total)
            metrics["loss_hr"] = Double(last.high)
            metrics["loss_landmark"] = Double(last.landmark)
        }
        let landmarkFeatures = trainer.surface.geometry(Variable(trainer.landmarks.value), on: nil).features.value
        var extras: [String: Tensor] = [:]
        for (name, parameter) in trainer.surface.geometry.namedParameters { extras["sdf.\(name)"] = parameter.value }
        let model = try ParametricHeadModel(
            manifest: ParametricHeadManifest(
                stage: "mesh", configuration: settings.configuration, upsampler: settings.upsampler, unitsPerMetre: parameters.unitsPerMetre,
                metrics: metrics),
            vertices: mesh.vertices, faces: mesh.faces, features: mesh.features, landmarks: trainer.landmarks.value,
            landmarkFeatures: landmarkFeatures, networks: trainer.networks, identities: trainer.identities, expressions: trainer.expressions,
            upsampler: trainer.upsampler, extras: extras)
        try model.write(to: try context.output("model"))
        try ParametricMeshPictures.writeGrid(trainer: trainer, mesh: mesh, to: context.workDirectory.appendingPathComponent("pictures"))
        context.log(
            String(
                format: "done: %d vertices, training IoU %.4f → %.4f, PSNR %.2f → %.2f dB (every ~4th frame, all its views), %.1f s",
                mesh.vertices.shape[0], initial.iou, final.iou, initial.psnr, final.psnr, outcome.seconds))
    }
}

extension ParametricMeshStage.Parameters {
    /// The trainer settings.
    func settings() throws -> ParametricMeshSettings {
        guard sphereRadius < gridHalfExtent else {
            throw MeshGuidanceError("sphere_radius (\(sphereRadius)) must be below grid_half_extent (\(gridHalfExtent)) so the sphere fits in the grid")
        }
        let configuration = ParametricHeadConfiguration(
            identityWidth: identityWidth, expressionWidth: expressionWidth, featureWidth: featureWidth, injectedWidth: injectedWidth,
            colorChannels: colorChannels, injectionHidden: [mlpWidth], identityHidden: [mlpWidth], expressionHidden: [mlpWidth],
            colorHidden: [mlpWidth], deformationScale: 0.3, codeStandardDeviation: Float(codeStandardDeviation))
        return ParametricMeshSettings(
            iterations: iterations, pretrainIterations: pretrainIterations, gridResolution: gridResolution, gridHalfExtent: Float(gridHalfExtent),
            sphereRadius: Float(sphereRadius), viewsPerStep: viewsPerStep, fullEvaluationInterval: fullEvaluationInterval,
            meanHidden: Array(repeating: meanWidth, count: meanLayers), frequencies: 4, configuration: configuration,
            upsampler: SuperResolutionConfiguration(factor: 2, inputChannels: colorChannels, widths: [upsamplerWidth, upsamplerWidth]),
            learningRate: Float(learningRate), codeLearningRate: Float(codeLearningRate), landmarkLearningRate: Float(landmarkLearningRate),
            highWeight: Float(highWeight), silhouetteWeight: Float(silhouetteWeight), lowWeight: Float(lowWeight),
            landmarkWeight: Float(landmarkWeight), regularizerWeight: Float(regularizerWeight),
            laplacianWeight: Float(laplacianWeight) * SDFGuidanceStage.Parameters.laplacianScale(gridResolution: gridResolution),
            seed: UInt64(seed))
    }
}
