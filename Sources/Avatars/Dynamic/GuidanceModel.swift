import Foundation
import Tensors

/// The Guidance artifact (GHA §4.3 "Parameters Transfer"): everything the dynamic Gaussians start
/// from — the neutral mesh in canonical units with per-vertex features, the canonical landmarks P0,
/// the four conditioned MLPs, the head-size normalisation, and the subject it was fitted to.
///
///     guidance/
///       guidance.json          GuidanceManifest: source, head model, identity, scale, canonical
///                              space, blend thresholds, network sizes, counts, fit metrics
///       guidance.safetensors   mesh.vertices [V, 3], mesh.faces [T, 3] (vertex indices stored as
///                              Float32, exact below 2²⁴), mesh.features [V, F], landmarks [68, 3],
///                              networks.<exp_deform|pose_deform|exp_color|pose_color>.layers.<i>.<weight|bias>,
///                              and any extra tensors of the producing stage (e.g. sdf.*)
///
/// `guidance.sdf-dmtet` (SDF + DMTet) and `guidance.template` (the head-model template, GHA's
/// FLAME-Init ablation) both write it, so a pipeline swaps one for the other.
public struct GuidanceModel {
    /// The manifest.
    public var manifest: GuidanceManifest
    /// Neutral mesh vertices in canonical units, `[V, 3]`.
    public var vertices: Tensor
    /// Triangles as vertex indices, counter-clockwise seen from outside.
    public var faces: [SIMD3<Int32>]
    /// Per-vertex feature vectors F, `[V, featureWidth]`.
    public var features: Tensor
    /// Canonical 3D landmarks P0 (iBUG-68 order), `[68, 3]`.
    public var landmarks: Tensor
    /// The conditioned MLPs.
    public var networks: DynamicHeadNetworks
    /// Further named tensors of the producing stage (e.g. its SDF network), stored as they are.
    public var extras: [String: Tensor]

    /// Bundles a guidance model; shapes are checked.
    public init(
        manifest: GuidanceManifest, vertices: Tensor, faces: [SIMD3<Int32>], features: Tensor, landmarks: Tensor,
        networks: DynamicHeadNetworks, extras: [String: Tensor] = [:]
    ) throws {
        let v = vertices.shape.first ?? 0
        guard vertices.shape == [v, 3], features.shape == [v, networks.configuration.featureWidth],
            landmarks.rank == 2, landmarks.shape[1] == 3, manifest.networks == networks.configuration
        else {
            throw AvatarError(
                "guidance shapes disagree: vertices \(vertices.shape), features \(features.shape) (feature width \(networks.configuration.featureWidth)), landmarks \(landmarks.shape)"
            )
        }
        guard MeshFaceTensor.indicesFit(faces, vertexCount: v) else {
            throw AvatarError("guidance faces index vertices outside 0..<\(v)")
        }
        if let parts = extras[Self.vertexPartsKey], parts.shape != [v, 1] {
            throw AvatarError("the vertex parts '\(Self.vertexPartsKey)' are \(parts.shape), expected [\(v), 1] (one per vertex)")
        }
        self.manifest = manifest
        self.vertices = vertices
        self.faces = faces
        self.features = features
        self.landmarks = landmarks
        self.networks = networks
        self.extras = extras
    }

    /// Extra tensor `[V, 1]` of a two-part guidance (HHAvatar, eq. 14–15): each vertex's part, 0 head, 1 hair.
    public static let vertexPartsKey = "mesh.part"

    /// Per vertex, true for hair — nil unless the guidance has HHAvatar's two parts.
    public var hairVertices: [Bool]? { extras[Self.vertexPartsKey].map { $0.scalars.map { $0 > 0.5 } } }

    /// Parameter file name inside the artifact directory.
    public static let parametersFile = "guidance.safetensors"

    /// Writes `guidance.json` and `guidance.safetensors` into `directory` (counts in the manifest are refreshed).
    public func write(to directory: URL) throws {
        var manifest = self.manifest
        manifest.vertexCount = vertices.shape[0]
        manifest.faceCount = faces.count
        var tensors = extras
        tensors["mesh.vertices"] = vertices
        tensors["mesh.faces"] = MeshFaceTensor.encode(faces)
        tensors["mesh.features"] = features
        tensors["landmarks"] = landmarks
        for (name, parameter) in networks.namedParameters { tensors["networks.\(name)"] = parameter.value }
        try Safetensors.write(tensors, to: directory.appendingPathComponent(Self.parametersFile))
        try manifest.write(to: directory)
    }

    /// Reads a Guidance artifact directory.
    /// - Throws: `AvatarError` naming the file and what is missing or inconsistent.
    public static func read(from directory: URL) throws -> GuidanceModel {
        let manifest = try GuidanceManifest.read(from: directory)
        let url = directory.appendingPathComponent(parametersFile)
        let tensors: [String: Tensor]
        do {
            tensors = try Safetensors.read(from: url).tensors
        } catch {
            throw AvatarError("\(url.path): cannot read the guidance parameters (\(error)); re-run the guidance stage")
        }
        func tensor(_ name: String) throws -> Tensor {
            guard let value = tensors[name] else { throw AvatarError("\(url.path): tensor '\(name)' is missing; re-run the guidance stage") }
            return value
        }
        var generator = SplitMix64(seed: 0)
        let networks = DynamicHeadNetworks(configuration: manifest.networks, generator: &generator)
        var networkTensors: [String: Tensor] = [:]
        for (name, value) in tensors where name.hasPrefix("networks.") { networkTensors[String(name.dropFirst("networks.".count))] = value }
        do {
            try networks.loadParameters(networkTensors)
        } catch {
            throw AvatarError("\(url.path): the networks do not match the manifest's sizes (\(error)); re-run the guidance stage")
        }
        let known: Set<String> = ["mesh.vertices", "mesh.faces", "mesh.features", "landmarks"]
        let extras = tensors.filter { !known.contains($0.key) && !$0.key.hasPrefix("networks.") }
        do {
            return try GuidanceModel(
                manifest: manifest, vertices: try tensor("mesh.vertices"), faces: try MeshFaceTensor.decode(try tensor("mesh.faces")),
                features: try tensor("mesh.features"), landmarks: try tensor("landmarks"),
                networks: networks, extras: extras)
        } catch let error as AvatarError {
            throw AvatarError("\(url.path): \(error.description); re-run the guidance stage")
        }
    }
}
