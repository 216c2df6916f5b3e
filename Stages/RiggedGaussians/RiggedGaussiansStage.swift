import AvatarFlow
import Avatars
import Foundation
import HeadModel
import MediaIO
import Splatting
import Tensors

/// `gaussians.rigged`: trains a GaussianAvatars avatar (Qian et al., CVPR 2024) — 3D Gaussians
/// rigged to the triangles of the tracked head model — from matted multi-view frames.
public struct RiggedGaussiansStage: Stage {
    /// Parameters; defaults are the CPU preset, the paper's values are in each doc line.
    public struct Parameters: StageParameters {
        /// Optimisation steps (paper: 600 000).
        public var iterations: Int
        /// Seed of the initial colours, view sampling and split samples.
        public var seed: Int
        /// Head model directory; empty for the built-in procedural model (must match the tracking's model).
        public var model: String
        /// Initial position learning rate, local units (paper: 5e-3).
        public var positionLR: Double
        /// Final position learning rate after exponential decay (paper: 5e-5).
        public var positionLRFinal: Double
        /// SH coefficient learning rate (paper: 2.5e-3).
        public var featureLR: Double
        /// Opacity learning rate (paper: 0.05).
        public var opacityLR: Double
        /// Log-scale learning rate (paper: 0.017).
        public var scalingLR: Double
        /// Rotation learning rate (paper: 1e-3).
        public var rotationLR: Double
        /// Per-frame translation fine-tuning learning rate (paper: 1e-6).
        public var translationLR: Double
        /// Per-frame head and jaw rotation fine-tuning learning rate (paper: 1e-5).
        public var poseLR: Double
        /// Per-frame expression coefficient fine-tuning learning rate (paper: 1e-3).
        public var expressionLR: Double
        /// Fine-tune each frame's head rotation, translation, jaw rotation and expression jointly with the Gaussians.
        public var finetuneTracking: Bool
        /// Final SH degree (paper: 3).
        public var shDegree: Int
        /// Steps between SH degree increases (3DGS: 1000).
        public var shIncreaseInterval: Int
        /// Adaptive density control on/off (ablation "w/o density control" turns it off).
        public var densityControl: Bool
        /// First densification step (paper: 10 000).
        public var densifyStart: Int
        /// Last densification step (paper: 600 000).
        public var densifyUntil: Int
        /// Steps between densifications (paper: 2000).
        public var densifyInterval: Int
        /// View-space gradient threshold (paper: 2e-4).
        public var densifyGradThreshold: Double
        /// Clone/split size boundary as a fraction of the scene extent (paper: 0.01).
        public var percentDense: Double
        /// Steps between opacity resets (paper: 60 000); 0 disables.
        public var opacityResetInterval: Int
        /// Upper bound on the Gaussian count; training stops with an error above it.
        public var maxGaussians: Int
        /// λ of the D-SSIM term (paper: 0.2).
        public var lambdaDSSIM: Double
        /// Weight of the position loss (paper: 0.01).
        public var positionLossWeight: Double
        /// Threshold of the position loss, local units (paper: 1).
        public var positionThreshold: Double
        /// Weight of the scaling loss (paper: 1).
        public var scaleLossWeight: Double
        /// Threshold of the scaling loss, local units (paper: 0.6; 0 = the "w/o threshold" ablation).
        public var scaleThreshold: Double
        /// Cameras held out of training for novel-view validation.
        public var heldOutCameras: [String]
        /// Trailing frames held out of training (self-reenactment test sequence).
        public var heldOutFrames: Int
        /// Train against a white background (paper: yes); otherwise black.
        public var whiteBackground: Bool
        /// Steps between checkpoints.
        public var checkpointInterval: Int
        /// Steps between log lines (loss, PSNR, it/s).
        public var logInterval: Int
        /// Frames whose posed Gaussians are exported as 3DGS PLY files (with a `binding` property).
        public var exportPLYFrames: [Int]
        /// One rasteriser thread: bit-reproducible runs and bit-exact resumes, at about half the speed on 2 cores.
        public var deterministic: Bool

        enum CodingKeys: String, CodingKey {
            case iterations, seed, model
            case positionLR = "position_lr"
            case positionLRFinal = "position_lr_final"
            case featureLR = "feature_lr"
            case opacityLR = "opacity_lr"
            case scalingLR = "scaling_lr"
            case rotationLR = "rotation_lr"
            case translationLR = "translation_lr"
            case poseLR = "pose_lr"
            case expressionLR = "expression_lr"
            case finetuneTracking = "finetune_tracking"
            case shDegree = "sh_degree"
            case shIncreaseInterval = "sh_increase_interval"
            case densityControl = "density_control"
            case densifyStart = "densify_start"
            case densifyUntil = "densify_until"
            case densifyInterval = "densify_interval"
            case densifyGradThreshold = "densify_grad_threshold"
            case percentDense = "percent_dense"
            case opacityResetInterval = "opacity_reset_interval"
            case maxGaussians = "max_gaussians"
            case lambdaDSSIM = "lambda_dssim"
            case positionLossWeight = "position_loss_weight"
            case positionThreshold = "position_threshold"
            case scaleLossWeight = "scale_loss_weight"
            case scaleThreshold = "scale_threshold"
            case heldOutCameras = "held_out_cameras"
            case heldOutFrames = "held_out_frames"
            case whiteBackground = "white_background"
            case checkpointInterval = "checkpoint_interval"
            case logInterval = "log_interval"
            case exportPLYFrames = "export_ply_frames"
            case deterministic
        }

        /// The schema (CPU preset defaults; paper values in the docs).
        public static let fields: [ParameterField] = [
            .int("iterations", 2000, range: 1...10_000_000, doc: "Optimisation steps (paper: 600000; CPU preset 2000)."),
            .int("seed", 0, range: 0...Int(Int32.max), doc: "Seed of initial colours, view sampling and split samples."),
            .path("model", "", doc: "Head model directory (docs/head-model-format.md); empty = built-in procedural model."),
            .double("position_lr", 5e-3, range: 0...1, doc: "Initial position learning rate in triangle-local units (paper: 5e-3)."),
            .double("position_lr_final", 5e-5, range: 0...1, doc: "Position learning rate at the last step, exponential decay (paper: 5e-5)."),
            .double("feature_lr", 2.5e-3, range: 0...1, doc: "SH coefficient learning rate (paper: 2.5e-3)."),
            .double("opacity_lr", 0.05, range: 0...1, doc: "Opacity learning rate (paper: 0.05)."),
            .double("scaling_lr", 0.017, range: 0...1, doc: "Log-scale learning rate (paper: 0.017)."),
            .double("rotation_lr", 1e-3, range: 0...1, doc: "Rotation learning rate (paper: 1e-3)."),
            .double("translation_lr", 1e-6, range: 0...1, doc: "Per-frame translation fine-tuning learning rate, world units (paper: 1e-6)."),
            .double("pose_lr", 1e-5, range: 0...1, doc: "Per-frame head and jaw rotation fine-tuning learning rate, radians (paper: 1e-5)."),
            .double("expression_lr", 1e-3, range: 0...1, doc: "Per-frame expression coefficient fine-tuning learning rate (paper: 1e-3)."),
            .bool(
                "finetune_tracking", true,
                doc: "Jointly fine-tune each frame's head rotation, translation, jaw rotation and expression (paper: yes; off = \"w/o FLAME ft.\")."),
            .int("sh_degree", 3, range: 0...3, doc: "Final spherical-harmonics degree (paper: 3)."),
            .int("sh_increase_interval", 500, range: 1...1_000_000, doc: "Steps between SH degree increases (3DGS: 1000)."),
            .bool("density_control", true, doc: "Adaptive density control with binding inheritance (off = Table 2 ablation)."),
            .int("densify_start", 300, range: 0...10_000_000, doc: "First densification step (paper: 10000)."),
            .int("densify_until", 1500, range: 0...10_000_000, doc: "Last densification step (paper: 600000)."),
            .int("densify_interval", 100, range: 1...1_000_000, doc: "Steps between densifications (paper: 2000)."),
            .double("densify_grad_threshold", 2e-4, range: 0...1, doc: "Average view-space gradient norm that triggers densification (paper: 2e-4)."),
            .double("percent_dense", 0.01, range: 0...1, doc: "Clone/split boundary as a fraction of the scene extent (paper: 0.01)."),
            .int("opacity_reset_interval", 1000, range: 0...10_000_000, doc: "Steps between opacity resets, 0 = never (paper: 60000)."),
            .int("max_gaussians", 100_000, range: 1...10_000_000, doc: "Stop with an error if density control exceeds this many Gaussians."),
            .double("lambda_dssim", 0.2, range: 0...1, doc: "λ in (1−λ)·L1 + λ·D-SSIM (paper: 0.2)."),
            .double("position_loss_weight", 0.01, range: 0...1000, doc: "Weight of mean relu(‖μ_local‖ − threshold) (paper: 0.01)."),
            .double("position_threshold", 1, range: 0...1000, doc: "Position loss threshold, triangle-local units (paper: 1)."),
            .double("scale_loss_weight", 1, range: 0...1000, doc: "Weight of mean ‖relu(s_local − threshold)‖ (paper: 1)."),
            .double("scale_threshold", 0.6, range: 0...1000, doc: "Scaling loss threshold, triangle-local units (paper: 0.6; 0 = w/o threshold ablation)."),
            .stringList("held_out_cameras", [], doc: "Cameras excluded from training, used for novel-view validation (paper: one camera)."),
            .int("held_out_frames", 0, range: 0...1_000_000, doc: "Trailing frames excluded from training (self-reenactment test sequence)."),
            .bool("white_background", true, doc: "Composite targets and renders over white (paper: white); off = black."),
            .int("checkpoint_interval", 500, range: 1...10_000_000, doc: "Steps between checkpoints (resumed after a kill)."),
            .int("log_interval", 100, range: 1...10_000_000, doc: "Steps between log lines with loss, PSNR and it/s."),
            .intList("export_ply_frames", [0], range: 0...1_000_000, doc: "Frames whose posed Gaussians are exported as 3DGS PLY (ply/frame_XXXXXX.ply)."),
            .bool(
                "deterministic", false,
                doc: "One rasteriser thread: bit-reproducible training and bit-exact resume (slower); otherwise gradient sums vary in the last bits."),
        ]
    }

    /// The stage id.
    public static let id = "gaussians.rigged"
    /// Output version.
    public static let version = 2
    /// One line.
    public static let summary = "GaussianAvatars: Gaussians rigged to head-model triangles, densified with binding inheritance."
    /// Inputs.
    public static let inputs = [
        StagePort("frames", .frameSet, doc: "Matted RGBA frames with camera calibrations."),
        StagePort("tracking", .tracking, doc: "Per-frame head-model fit of the same frames."),
    ]
    /// Outputs.
    public static let outputs = [
        StagePort("avatar", .avatar, doc: "avatar.json + gaussians.safetensors (family gaussian-avatars), training.json, ply/."),
        StagePort("tracking", .tracking, doc: "The input tracking with the fine-tuned per-frame head rotations, translations, jaw rotations and expressions."),
    ]

    /// Creates the stage.
    public init() {}

    /// Trains, checkpointing into `context.checkpointDirectory` and resuming from it.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let frameSet = try FrameSet.open(try context.input("frames"))
        let tracking = try HeadTracking.read(from: try context.input("tracking"))
        if let problem = PosedGaussianPLYExport.problem(frames: parameters.exportPLYFrames, frameCount: tracking.frames.count) {
            throw RiggedGaussiansError(problem)
        }
        let modelPath = parameters.model.isEmpty ? "" : context.resolvePath(parameters.model).path
        let model = try AvatarLoader.headModel(HeadModelReference(name: tracking.model, path: modelPath))
        let settings = try parameters.trainingSettings()
        let data = try TrainingData.load(
            frameSet: frameSet, tracking: tracking, heldOutCameras: parameters.heldOutCameras,
            heldOutFrames: parameters.heldOutFrames)
        context.log(
            "training on \(data.training.count) views (\(data.trainingCameras.count) cameras × \(data.trainingFrames) frames), validating on \(data.validation.count); scene extent \(data.sceneExtent)"
        )
        let trainer = try RiggedTrainer(settings: settings, model: model, tracking: tracking, views: data.training, sceneExtent: data.sceneExtent)
        if let resumed = try trainer.loadCheckpoint(from: context.checkpointDirectory) {
            context.log("resumed from the checkpoint at iteration \(resumed)")
        }
        let loop = TrainingLoop(
            iterations: settings.iterations, logInterval: settings.logInterval, checkpointInterval: settings.checkpointInterval,
            checkpointDirectory: context.checkpointDirectory, divergenceAdvice: "lower the learning rates (e.g. position_lr, opacity_lr)")
        let outcome = try loop.run(trainer, progress: { context.reportProgress(completed: $0, total: settings.iterations, unit: "iterations") }) {
            i, reports, rate in
            let n = Double(max(1, reports.count))
            let loss = reports.reduce(0) { $0 + Double($1.loss) } / n, psnr = reports.reduce(0) { $0 + $1.psnr } / n
            context.reportMetrics(
                ["loss": loss, "psnr_db": psnr, "iterations_per_second": rate, "gaussians": Double(trainer.binding.count)],
                completed: i, total: settings.iterations, unit: "iterations")
            context.log(String(format: "iteration %d: loss %.5f, PSNR %.2f dB, %.1f it/s, %d Gaussians", i, loss, psnr, rate, trainer.binding.count))
        }
        let output = try context.output("avatar")
        let manifest = AvatarManifest(
            family: RiggedGaussianAvatar.family, headModel: HeadModelReference(name: model.name, path: modelPath),
            identity: tracking.identity, scale: tracking.scale, shDegree: settings.shDegree, gaussianCount: trainer.binding.count,
            background: settings.background, trainingCameras: data.trainingCameras, heldOutCameras: parameters.heldOutCameras,
            iterations: settings.iterations)
        let avatar = RiggedGaussianAvatar(manifest: manifest, headModel: model, gaussians: trainer.gaussians)
        try avatar.write(to: output)
        let refined = trainer.refinedTracking
        try refined.write(to: try context.output("tracking"))
        try PosedGaussianPLYExport.write(avatar, driving: refined, frames: parameters.exportPLYFrames, into: output)
        let summary = try TrainingSummary.measure(trainer: trainer, data: data, seconds: outcome.seconds, steps: outcome.steps)
        try summary.write(to: output)
        context.log(
            String(
                format: "done: %d Gaussians, train PSNR %.2f dB, held-out PSNR %@, %.1f it/s",
                summary.gaussianCount, summary.trainingPSNR, summary.heldOutCameraPSNR.map { String(format: "%.2f dB", $0) } ?? "n/a",
                summary.iterationsPerSecond))
    }
}

extension RiggedGaussiansStage.Parameters {
    /// The library settings, after checking the schedule for consistency.
    func trainingSettings() throws -> RiggedTrainingSettings {
        var s = RiggedTrainingSettings()
        s.iterations = iterations
        s.seed = UInt64(seed)
        s.positionLearningRate = Float(positionLR)
        s.positionLearningRateFinal = Float(positionLRFinal)
        s.featureLearningRate = Float(featureLR)
        s.opacityLearningRate = Float(opacityLR)
        s.scalingLearningRate = Float(scalingLR)
        s.rotationLearningRate = Float(rotationLR)
        s.translationLearningRate = Float(translationLR)
        s.poseLearningRate = Float(poseLR)
        s.expressionLearningRate = Float(expressionLR)
        s.finetuneTracking = finetuneTracking
        s.shDegree = shDegree
        s.shIncreaseInterval = shIncreaseInterval
        s.densityControl = densityControl
        s.densifyStart = densifyStart
        s.densifyUntil = densifyUntil
        s.densifyInterval = densifyInterval
        s.densifyGradientThreshold = Float(densifyGradThreshold)
        s.percentDense = Float(percentDense)
        s.opacityResetInterval = opacityResetInterval
        s.maxGaussians = maxGaussians
        s.dssimWeight = Float(lambdaDSSIM)
        s.positionLossWeight = Float(positionLossWeight)
        s.positionThreshold = Float(positionThreshold)
        s.scaleLossWeight = Float(scaleLossWeight)
        s.scaleThreshold = Float(scaleThreshold)
        s.background = whiteBackground ? [1, 1, 1] : [0, 0, 0]
        s.checkpointInterval = checkpointInterval
        s.logInterval = logInterval
        s.rasterWorkers = deterministic ? 1 : nil
        if positionLRFinal > positionLR {
            throw RiggedGaussiansError(
                "position_lr_final (\(positionLRFinal)) exceeds position_lr (\(positionLR)); the position learning rate decays, so set position_lr_final ≤ position_lr"
            )
        }
        return s
    }
}
