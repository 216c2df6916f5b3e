import AvatarFlow

/// The super-resolution stage family: a learned upsampler (GHA's Ψ) trained on any avatar's
/// renders, its application to any FrameSet, and the classical baseline with the same ports.
public enum SuperResolutionStages {
    /// Every stage of the family.
    public static let all: [any Stage.Type] = [SuperResolutionTrainStage.self, SuperResolutionApplyStage.self, ResizeStage.self]
}
