import Avatars
import Geometry

/// Resolved settings of the SDF + DMTet guidance fit (GHA §4.3); see `SDFGuidanceStage.Parameters`.
struct SDFGuidanceSettings {
    var iterations: Int
    var pretrainIterations: Int
    var gridResolution: Int
    /// Half side of the tetrahedral grid's cube, canonical units (head length ≈ 1).
    var gridHalfExtent: Float
    /// Radius of the sphere the SDF is pretrained to, canonical units.
    var sphereRadius: Float
    var viewsPerStep: Int
    /// Steps between tape-free evaluations of the whole grid; in between only the narrow band
    /// (`bandRings` lattice steps around the surface) is re-evaluated. 1 = whole grid every step.
    var fullEvaluationInterval: Int
    var bandRings: Int
    var geometryHidden: [Int]
    var networks: DynamicHeadNetworkConfiguration
    var blend: ExpressionBlend
    var learningRate: Float
    var landmarkLearningRate: Float
    var rgbWeight: Float
    var silhouetteWeight: Float
    var deformationWeight: Float
    var offsetWeight: Float
    var landmarkSDFWeight: Float
    var laplacianWeight: Float
    var seed: UInt64
    /// EAvatar's prior mesh (eq. 16–17) in canonical units, or nil to leave the term out.
    var priorMesh: TriangleMesh?
    /// Weight of the prior-mesh centre/scale loss (EAvatar 1).
    var priorWeight: Float
    /// HHAvatar's two-part geometry, or nil for GHA's single head SDF.
    var hair: HairGeometrySettings? = nil
}

/// HHAvatar's hair part of the guidance (§3.3, eq. 14–22).
struct HairGeometrySettings {
    /// The head model's scalp vertices P1 in canonical units: the hair SDF starts as a shell around them.
    var scalp: [SIMD3<Float>]
    /// Half thickness of that starting shell, canonical units.
    var shellThickness: Float
    /// Weight of eq. 20's occlusion-aware mask loss (paper 0.1); it needs the views' part masks.
    var maskWeight: Float
}
