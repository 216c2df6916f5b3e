import AvatarFlow
import Avatars
import Foundation
import HeadModel
import MediaIO
import Tensors

/// `gphm.train-gaussians`: GPHM's stage 2 (§3.3, eq. 3–4 and 10) — the Gaussian model initialised
/// from stage 1 (X0 = V0, Γ0 = Γ, networks, codes and Ψ inherited, f_att new, S0/Q0/A0 as 3DGS)
/// and trained on the same population; or, with `initialization: template`, Table 1's ablation
/// (points on the head model's template, everything else random). Writes a ParametricHeadModel
/// of stage "gaussians".
public struct ParametricGaussianStage: Stage {
    /// Parameters; defaults are the 2-core preset, the paper's values (where stated) in each doc line.
    public struct Parameters: StageParameters {
        /// Allowed values of `initialization`.
        public enum Initialization: String, ParameterChoice {
            /// From stage 1's guiding mesh model (the paper's "Our Init").
            case mesh
            /// Table 1's ablation: points on the head model's template, networks and codes random.
            case template
        }

        @Param("Optimisation steps (paper: not stated).", range: 1...10_000_000)
        public var iterations: Int = 800
        @Param("mesh: from stage 1 (paper); template: Table 1's ablation (points on the head-model template, networks random).")
        public var initialization: Initialization = .mesh
        @Param("Points sampled on the template for initialization: template (paper's FLAME variant 100,000).", range: 2...10_000_000)
        public var templatePoints: Int = 4000
        @Param("Views of one frame per step.", range: 1...64)
        public var viewsPerStep: Int = 2
        @Param("Hidden width of f_att's one hidden layer.", range: 1...1024)
        public var attributeWidth: Int = 64
        @Param("Adam learning rate of the networks, f_att and Ψ (paper: not stated).", name: "lr", range: 0...1)
        public var networkLearningRate: Double = 1e-3
        @Param("Adam learning rate of the codes.", name: "code_lr", range: 0...1)
        public var codeLearningRate: Double = 1e-3
        @Param("Adam learning rate of X0, canonical units (3DGS 1.6e-4 × extent).", name: "position_lr", range: 0...1)
        public var positionLearningRate: Double = 1e-4
        @Param("Adam learning rate of Γ0 and the landmarks' features.", name: "feature_lr", range: 0...1)
        public var featureLearningRate: Double = 1e-3
        @Param("Adam learning rate of S0 (3DGS 5e-3).", name: "scale_lr", range: 0...1)
        public var scaleLearningRate: Double = 5e-3
        @Param("Adam learning rate of Q0 (3DGS 1e-3).", name: "rotation_lr", range: 0...1)
        public var rotationLearningRate: Double = 1e-3
        @Param("Adam learning rate of A0 (3DGS 5e-2).", name: "opacity_lr", range: 0...1)
        public var opacityLearningRate: Double = 5e-2
        @Param("Adam learning rate of P0.", name: "landmark_lr", range: 0...1)
        public var landmarkLearningRate: Double = 1e-4
        @Param("Weight of L_hr (paper 1).", range: 0...1000)
        public var highWeight: Double = 1
        @Param(
            "Perceptual term: D-SSIM (default; VGG weights are not shipped), vgg (LPIPS-style VGG16 with vgg_weights; paper) or none.")
        public var perceptual: DynamicGaussiansStage.Parameters.Perceptual = .dssim
        @Param(path: "For perceptual: vgg, a safetensors file of torchvision vgg16 `features` weights (docs/gaussian-head-avatar.md).")
        public var vggWeights: String = ""
        @Param("Weight of the perceptual term (paper λ_vgg 0.1).", range: 0...1000)
        public var perceptualWeight: Double = 0.1
        @Param("Weight of L_lr (paper 0.1).", range: 0...1000)
        public var lowWeight: Double = 0.1
        @Param("Weight of L_lmk (paper 0.1).", range: 0...1000)
        public var landmarkWeight: Double = 0.1
        @Param("Weight of L_reg, eq. 8 (paper 0.001).", range: 0...1000)
        public var regularizerWeight: Double = 0.001
        @Param("Train on the first N training subjects only (0 = all); must match gphm.train-mesh.", range: 0...10_000)
        public var maximumSubjects: Int = 0
        @Param("Use the first N cameras of each subject only (0 = all).", range: 0...64)
        public var maximumCameras: Int = 0
        @Param("Seed of f_att's initialisation and frame sampling.", range: 0...Int(Int32.max))
        public var seed: Int = 0
        @Param("Steps between checkpoints (resumed after a kill).", range: 1...10_000_000)
        public var checkpointInterval: Int = 250
        @Param("Steps between log lines with the losses and it/s.", range: 1...10_000_000)
        public var logInterval: Int = 50

        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "gphm.train-gaussians"
    public static let version = 1
    /// A trainer: several cores, room for the population's views, a long time limit (it checkpoints).
    public static let resources = StageResources(cpus: 4, memoryMiB: 8192, timeMinutes: 12 * 60)
    public static let summary = "GPHM stage 2: Gaussians initialised from the guiding mesh model (or the template ablation), eq. 3–4 and 10."
    public static let inputs = [
        StagePort("population", .population, doc: "The population gphm.train-mesh was trained on."),
        StagePort(
            "model", .parametricHead,
            doc: "gphm.train-mesh's ParametricHeadModel (stage \"mesh\"); for initialization: template only its sizes and names are used."),
    ]
    public static let outputs = [
        StagePort("model", .parametricHead, doc: "The ParametricHeadModel of stage \"gaussians\": the inherited parts plus gaussians.* and attributes.*.")
    ]

    public init() {}

    /// Trains, checkpointing into `context.checkpointDirectory` and resuming from it.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let populationURL = try context.input("population")
        let population = try Population.open(populationURL)
        let stage1 = try ParametricHeadModel.read(from: try context.input("model"))
        guard stage1.manifest.stage == "mesh" else {
            throw DynamicGaussiansError("the `model` input is of stage '\(stage1.manifest.stage)'; connect the output of gphm.train-mesh")
        }
        let data = try PopulationTrainingData.load(
            population: population, unitsPerMetre: Float(stage1.manifest.unitsPerMetre), maximumSubjects: parameters.maximumSubjects,
            maximumCameras: parameters.maximumCameras)
        var generator = SplitMix64(seed: UInt64(parameters.seed))
        let model: ParametricGaussianModel
        switch parameters.initialization {
        case .mesh:
            model = try ParametricGaussianModel(inheriting: stage1, attributeHidden: [parameters.attributeWidth], generator: &generator)
        case .template:
            let template = try Self.template(population: population, unitsPerMetre: Float(stage1.manifest.unitsPerMetre))
            model = try ParametricTemplateInitialization.model(
                configuration: stage1.networks.configuration, upsampler: stage1.upsampler.configuration, unitsPerMetre: stage1.manifest.unitsPerMetre,
                vertices: template.vertices, faces: template.faces, pointCount: parameters.templatePoints, identityNames: stage1.identities.names,
                expressionNames: stage1.expressions.names, landmarks: data.meanLandmarks, attributeHidden: [parameters.attributeWidth],
                generator: &generator)
        }
        context.log("\(parameters.initialization.rawValue) initialisation: \(model.count) Gaussians")
        let settings = ParametricGaussianSettings(
            iterations: parameters.iterations, viewsPerStep: parameters.viewsPerStep, networkLearningRate: Float(parameters.networkLearningRate),
            codeLearningRate: Float(parameters.codeLearningRate), positionLearningRate: Float(parameters.positionLearningRate),
            featureLearningRate: Float(parameters.featureLearningRate), scaleLearningRate: Float(parameters.scaleLearningRate),
            rotationLearningRate: Float(parameters.rotationLearningRate), opacityLearningRate: Float(parameters.opacityLearningRate),
            landmarkLearningRate: Float(parameters.landmarkLearningRate), highWeight: Float(parameters.highWeight),
            perceptualWeight: Float(parameters.perceptualWeight), lowWeight: Float(parameters.lowWeight),
            landmarkWeight: Float(parameters.landmarkWeight), regularizerWeight: Float(parameters.regularizerWeight),
            perceptual: try DynamicGaussiansStage.perceptualTerm(choice: parameters.perceptual, vggWeights: parameters.vggWeights, context: context),
            seed: UInt64(parameters.seed) &+ 1)
        let trainer = try ParametricGaussianTrainer(settings: settings, data: data, model: model)
        if let resumed = try trainer.loadCheckpoint(from: context.checkpointDirectory) {
            context.log("resumed from the checkpoint at iteration \(resumed)")
        }
        let stride = max(1, data.frames.count / 4)
        let initial = try trainer.evaluate(stride: stride)
        let loop = TrainingLoop(
            iterations: settings.iterations, logInterval: parameters.logInterval, checkpointInterval: parameters.checkpointInterval,
            checkpointDirectory: context.checkpointDirectory, divergenceAdvice: "lower lr")
        let outcome = try loop.run(trainer, progress: { context.reportProgress(completed: $0, total: settings.iterations, unit: "iterations") }) {
            i, reports, rate in
            guard let report = reports.last else { return }
            let psnr = reports.map(\.psnr).reduce(0, +) / Double(reports.count)
            context.reportMetrics(
                ["loss": Double(report.total), "psnr": psnr, "iterations_per_second": rate], completed: i, total: settings.iterations, unit: "iterations")
            context.log(
                String(
                    format: "iteration %d: loss %.4f (hr %.4f, perceptual %.4f, lr %.4f, lmk %.4f, reg %.5f), PSNR %.2f dB, %.2f it/s", i, report.total,
                    report.high, report.perceptual, report.low, report.landmark, report.regularizer, psnr, rate))
        }
        let final = try trainer.evaluate(stride: stride)
        let metrics: [String: Double] = [
            "fit_seconds": outcome.seconds, "iterations_run": Double(outcome.steps), "gaussians": Double(model.count), "initial_psnr": initial.psnr,
            "training_psnr": final.psnr, "training_ssim": final.ssim,
        ]
        try model.artifact(metrics: metrics).write(to: try context.output("model"))
        context.log(
            String(
                format: "done: %d Gaussians, training PSNR %.2f → %.2f dB, SSIM %.4f (every ~4th frame, all its views), %.1f s", model.count,
                initial.psnr, final.psnr, final.ssim, outcome.seconds))
    }

    /// The head model's template (the first training subject's `groundtruth/head_model`) in canonical units.
    static func template(population: Population, unitsPerMetre: Float) throws -> (vertices: [SIMD3<Float>], faces: [SIMD3<Int32>]) {
        guard let subject = population.trainingSubjects.first else {
            throw DynamicGaussiansError("\(population.directory.path): the population has no training subject")
        }
        let directory = population.captureDirectory(of: subject).appendingPathComponent("groundtruth/head_model")
        let model: HeadModel
        do {
            model = try HeadModelFormat.read(from: directory)
        } catch {
            throw DynamicGaussiansError("\(directory.path): cannot read the head model for initialization: template (\(error)); re-run synthetic.population")
        }
        let t = model.templateVertices
        let vertices = Swift.stride(from: 0, to: t.count - 2, by: 3).map { SIMD3(t[$0], t[$0 + 1], t[$0 + 2]) * unitsPerMetre }
        return (vertices, model.triangles)
    }
}
