import AvatarFlow

/// The Gaussian Head Avatar stage family.
public enum DynamicGaussiansStages {
    /// Every stage of the family.
    public static let all: [any Stage.Type] = [DynamicGaussiansStage.self, EAvatarGaussiansStage.self]
}
