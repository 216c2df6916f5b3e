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
}
