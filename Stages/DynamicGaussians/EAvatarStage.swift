import AvatarFlow
import Avatars
import Splatting

/// `gaussians.eavatar`: EAvatar's stage II (arXiv 2508.13537, §3.2) — a Gaussian
/// Head Avatar (`gaussians.dynamic`, same parameters and ports) with control Gaussians (eq. 9–13)
/// and displacement-driven splitting. The prior mesh of §3.3 acts in the guidance
/// (`guidance.sdf-dmtet`'s `prior` port). docs/eavatar.md explains the values the paper leaves open.
public struct EAvatarGaussiansStage: Stage {
    /// GHA's parameters under their own names, then EAvatar's.
    public struct Parameters: StageParameters {
        /// Every `gaussians.dynamic` parameter (same pipeline names).
        public var base = DynamicGaussiansStage.Parameters()
        @Param("Control Gaussians, eq. 9–13 (off: GHA's deformation).")
        public var control: Bool = true
        @Param(
            "τ_c of eq. 10 (paper 0.3): controls have ‖λ_exp·f_def^exp‖ above it, in units of the deformation head's range (0.3 canonical units), i.e. 0.3 = 0.09 canonical ≈ 2 cm.",
            range: 0...10)
        public var controlThreshold: Double = 0.3
        @Param("r of eq. 11: Gaussians within this canonical distance of a control follow it (paper: not given; head length ≈ 1).", range: 1e-4...1)
        public var controlRadius: Double = 0.05
        @Param("σ of eq. 13: width of the Gaussian kernel of the follow weights, canonical units (paper: not given).", range: 1e-4...1)
        public var controlSigma: Double = 0.025
        @Param("Displacement-driven splitting (§3.2; off: no splits).")
        public var split: Bool = true
        @Param(
            "τ_s (paper 0.2): Gaussians whose eq. 9 displacement exceeds it on any evaluated frame are split, same units as control_threshold.", range: 0...10)
        public var splitThreshold: Double = 0.2
        @Param("First iteration after which Gaussians are split.", range: 1...10_000_000)
        public var splitFrom: Int = 600
        @Param("Iterations between splits (paper: every iteration, §4.5.4).", range: 1...10_000_000)
        public var splitInterval: Int = 600
        @Param("Last iteration after which Gaussians may be split.", range: 0...10_000_000)
        public var splitUntil: Int = 3000
        @Param("Training frames (evenly spaced) on which the displacement is evaluated at a split.", range: 1...10_000)
        public var splitFrames: Int = 8
        @Param(
            "Children sit at ±split_offset × the parent's largest standard deviation along that axis, which shrinks to √(1 − offset²) of itself (same mean and covariance).",
            range: 0...0.95)
        public var splitOffset: Double = 0.5
        @Param("Cap on the Gaussian count; splits beyond it are skipped (largest displacement first).", range: 1...10_000_000)
        public var maxGaussians: Int = 20000

        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "gaussians.eavatar"
    public static let version = 1
    public static let resources = DynamicGaussiansStage.resources
    public static let summary = "EAvatar: a Gaussian Head Avatar with control Gaussians and displacement-driven splitting."
    public static let inputs = DynamicGaussiansStage.inputs
    public static let outputs = [
        StagePort(
            "avatar", .avatar,
            doc:
                "As gaussians.dynamic's (family gaussian-head-avatar, the control settings in its configuration), plus eavatar.json (displacements, controls, splits)."
        ),
        StagePort("tracking", .tracking, doc: "The input tracking with the learnt per-frame rigid corrections applied."),
    ]

    public init() {}

    /// Trains as `gaussians.dynamic` with the EAvatar additions.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let control = ControlGaussianSettings(
            threshold: Float(parameters.controlThreshold), radius: Float(parameters.controlRadius), sigma: Float(parameters.controlSigma))
        let split = DisplacementSplitSchedule(
            threshold: Float(parameters.splitThreshold), start: parameters.splitFrom, interval: parameters.splitInterval,
            stop: parameters.splitUntil, frames: parameters.splitFrames,
            split: TwoWaySplitSettings(offset: Float(parameters.splitOffset), maximumCount: parameters.maxGaussians))
        try DynamicGaussiansStage().train(
            context, parameters.base, eavatar: EAvatarOptions(control: parameters.control ? control : nil, split: parameters.split ? split : nil))
    }
}

extension DynamicGaussiansStage.Parameters: InlinedParameterGroup {}
