import AvatarFlow
import Avatars
import Foundation
import HeadModel
import MediaIO
import Splatting
import Tensors

/// `gaussians.dynamic`: trains a Gaussian Head Avatar (Xu et al., CVPR 2024, §4.1–4.2) from matted
/// multi-view frames, their tracking and a Guidance artifact (`guidance.sdf-dmtet` or, for the
/// FLAME-Init ablation, `guidance.template`).
public struct DynamicGaussiansStage: Stage {
    /// Parameters; defaults are the CPU preset, the paper's or official code's values are in each doc line.
    public struct Parameters: StageParameters {
        /// Allowed values of `perceptual`.
        public enum Perceptual: String, ParameterChoice {
            case dssim, vgg, none
        }
        /// Allowed values of `mask_rendering` (`PartMaskRendering`).
        public enum MaskRendering: String, ParameterChoice {
            case occlusionAware = "occlusion-aware"
            case separateAlpha = "separate-alpha"
        }

        /// Allowed values of `hair_weighting` (`ScalpHairBlend.Rule`).
        public enum HairWeighting: String, ParameterChoice {
            case paper
            case rootsToTips = "roots-to-tips"
        }

        /// Allowed values of `hair_pose_history` (`HairDynamicsConfiguration.PoseHistory`).
        public enum HairPoseHistory: String, ParameterChoice {
            case absolute, differences
        }

        @Param("Optimisation steps (official config: ~600000; CPU preset 1500).", range: 1...10_000_000)
        public var iterations: Int = 1500
        @Param("Seed of surface and mouth samples, the random attribute MLPs and Ψ, and view sampling.", range: 0...Int(Int32.max))
        public var seed: Int = 0
        @Param(path: "Head model directory (docs/head-model-format.md); empty = built-in procedural model.")
        public var model: String = ""
        @Param(
            "Target Gaussian count: guidance vertices, then uniform surface samples, plus mouth points (official: subdivided DMTet vertices, ~100k).",
            range: 1...10_000_000)
        public var gaussians: Int = 12000
        @Param("Extra points filling the mouth (official: 3000).", range: 0...1_000_000)
        public var mouthPoints: Int = 500
        @Param("Hidden width of f_att^exp (3 layers) and f_att^pose (2 layers) (official: 256 and 128).", range: 1...4096)
        public var attributeWidth: Int = 64
        @Param("Super-resolution factor Ψ: 1, 2 or 4; the feature image is rendered at frame size / factor (paper: 4, 512 → 2048).", range: 1...4)
        public var srFactor: Int = 2
        @Param("Channels of Ψ's first DoubleConv, halved after every ×2 upsampling (paper: 128 → 64 → 32).", range: 4...1024)
        public var srWidth: Int = 32
        @Param(
            "Ψ outputs up(I_lr) + a zero-initialised correction instead of sigmoid(conv) (paper: false; the CPU preset's short schedule converges much faster with it)."
        )
        public var srResidual: Bool = true
        @Param("Adam learning rate of the six MLPs (paper: 1e-4 over ~600k steps).", range: 0...1)
        public var networkLR: Double = 1e-3
        @Param("Adam learning rate of Ψ (paper: 1e-4).", range: 0...1)
        public var superresLR: Double = 1e-3
        @Param("Learning rate of X0 in canonical units (paper: 1e-5).", range: 0...1)
        public var positionLR: Double = 1e-4
        @Param("Learning rate of F0 (paper: 1e-5; the CPU preset's short schedule needs more, template guidance starts at zero features).", range: 0...1)
        public var featureLR: Double = 3e-3
        @Param("Learning rate of S0, log scale (paper: 3e-5).", range: 0...1)
        public var scaleLR: Double = 3e-3
        @Param("Learning rate of Q0 (paper: 1e-5).", range: 0...1)
        public var rotationLR: Double = 1e-3
        @Param("Learning rate of A0, logit (paper: 1e-4).", range: 0...1)
        public var opacityLR: Double = 1e-2
        @Param("Learning rate of the per-frame head rotation correction, radians (paper: 1e-5).", range: 0...1)
        public var poseLR: Double = 1e-4
        @Param("Learning rate of the per-frame translation correction, world units (paper: 1e-5).", range: 0...1)
        public var translationLR: Double = 1e-5
        @Param(
            "Every learning rate falls log-linearly to this fraction of itself by the last iteration (paper: 1, constant rates over ~600k steps; the CPU preset's short schedule settles its ×10–×100 rates with 0.1).",
            range: 1e-6...1)
        public var lrDecay: Double = 0.1
        @Param("λ_lr of eq. 8: L1 of the feature image's first three channels (paper: 1).", range: 0...100)
        public var lambdaLR: Double = 1
        @Param(
            "Perceptual term of eq. 8: D-SSIM (default; VGG weights are not shipped), vgg (LPIPS-style VGG16 feature distance with the weights in vgg_weights) or none."
        )
        public var perceptual: Perceptual = .dssim
        @Param(
            path:
                "For perceptual: vgg, a safetensors file with torchvision vgg16 `features` weights (features.0 … features.21, float32; docs/gaussian-head-avatar.md shows how to make it)."
        )
        public var vggWeights: String = ""
        @Param("Weight of the perceptual term (paper: λ_vgg 0.1).", range: 0...100)
        public var lambdaPerceptual: Double = 0.2
        @Param("Cameras excluded from training, used for novel-view validation (training.json).")
        public var heldOutCameras: [String] = []
        @Param("Trailing frames excluded from training (self-reenactment test sequence).", range: 0...1_000_000)
        public var heldOutFrames: Int = 0
        @Param("Targets and renders over white; off = black (must match the matting stage).")
        public var whiteBackground: Bool = true
        @Param("Steps between checkpoints (resumed after a kill).", range: 1...10_000_000)
        public var checkpointInterval: Int = 500
        @Param("Steps between log lines with loss, PSNR and it/s.", range: 1...10_000_000)
        public var logInterval: Int = 100
        @Param("One rasteriser thread: bit-reproducible training and bit-exact resume (slower).")
        public var deterministic: Bool = false
        @Param(
            "Frames whose posed Gaussians (eq. 2–7 with the learnt rigid correction) are exported as 3DGS PLY (ply/frame_XXXXXX.ply; f_dc from the first three colour channels, all C channels as feature_0…feature_{C−1}).",
            range: 0...1_000_000)
        public var exportPLYFrames: [Int] = [0]
        @Param(
            "HHAvatar (docs/hhavatar.md): hair Gaussians (λ_exp = 0) get the three hair MLPs of eq. 6–8, conditioned on their canonical positions at t−1, t−2 and the poses at t, t−1, t−2; the avatar has memory (family head-hair-avatar). Off = GHA."
        )
        public var hairDynamics: Bool = false
        @Param("HHAvatar's λ_mask (eq. 11, paper 0.1): occlusion-aware head/hair mask loss of eq. 13 against the `masks` input; 0 = off (GHA).", range: 0...100)
        public var lambdaMask: Double = 0
        @Param(
            "How lambda_mask's head and hair masks are rendered: occlusion-aware (eq. 13, one depth-sorted blend: a face behind hair counts as hair) or separate-alpha (Table 5's \"w/o occlusion perception\": each part's own alpha)."
        )
        public var maskRendering: MaskRendering = .occlusionAware
        @Param("With hair_dynamics, frames rolled out without gradients before each training frame, from rest (the history's warm-up).", range: 0...1000)
        public var historyFrames: Int = 4
        @Param("λ_hair's t3: full hair dynamics within this canonical distance of the scalp (paper 0.05).", range: 0...10)
        public var hairNear: Double = 0.05
        @Param("λ_hair's t4: no hair dynamics beyond this canonical distance of the scalp (paper 0.15).", range: 0...10)
        public var hairFar: Double = 0.15
        @Param(
            "λ_hair rule: roots-to-tips (0 at the scalp rising to 1 at t4, so long hair swings; the better one in the hair region on hair motion, docs/hhavatar.md) or paper (as printed: 1 near the scalp, 0 beyond t4)."
        )
        public var hairWeighting: HairWeighting = .rootsToTips
        @Param("Hidden width of each hair MLP (two hidden layers; the paper does not state it).", range: 1...4096)
        public var hairWidth: Int = 64
        @Param(
            "How the hair MLPs see the poses at t, t−1, t−2: differences (β_t encoded, then 10 × the per-frame changes β_t − β_{t−1} and β_{t−1} − β_{t−2}; the better one, docs/hhavatar.md) or absolute (each pose positionally encoded)."
        )
        public var hairPoseHistory: HairPoseHistory = .differences
        @Param(
            "HHAvatar's eq. 12: the perceptual term also on I_lr (the feature image's first three channels), weighted λ_lr·lambda_perceptual. Off = GHA's eq. 8."
        )
        public var perceptualLR: Bool = false

        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "gaussians.dynamic"
    /// Output version (2: the avatar folder holds `ply/`).
    public static let version = 2
    /// A trainer: several cores for its thread pool, room for its Gaussians or grids, a long time limit
    /// (it checkpoints, so a job ended by the limit resumes in the next one). See docs/slurm.md.
    public static let resources = StageResources(cpus: 4, memoryMiB: 8192, timeMinutes: 12 * 60)
    public static let summary = "Gaussian Head Avatar: MLP-deformed neutral Gaussians, C-channel feature image and super-resolution."
    public static let inputs = [
        StagePort("init", .guidance, doc: "Guidance artifact: neutral mesh, features, landmarks, four MLPs (guidance.sdf-dmtet or guidance.template)."),
        StagePort("frames", .frameSet, doc: "Matted RGBA frames with camera calibrations."),
        StagePort("tracking", .tracking, doc: "Per-frame head-model fit of the same frames."),
        StagePort(
            "masks", .masks, optional: true,
            doc: "Head and hair masks of the same frames (parsing.head-hair or synthetic.region-masks), for lambda_mask > 0 (HHAvatar eq. 13)."),
    ]
    public static let outputs = [
        StagePort(
            "avatar", .avatar, doc: "avatar.json + gaussian-head-avatar.json + gaussians.safetensors (family gaussian-head-avatar), training.json, ply/."),
        StagePort("tracking", .tracking, doc: "The input tracking with the learnt per-frame rigid corrections applied."),
    ]

    public init() {}

    /// Initialises from the guidance (or resumes), trains, and writes the avatar and its summary.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        try train(context, parameters, eavatar: nil)
    }

    /// `run` with EAvatar's additions (`gaussians.eavatar`), or GHA's training when `eavatar` is nil.
    func train(_ context: StageContext, _ parameters: Parameters, eavatar: EAvatarOptions?) throws {
        let perceptual = try Self.perceptualTerm(choice: parameters.perceptual, vggWeights: parameters.vggWeights, context: context)
        let frameSet = try FrameSet.open(try context.input("frames"))
        if case .vgg = perceptual, min(frameSet.manifest.width, frameSet.manifest.height) < VGGPerceptualLoss.minimumSide {
            throw DynamicGaussiansError(
                "perceptual: vgg needs frames of at least \(VGGPerceptualLoss.minimumSide)×\(VGGPerceptualLoss.minimumSide) pixels, got \(frameSet.manifest.width)×\(frameSet.manifest.height); use perceptual: dssim"
            )
        }
        let tracking = try HeadTracking.read(from: try context.input("tracking"))
        let guidance = try GuidanceModel.read(from: try context.input("init"))
        let modelPath = parameters.model.isEmpty ? "" : context.resolvePath(parameters.model).path
        let headModel = try AvatarLoader.headModel(HeadModelReference(name: tracking.model, path: modelPath))
        guard guidance.manifest.headModel.name == tracking.model else {
            throw DynamicGaussiansError(
                "the guidance was fitted with head model '\(guidance.manifest.headModel.name)' but the tracking uses '\(tracking.model)'; connect the guidance made from this tracking"
            )
        }
        let expected = CanonicalHeadSpace.expressionCondition(of: tracking.frames[0]).count
        guard guidance.networks.configuration.expressionWidth == expected else {
            throw DynamicGaussiansError(
                "the guidance networks take \(guidance.networks.configuration.expressionWidth) expression values but the tracking gives \(expected); connect the guidance made from this tracking"
            )
        }
        if let problem = PosedGaussianPLYExport.problem(frames: parameters.exportPLYFrames, frameCount: tracking.frames.count) {
            throw DynamicGaussiansError(problem)
        }
        let views = try CaptureViews.load(
            frameSet: frameSet, tracking: tracking, heldOutCameras: parameters.heldOutCameras,
            heldOutFrames: parameters.heldOutFrames, factor: parameters.srFactor)
        if !views.untrackedFrames.isEmpty {
            context.warn(
                "\(views.untrackedFrames.count) of \(views.untrackedFrames.count + views.trainingFrames.count) training frames are left out: no face was tracked in them (\(FrameList.describe(views.untrackedFrames)))"
            )
        }
        let background: [Float] = parameters.whiteBackground ? [1, 1, 1] : [0, 0, 0]
        var generator = Tensors.SplitMix64(seed: UInt64(parameters.seed))
        let steps = parameters.srFactor == 4 ? 2 : parameters.srFactor == 2 ? 1 : 0
        var initialisation = DynamicGaussianInitialization(
            gaussianCount: parameters.gaussians, mouthPoints: parameters.mouthPoints,
            attributeExpressionHidden: Array(repeating: parameters.attributeWidth, count: 3),
            attributePoseHidden: Array(repeating: parameters.attributeWidth, count: 2),
            superResolution: SuperResolutionConfiguration(
                factor: parameters.srFactor, inputChannels: guidance.networks.configuration.colorChannels,
                widths: (0...steps).map { max(4, parameters.srWidth >> $0) },
                residual: parameters.srResidual),
            background: background)
        initialisation.control = eavatar?.control
        let model: DynamicGaussianModel
        do {
            model = try initialisation.model(from: guidance, generator: &generator)
        } catch let error as AvatarError {
            throw DynamicGaussiansError("cannot initialise from the guidance: \(error.description)")
        }
        var settings = parameters.trainingSettings(perceptual: perceptual)
        settings.split = eavatar?.split
        context.log(
            "\(model.count) Gaussians from a '\(guidance.manifest.source)' guidance (\(guidance.vertices.shape[0]) vertices); training on \(views.training.count) views (\(views.trainingCameras.count) cameras × \(views.trainingFrames.count) frames), validating on \(views.heldOutCameraViews.count)"
        )
        let hair = try hairTraining(
            parameters, base: model, guidance: guidance, headModel: headModel, tracking: tracking, views: views, context: context,
            generator: &generator)
        let trainer = DynamicTrainer(settings: settings, model: model, tracking: tracking, views: views.training, hair: hair)
        let eavatarStart = eavatar.map { _ in EAvatarTrainingRecord.start(model, tracking: tracking, frames: views.trainingFrames, context: context) }
        if let resumed = try trainer.loadCheckpoint(from: context.checkpointDirectory) {
            context.log("resumed from the checkpoint at iteration \(resumed)")
        }
        let loop = TrainingLoop(
            iterations: settings.iterations, logInterval: settings.logInterval, checkpointInterval: settings.checkpointInterval,
            checkpointDirectory: context.checkpointDirectory, divergenceAdvice: "lower the learning rates (e.g. network_lr, position_lr)")
        let outcome = try loop.run(trainer, progress: { context.reportProgress(completed: $0, total: settings.iterations, unit: "iterations") }) {
            i, reports, rate in
            let n = Double(max(1, reports.count))
            let loss = reports.reduce(0) { $0 + Double($1.loss) } / n, psnr = reports.reduce(0) { $0 + $1.psnr } / n
            context.reportMetrics(
                ["loss": loss, "psnr_db": psnr, "iterations_per_second": rate],
                completed: i, total: settings.iterations, unit: "iterations")
            context.log(String(format: "iteration %d: loss %.5f, PSNR %.2f dB, %.2f it/s", i, loss, psnr, rate))
        }
        let output = try context.output("avatar")
        let manifest = AvatarManifest(
            family: DynamicGaussianAvatar.family, headModel: HeadModelReference(name: headModel.name, path: modelPath),
            identity: tracking.identity, scale: tracking.scale, shDegree: 0, gaussianCount: model.count, background: background,
            trainingCameras: views.trainingCameras, heldOutCameras: parameters.heldOutCameras, iterations: settings.iterations)
        let refined = trainer.refinedTracking
        try refined.write(to: try context.output("tracking"))
        if let hair {
            var hairManifest = manifest
            hairManifest.family = HeadHairAvatar.family
            let avatar = HeadHairAvatar(manifest: hairManifest, headModel: headModel, model: hair.model, hairConfiguration: hair.configuration)
            try avatar.write(to: output)
            try PosedGaussianPLYExport.write(avatar, driving: refined, frames: parameters.exportPLYFrames, into: output)
        } else {
            let avatar = DynamicGaussianAvatar(manifest: manifest, headModel: headModel, model: model)
            try avatar.write(to: output)
            try PosedGaussianPLYExport.write(avatar, driving: refined, frames: parameters.exportPLYFrames, into: output)
        }
        let summary = try TrainingSummary.measure(
            trainer: trainer, views: views, guidanceSource: guidance.manifest.source,
            seconds: outcome.seconds, steps: outcome.steps)
        try summary.write(to: output)
        if let eavatarStart {
            try EAvatarTrainingRecord.finish(
                eavatarStart, trainer: trainer, control: eavatar?.control, frames: views.trainingFrames, into: output, context: context)
        }
        context.log(
            String(
                format: "done: %d Gaussians, train PSNR %.2f dB, held-out camera PSNR %@, %.2f it/s",
                summary.gaussianCount, summary.trainingPSNR, summary.heldOutCameraPSNR.map { String(format: "%.2f dB", $0) } ?? "n/a",
                summary.iterationsPerSecond))
    }

    /// The perceptual term of a `perceptual` choice and `vgg_weights` path, loading the VGG weights for
    /// `.vgg` (shared with `gphm.train-gaussians`).
    /// - Throws: `DynamicGaussiansError` when `vggWeights` is empty for `.vgg` or the file cannot be used.
    static func perceptualTerm(choice: Parameters.Perceptual, vggWeights: String, context: StageContext) throws -> PerceptualTerm {
        switch choice {
        case .vgg:
            guard !vggWeights.isEmpty else {
                throw DynamicGaussiansError(
                    "perceptual: vgg needs vgg_weights, a safetensors file of torchvision vgg16 `features` weights (docs/gaussian-head-avatar.md shows the two-line Python command); supply it or use perceptual: dssim"
                )
            }
            do {
                return .vgg(try VGGPerceptualLoss(contentsOf: context.resolvePath(vggWeights)))
            } catch let error as VGGWeightsError {
                throw DynamicGaussiansError("vgg_weights: \(error.description)")
            }
        case .none: return .none
        case .dssim: return .dssim
        }
    }
}

extension DynamicGaussiansStage.Parameters {
    /// The library settings.
    func trainingSettings(perceptual: PerceptualTerm) -> DynamicTrainingSettings {
        let s = DynamicTrainingSettings(
            iterations: iterations,
            seed: UInt64(seed),
            networkLearningRate: Float(networkLR),
            superResolutionLearningRate: Float(superresLR),
            positionLearningRate: Float(positionLR),
            featureLearningRate: Float(featureLR),
            scaleLearningRate: Float(scaleLR),
            rotationLearningRate: Float(rotationLR),
            opacityLearningRate: Float(opacityLR),
            poseCorrectionLearningRate: Float(poseLR),
            translationCorrectionLearningRate: Float(translationLR),
            learningRateDecay: Float(lrDecay),
            lowResolutionWeight: Float(lambdaLR),
            perceptual: perceptual,
            perceptualWeight: Float(lambdaPerceptual),
            checkpointInterval: checkpointInterval,
            logInterval: logInterval,
            rasterWorkers: deterministic ? 1 : nil)
        return s
    }
}
