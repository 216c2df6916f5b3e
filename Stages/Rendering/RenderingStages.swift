import AvatarFlow

/// The rendering stage family.
public enum RenderingStages {
    /// Every stage of the family.
    public static let all: [any Stage.Type] = [ReenactStage.self]
}
