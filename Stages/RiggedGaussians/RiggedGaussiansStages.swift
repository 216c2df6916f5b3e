import AvatarFlow

/// The GaussianAvatars stage family.
public enum RiggedGaussiansStages {
    /// Every stage of the family.
    public static let all: [any Stage.Type] = [RiggedGaussiansStage.self]
}
