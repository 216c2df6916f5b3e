import Foundation

/// `guidance.json`, the manifest of a Guidance artifact (see `GuidanceModel`).
public struct GuidanceManifest: ArtifactManifest, Sendable, Equatable {
    /// Always "avatarflow.guidance".
    public var format: String
    /// Format version (1).
    public var version: Int
    /// How the mesh was made: "sdf-dmtet" (GHA §4.3) or "template" (the head-model mesh, FLAME-Init).
    public var source: String
    /// The head model of the tracking the guidance was fitted to.
    public var headModel: HeadModelReference
    /// The subject's identity coefficients (from the Tracking).
    public var identity: [Double]
    /// The subject's uniform model scale (from the Tracking).
    public var scale: Double
    /// The head-size normalisation and pose reference.
    public var canonicalSpace: CanonicalHeadSpace
    /// λ_exp thresholds (eq. 3).
    public var blend: ExpressionBlend
    /// Sizes of the four MLPs and of the features.
    public var networks: DynamicHeadNetworkConfiguration
    /// Vertices of the neutral mesh.
    public var vertexCount: Int
    /// Triangles of the neutral mesh.
    public var faceCount: Int
    /// Named figures of the fit (e.g. final losses, silhouette IoU), for reports.
    public var metrics: [String: Double]

    enum CodingKeys: String, CodingKey {
        case format, version, source, identity, scale, blend, networks, metrics
        case headModel = "head_model"
        case canonicalSpace = "canonical_space"
        case vertexCount = "vertex_count"
        case faceCount = "face_count"
    }

    /// The manifest's format tag.
    public static let formatTag = "avatarflow.guidance"
    /// What the manifest describes, for messages.
    public static let subject = "guidance"
    /// The artifact type, for messages.
    public static let artifactName = "Guidance"
    /// The stage that writes it, for messages.
    public static let producer = "the guidance stage"
    /// File name inside a Guidance artifact directory.
    public static let fileName = "guidance.json"

    /// Creates a manifest of the current format version (counts are filled in by `GuidanceModel.write`).
    public init(
        source: String, headModel: HeadModelReference, identity: [Double], scale: Double,
        canonicalSpace: CanonicalHeadSpace, blend: ExpressionBlend, networks: DynamicHeadNetworkConfiguration,
        metrics: [String: Double] = [:]
    ) {
        format = Self.formatTag
        version = 1
        self.source = source
        self.headModel = headModel
        self.identity = identity
        self.scale = scale
        self.canonicalSpace = canonicalSpace
        self.blend = blend
        self.networks = networks
        vertexCount = 0
        faceCount = 0
        self.metrics = metrics
    }
}
