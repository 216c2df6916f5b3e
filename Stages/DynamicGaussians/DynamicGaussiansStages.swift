import AvatarFlow

/// The Gaussian Head Avatar stage family (with EAvatar's and GPHM's Gaussian stages).
public enum DynamicGaussiansStages {
    /// Every stage of the family.
    public static let all: [any Stage.Type] = [
        DynamicGaussiansStage.self, EAvatarGaussiansStage.self, ParametricGaussianStage.self, ParametricFitStage.self, ParametricEditStage.self,
        ParametricDriveStage.self,
    ]
}
