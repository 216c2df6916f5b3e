import AvatarFlow

/// The matting stage family.
public enum MattingStages {
    /// Every matting stage.
    public static let all: [any Stage.Type] = [DifferenceMattingStage.self, HeadHairParsingStage.self, RemovePartsStage.self]
}
