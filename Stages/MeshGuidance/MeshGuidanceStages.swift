import AvatarFlow

/// The mesh-guidance stage family (GHA §4.3 and its FLAME-Init ablation; GPHM's stage 1, the guiding mesh model).
public enum MeshGuidanceStages {
    /// Every stage of the family.
    public static let all: [any Stage.Type] = [
        SDFGuidanceStage.self, TemplateGuidanceStage.self, VisualHullStage.self, LoadMeshStage.self, ParametricMeshStage.self,
    ]
}
