import Foundation

/// `guidance.json`, the manifest of a Guidance artifact (see `GuidanceModel`).
public struct GuidanceManifest: Codable, Sendable, Equatable {
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
    /// File name inside a Guidance artifact directory.
    public static let fileName = "guidance.json"

    /// Creates a manifest of the current format version (counts are filled in by `GuidanceModel.write`).
    public init(source: String, headModel: HeadModelReference, identity: [Double], scale: Double,
                canonicalSpace: CanonicalHeadSpace, blend: ExpressionBlend, networks: DynamicHeadNetworkConfiguration,
                metrics: [String: Double] = [:]) {
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

    /// Writes `guidance.json` into `directory`.
    public func write(to directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: directory.appendingPathComponent(Self.fileName), options: .atomic)
    }

    /// Reads and checks `guidance.json` from a Guidance artifact directory.
    public static func read(from directory: URL) throws -> GuidanceManifest {
        let url = directory.appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw AvatarError("\(url.path): guidance.json is missing; the directory is not a Guidance artifact (re-run the guidance stage)")
        }
        let manifest: GuidanceManifest
        do {
            manifest = try JSONDecoder().decode(GuidanceManifest.self, from: data)
        } catch {
            throw AvatarError("\(url.path): cannot parse the guidance manifest (\(error)); re-run the guidance stage")
        }
        guard manifest.format == formatTag, manifest.version == 1 else {
            throw AvatarError("\(url.path): not an AvatarFlow guidance v1 manifest (format \(manifest.format), version \(manifest.version))")
        }
        return manifest
    }
}
