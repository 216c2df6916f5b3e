import Foundation
import Tensors

/// `parametric-head.json`, the manifest of a ParametricHeadModel artifact (see `ParametricHeadModel`).
public struct ParametricHeadManifest: ArtifactManifest, Sendable, Equatable {
    /// Always "avatarflow.parametric-head".
    public var format: String
    /// Format version (1).
    public var version: Int
    /// Which GPHM stage wrote it: "mesh" (stage 1, the guiding mesh model) or "gaussians" (stage 2).
    public var stage: String
    /// Network and code sizes.
    public var configuration: ParametricHeadConfiguration
    /// Sizes of the upsampler Ψ.
    public var upsampler: SuperResolutionConfiguration
    /// Canonical units per metre of the population's world (head-model) space; the canonical origin is the world origin.
    public var unitsPerMetre: Double
    /// Identity code rows: the training subjects' ids, in order.
    public var identityNames: [String]
    /// Expression code rows: "<subject>/<frame index>" of every training frame, in order.
    public var expressionNames: [String]
    /// Vertices of the mean-shape mesh V0.
    public var vertexCount: Int
    /// Triangles of the mean-shape mesh.
    public var faceCount: Int
    /// Named figures of the training (final losses, silhouette IoU, seconds), for reports.
    public var metrics: [String: Double]

    enum CodingKeys: String, CodingKey {
        case format, version, stage, configuration, upsampler, metrics
        case unitsPerMetre = "units_per_metre"
        case identityNames = "identity_names"
        case expressionNames = "expression_names"
        case vertexCount = "vertex_count"
        case faceCount = "face_count"
    }

    /// The manifest's format tag.
    public static let formatTag = "avatarflow.parametric-head"
    /// What the manifest describes, for messages.
    public static let subject = "parametric head model"
    /// The artifact type, for messages.
    public static let artifactName = "ParametricHeadModel"
    /// The stage that writes it, for messages.
    public static let producer = "gphm.train-mesh"
    /// File name inside the artifact directory.
    public static let fileName = "parametric-head.json"

    /// Creates a manifest of the current format version (names and counts are filled in by `ParametricHeadModel.write`).
    public init(
        stage: String, configuration: ParametricHeadConfiguration, upsampler: SuperResolutionConfiguration, unitsPerMetre: Double,
        metrics: [String: Double] = [:]
    ) {
        format = Self.formatTag
        version = 1
        self.stage = stage
        self.configuration = configuration
        self.upsampler = upsampler
        self.unitsPerMetre = unitsPerMetre
        identityNames = []
        expressionNames = []
        vertexCount = 0
        faceCount = 0
        self.metrics = metrics
    }
}

/// The ParametricHeadModel artifact (GPHM, §3.2–3.3): what a population teaches — the mean-shape
/// mesh V0 with its per-vertex features Γ, the canonical landmarks P0 with their features, the
/// networks f_inj/f_id/f_exp/f_col, the upsampler Ψ and the auto-decoded code tables with the
/// names of their rows. Stage 1 writes it; stage 2 and single-image fitting read it.
///
///     parametric-head/
///       parametric-head.json         ParametricHeadManifest
///       parametric-head.safetensors  mesh.vertices [V, 3], mesh.faces [T, 3] (indices as Float32,
///                                    exact below 2²⁴), mesh.features [V, F], landmarks [K, 3],
///                                    landmarks.features [K, F], codes.identity [I, Zid],
///                                    codes.expression [E, Zexp], networks.*, upsampler.*, and any
///                                    extra tensors of the producing stage (e.g. sdf.*)
public struct ParametricHeadModel {
    /// The manifest.
    public var manifest: ParametricHeadManifest
    /// Mean-shape vertices V0 in canonical units, `[V, 3]`.
    public var vertices: Tensor
    /// Triangles, counter-clockwise seen from outside.
    public var faces: [SIMD3<Int32>]
    /// Per-vertex features Γ, `[V, featureWidth]`.
    public var features: Tensor
    /// Canonical landmarks P0, `[K, 3]`.
    public var landmarks: Tensor
    /// The landmarks' features, `[K, featureWidth]` (f_mean at P0 in stage 1; learned in stage 2).
    public var landmarkFeatures: Tensor
    /// f_inj, f_id, f_exp, f_col.
    public var networks: ParametricHeadNetworks
    /// One identity code per training subject.
    public var identities: LatentCodeTable
    /// One expression code per training frame.
    public var expressions: LatentCodeTable
    /// Ψ.
    public var upsampler: SuperResolutionNetwork
    /// Further named tensors of the producing stage, stored as they are.
    public var extras: [String: Tensor]

    /// Bundles a model; shapes are checked against the configuration.
    /// - Throws: `AvatarError` naming the disagreeing shapes.
    public init(
        manifest: ParametricHeadManifest, vertices: Tensor, faces: [SIMD3<Int32>], features: Tensor, landmarks: Tensor,
        landmarkFeatures: Tensor, networks: ParametricHeadNetworks, identities: LatentCodeTable, expressions: LatentCodeTable,
        upsampler: SuperResolutionNetwork, extras: [String: Tensor] = [:]
    ) throws {
        let c = networks.configuration, v = vertices.shape.first ?? 0, k = landmarks.shape.first ?? 0
        guard vertices.shape == [v, 3], features.shape == [v, c.featureWidth], landmarks.shape == [k, 3],
            landmarkFeatures.shape == [k, c.featureWidth], identities.width == c.identityWidth, expressions.width == c.expressionWidth,
            manifest.configuration == c, manifest.upsampler == upsampler.configuration
        else {
            throw AvatarError(
                "parametric head shapes disagree: vertices \(vertices.shape), features \(features.shape), landmarks \(landmarks.shape), landmark features \(landmarkFeatures.shape), codes \(identities.width)/\(expressions.width) for configuration \(c)"
            )
        }
        guard MeshFaceTensor.indicesFit(faces, vertexCount: v) else {
            throw AvatarError("parametric head faces index vertices outside 0..<\(v)")
        }
        self.manifest = manifest
        self.vertices = vertices
        self.faces = faces
        self.features = features
        self.landmarks = landmarks
        self.landmarkFeatures = landmarkFeatures
        self.networks = networks
        self.identities = identities
        self.expressions = expressions
        self.upsampler = upsampler
        self.extras = extras
    }

    /// A model from its manifest and its tensors by file name (`tensors`, as `read(from:)` finds them).
    /// - Throws: `AvatarError` naming a missing tensor, or the error of a shape that disagrees with the manifest.
    public init(manifest: ParametricHeadManifest, tensors: [String: Tensor]) throws {
        func tensor(_ name: String) throws -> Tensor {
            guard let value = tensors[name] else { throw AvatarError("tensor '\(name)' is missing") }
            return value
        }
        func subset(_ prefix: String) -> [String: Tensor] {
            Dictionary(uniqueKeysWithValues: tensors.filter { $0.key.hasPrefix(prefix) }.map { (String($0.key.dropFirst(prefix.count)), $0.value) })
        }
        let faces = try MeshFaceTensor.decode(try tensor("mesh.faces"))
        var generator = SplitMix64(seed: 0)
        let networks = ParametricHeadNetworks(configuration: manifest.configuration, generator: &generator)
        try networks.loadParameters(subset("networks."))
        let upsampler = try SuperResolutionNetwork(configuration: manifest.upsampler, generator: &generator)
        try upsampler.loadParameters(subset("upsampler."))
        let known: Set<String> = [
            "mesh.vertices", "mesh.faces", "mesh.features", "landmarks", "landmarks.features", "codes.identity", "codes.expression",
        ]
        let extras = tensors.filter { !known.contains($0.key) && !$0.key.hasPrefix("networks.") && !$0.key.hasPrefix("upsampler.") }
        try self.init(
            manifest: manifest, vertices: try tensor("mesh.vertices"), faces: faces, features: try tensor("mesh.features"),
            landmarks: try tensor("landmarks"), landmarkFeatures: try tensor("landmarks.features"), networks: networks,
            identities: try LatentCodeTable(names: manifest.identityNames, codes: try tensor("codes.identity")),
            expressions: try LatentCodeTable(names: manifest.expressionNames, codes: try tensor("codes.expression")),
            upsampler: upsampler, extras: extras)
    }

    /// Parameter file name inside the artifact directory.
    public static let parametersFile = "parametric-head.safetensors"

    /// The manifest with names and counts refreshed from the tables and the mesh (as written).
    public var refreshedManifest: ParametricHeadManifest {
        var manifest = self.manifest
        manifest.vertexCount = vertices.shape[0]
        manifest.faceCount = faces.count
        manifest.identityNames = identities.names
        manifest.expressionNames = expressions.names
        return manifest
    }

    /// Every tensor of the artifact by its file name (`mesh.*`, `landmarks*`, `codes.*`,
    /// `networks.*`, `upsampler.*` and the extras).
    public var tensors: [String: Tensor] {
        var tensors = extras
        tensors["mesh.vertices"] = vertices
        tensors["mesh.faces"] = MeshFaceTensor.encode(faces)
        tensors["mesh.features"] = features
        tensors["landmarks"] = landmarks
        tensors["landmarks.features"] = landmarkFeatures
        tensors["codes.identity"] = identities.codes.value
        tensors["codes.expression"] = expressions.codes.value
        for (name, parameter) in networks.namedParameters { tensors["networks.\(name)"] = parameter.value }
        for (name, parameter) in upsampler.namedParameters { tensors["upsampler.\(name)"] = parameter.value }
        return tensors
    }

    /// Writes the manifest (names and counts refreshed) and the tensors into `directory`.
    public func write(to directory: URL) throws {
        try Safetensors.write(tensors, to: directory.appendingPathComponent(Self.parametersFile))
        try refreshedManifest.write(to: directory)
    }

    /// Reads a ParametricHeadModel artifact directory.
    /// - Throws: `AvatarError` naming the file and what is missing or inconsistent.
    public static func read(from directory: URL) throws -> ParametricHeadModel {
        let manifest = try ParametricHeadManifest.read(from: directory)
        let url = directory.appendingPathComponent(parametersFile)
        let advice = "re-run \(ParametricHeadManifest.producer)"
        let tensors: [String: Tensor]
        do {
            tensors = try Safetensors.read(from: url).tensors
        } catch {
            throw AvatarError("\(url.path): cannot read the parametric head parameters (\(error)); \(advice)")
        }
        do {
            return try ParametricHeadModel(manifest: manifest, tensors: tensors)
        } catch let error as AvatarError {
            throw AvatarError("\(url.path): \(error.description); \(advice)")
        } catch {
            throw AvatarError("\(url.path): the parameters do not match the manifest's sizes (\(error)); \(advice)")
        }
    }
}
