import AvatarFlow

/// The evaluation stage family.
public enum EvaluationStages {
    /// Every stage of the family.
    public static let all: [any Stage.Type] = [ImageMetricsStage.self, IdentityDistanceStage.self]
}
