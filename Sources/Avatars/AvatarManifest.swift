import Foundation

/// `avatar.json`, the manifest of an AvatarModel artifact directory:
///
///     avatar/
///       avatar.json              this manifest (family, head model, identity, training summary)
///       gaussians.safetensors    the family's parameters (names listed by the family's type)
///       ply/frame_XXXXXX.ply     optional standard 3DGS exports of posed frames
///
/// `family` selects the `GaussianAvatarRenderer` that reads the parameters, so render and
/// evaluation stages work for every avatar family (GaussianAvatars' rigged Gaussians, GHA's
/// dynamic Gaussians) without knowing how a family deforms its Gaussians.
public struct AvatarManifest: ArtifactManifest, Sendable, Equatable {
    /// Always "avatarflow.avatar".
    public var format: String
    /// Format version (1).
    public var version: Int
    /// The avatar family, e.g. `gaussian-avatars` (`RiggedGaussianAvatar.family`).
    public var family: String
    /// The head model the avatar is driven by.
    public var headModel: HeadModelReference
    /// The subject's identity coefficients β (from the training Tracking).
    public var identity: [Double]
    /// The subject's uniform model scale (from the training Tracking).
    public var scale: Double
    /// Spherical-harmonics degree of the colours (0…3).
    public var shDegree: Int
    /// Number of Gaussians.
    public var gaussianCount: Int
    /// RGB background the avatar was trained against, each in [0, 1].
    public var background: [Float]
    /// File holding the parameters, relative to the artifact directory.
    public var parametersFile: String
    /// Cameras used for training.
    public var trainingCameras: [String]
    /// Cameras held out for novel-view validation.
    public var heldOutCameras: [String]
    /// Optimisation steps performed.
    public var iterations: Int

    enum CodingKeys: String, CodingKey {
        case format, version, family, identity, scale, background, iterations
        case headModel = "head_model"
        case shDegree = "sh_degree"
        case gaussianCount = "gaussian_count"
        case parametersFile = "parameters_file"
        case trainingCameras = "training_cameras"
        case heldOutCameras = "held_out_cameras"
    }

    /// The manifest's format tag.
    public static let formatTag = "avatarflow.avatar"
    /// What the manifest describes, for messages.
    public static let subject = "avatar"
    /// The artifact type, for messages.
    public static let artifactName = "AvatarModel"
    /// The stage that writes it, for messages.
    public static let producer = "the training stage"
    /// File name inside an AvatarModel artifact directory.
    public static let fileName = "avatar.json"

    /// Creates a manifest of the current format version.
    public init(
        family: String, headModel: HeadModelReference, identity: [Double], scale: Double, shDegree: Int,
        gaussianCount: Int, background: [Float], parametersFile: String = "gaussians.safetensors",
        trainingCameras: [String], heldOutCameras: [String], iterations: Int
    ) {
        format = Self.formatTag
        version = 1
        self.family = family
        self.headModel = headModel
        self.identity = identity
        self.scale = scale
        self.shDegree = shDegree
        self.gaussianCount = gaussianCount
        self.background = background
        self.parametersFile = parametersFile
        self.trainingCameras = trainingCameras
        self.heldOutCameras = heldOutCameras
        self.iterations = iterations
    }
}

/// Which head model drives an avatar: its name (checked against the loaded model) and where to
/// load it from (empty: the built-in procedural model).
public struct HeadModelReference: Codable, Sendable, Equatable {
    /// `HeadModel.name` of the model.
    public var name: String
    /// Head model directory (docs/head-model-format.md), absolute; empty for the built-in procedural model.
    public var path: String

    /// Creates a reference.
    public init(name: String, path: String) {
        self.name = name
        self.path = path
    }
}
