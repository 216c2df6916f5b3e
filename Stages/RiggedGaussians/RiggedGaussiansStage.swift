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
        @Param("Optimisation steps (paper: 600000; CPU preset 2000).", range: 1...10_000_000)
        public var iterations: Int = 2000
        @Param("Seed of initial colours, view sampling and split samples.", range: 0...Int(Int32.max))
        public var seed: Int = 0
        @Param(path: "Head model directory (docs/head-model-format.md); empty = built-in procedural model.")
        public var model: String = ""
        @Param("Initial position learning rate in triangle-local units (paper: 5e-3).", range: 0...1)
        public var positionLR: Double = 5e-3
        @Param("Position learning rate at the last step, exponential decay (paper: 5e-5).", range: 0...1)
        public var positionLRFinal: Double = 5e-5
        @Param("SH coefficient learning rate (paper: 2.5e-3).", range: 0...1)
        public var featureLR: Double = 2.5e-3
        @Param("Opacity learning rate (paper: 0.05).", range: 0...1)
        public var opacityLR: Double = 0.05
        @Param("Log-scale learning rate (paper: 0.017).", range: 0...1)
        public var scalingLR: Double = 0.017
        @Param("Rotation learning rate (paper: 1e-3).", range: 0...1)
        public var rotationLR: Double = 1e-3
        @Param("Per-frame translation fine-tuning learning rate, world units (paper: 1e-6).", range: 0...1)
        public var translationLR: Double = 1e-6
        @Param("Per-frame head and jaw rotation fine-tuning learning rate, radians (paper: 1e-5).", range: 0...1)
        public var poseLR: Double = 1e-5
        @Param("Per-frame expression coefficient fine-tuning learning rate (paper: 1e-3).", range: 0...1)
        public var expressionLR: Double = 1e-3
        @Param("Jointly fine-tune each frame's head rotation, translation, jaw rotation and expression (paper: yes; off = \"w/o FLAME ft.\").")
        public var finetuneTracking: Bool = true
        @Param("Final spherical-harmonics degree (paper: 3).", range: 0...3)
        public var shDegree: Int = 3
        @Param("Steps between SH degree increases (3DGS: 1000).", range: 1...1_000_000)
        public var shIncreaseInterval: Int = 500
        @Param("Adaptive density control with binding inheritance (off = Table 2 ablation).")
        public var densityControl: Bool = true
        @Param("First densification step (paper: 10000).", range: 0...10_000_000)
        public var densifyStart: Int = 300
        @Param("Last densification step (paper: 600000).", range: 0...10_000_000)
        public var densifyUntil: Int = 1500
        @Param("Steps between densifications (paper: 2000).", range: 1...1_000_000)
        public var densifyInterval: Int = 100
        @Param("Average view-space gradient norm that triggers densification (paper: 2e-4).", range: 0...1)
        public var densifyGradThreshold: Double = 2e-4
        @Param("Clone/split boundary as a fraction of the scene extent (paper: 0.01).", range: 0...1)
        public var percentDense: Double = 0.01
        @Param("Steps between opacity resets, 0 = never (paper: 60000).", range: 0...10_000_000)
        public var opacityResetInterval: Int = 1000
        @Param("Stop with an error if density control exceeds this many Gaussians.", range: 1...10_000_000)
        public var maxGaussians: Int = 100_000
        @Param("λ in (1−λ)·L1 + λ·D-SSIM (paper: 0.2).", range: 0...1)
        public var lambdaDSSIM: Double = 0.2
        @Param("Weight of mean relu(‖μ_local‖ − threshold) (paper: 0.01).", range: 0...1000)
        public var positionLossWeight: Double = 0.01
        @Param("Position loss threshold, triangle-local units (paper: 1).", range: 0...1000)
        public var positionThreshold: Double = 1
        @Param("Weight of mean ‖relu(s_local − threshold)‖ (paper: 1).", range: 0...1000)
        public var scaleLossWeight: Double = 1
        @Param("Scaling loss threshold, triangle-local units (paper: 0.6; 0 = w/o threshold ablation).", range: 0...1000)
        public var scaleThreshold: Double = 0.6
        @Param("Cameras excluded from training, used for novel-view validation (paper: one camera).")
        public var heldOutCameras: [String] = []
        @Param("Trailing frames excluded from training (self-reenactment test sequence).", range: 0...1_000_000)
        public var heldOutFrames: Int = 0
        @Param("Composite targets and renders over white (paper: white); off = black.")
        public var whiteBackground: Bool = true
        @Param("Steps between checkpoints (resumed after a kill).", range: 1...10_000_000)
        public var checkpointInterval: Int = 500
        @Param("Steps between log lines with loss, PSNR and it/s.", range: 1...10_000_000)
        public var logInterval: Int = 100
        @Param("Frames whose posed Gaussians are exported as 3DGS PLY (ply/frame_XXXXXX.ply).", range: 0...1_000_000)
        public var exportPLYFrames: [Int] = [0]
        @Param("One rasteriser thread: bit-reproducible training and bit-exact resume (slower); otherwise gradient sums vary in the last bits.")
        public var deterministic: Bool = false

        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "gaussians.rigged"
    public static let version = 3
    /// A trainer: several cores for its thread pool, room for its Gaussians or grids, a long time limit
    /// (it checkpoints, so a job ended by the limit resumes in the next one). See docs/slurm.md.
    public static let resources = StageResources(cpus: 4, memoryMiB: 8192, timeMinutes: 12 * 60)
    public static let summary = "GaussianAvatars: Gaussians rigged to head-model triangles, densified with binding inheritance."
    public static let inputs = [
        StagePort("frames", .frameSet, doc: "Matted RGBA frames with camera calibrations."),
        StagePort("tracking", .tracking, doc: "Per-frame head-model fit of the same frames."),
    ]
    public static let outputs = [
        StagePort("avatar", .avatar, doc: "avatar.json + gaussians.safetensors (family gaussian-avatars), training.json, ply/."),
        StagePort("tracking", .tracking, doc: "The input tracking with the fine-tuned per-frame head rotations, translations, jaw rotations and expressions."),
    ]

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
        if !data.untrackedFrames.isEmpty {
            context.warn(
                "\(data.untrackedFrames.count) of \(data.untrackedFrames.count + data.trainingFrames) training frames are left out: no face was tracked in them (\(FrameList.describe(data.untrackedFrames)))"
            )
        }
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
        let s = RiggedTrainingSettings(
            iterations: iterations,
            seed: UInt64(seed),
            positionLearningRate: Float(positionLR),
            positionLearningRateFinal: Float(positionLRFinal),
            featureLearningRate: Float(featureLR),
            opacityLearningRate: Float(opacityLR),
            scalingLearningRate: Float(scalingLR),
            rotationLearningRate: Float(rotationLR),
            translationLearningRate: Float(translationLR),
            poseLearningRate: Float(poseLR),
            expressionLearningRate: Float(expressionLR),
            finetuneTracking: finetuneTracking,
            shDegree: shDegree,
            shIncreaseInterval: shIncreaseInterval,
            densityControl: densityControl,
            densifyStart: densifyStart,
            densifyUntil: densifyUntil,
            densifyInterval: densifyInterval,
            densifyGradientThreshold: Float(densifyGradThreshold),
            percentDense: Float(percentDense),
            opacityResetInterval: opacityResetInterval,
            maxGaussians: maxGaussians,
            dssimWeight: Float(lambdaDSSIM),
            positionLossWeight: Float(positionLossWeight),
            positionThreshold: Float(positionThreshold),
            scaleLossWeight: Float(scaleLossWeight),
            scaleThreshold: Float(scaleThreshold),
            background: whiteBackground ? [1, 1, 1] : [0, 0, 0],
            checkpointInterval: checkpointInterval,
            logInterval: logInterval,
            rasterWorkers: deterministic ? 1 : nil)
        if positionLRFinal > positionLR {
            throw RiggedGaussiansError(
                "position_lr_final (\(positionLRFinal)) exceeds position_lr (\(positionLR)); the position learning rate decays, so set position_lr_final ≤ position_lr"
            )
        }
        return s
    }
}
