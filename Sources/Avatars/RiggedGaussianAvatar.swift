import Foundation
import HeadModel
import Splatting
import Tensors

/// A GaussianAvatars avatar (Qian et al., CVPR 2024): Gaussians rigged to the triangles of a head
/// model. Each Gaussian stores its parameters in its triangle's local frame (`TriangleFrames`) and
/// the index of that triangle (`binding`); posing the mesh with a Tracking frame moves the
/// Gaussians with it (Eq. 1–3).
public struct RiggedGaussianAvatar: GaussianAvatarRenderer {
    /// The family name in `avatar.json`.
    public static let family = "gaussian-avatars"
    /// SH coefficients are always stored up to this degree; `manifest.shDegree` says how many are in use.
    public static let storedSHDegree = 3
    /// Stored floats per Gaussian for colours: (3 + 1)² coefficients × RGB.
    public static let storedFeatureWidth = 48
    /// Name of the PLY property (and scene attribute) holding the triangle binding.
    public static let bindingAttribute = "binding"

    /// The avatar's manifest.
    public var manifest: AvatarManifest
    /// The head model that drives the avatar.
    public let headModel: HeadModel
    /// The local parameters and bindings.
    public var gaussians: RiggedGaussians

    /// Creates an avatar; the Gaussian count must match the manifest.
    public init(manifest: AvatarManifest, headModel: HeadModel, gaussians: RiggedGaussians) {
        self.manifest = manifest
        self.headModel = headModel
        self.gaussians = gaussians
    }

    /// Mesh vertices of `frame` posed with this avatar's identity and scale.
    public func posedVertices(driving frame: HeadTracking.Frame) throws -> [SIMD3<Float>] {
        let tracking = HeadTracking(model: headModel.name, cameras: [], identity: manifest.identity, scale: manifest.scale, frames: [frame])
        return try tracking.vertices(frame: 0, model: headModel)
    }

    /// World-space Gaussians for a driving frame, with the triangle binding as an integer attribute.
    public func scene(driving frame: HeadTracking.Frame) throws -> GaussianScene {
        let frames = TriangleFrames(vertices: try posedVertices(driving: frame), triangles: headModel.triangles)
        return gaussians.worldScene(frames: frames, shDegree: manifest.shDegree)
    }

    /// Writes `avatar.json` and `gaussians.safetensors` into `directory`.
    public func write(to directory: URL) throws {
        var manifest = self.manifest
        manifest.gaussianCount = gaussians.count
        try Safetensors.write(gaussians.tensors, metadata: ["family": Self.family], to: directory.appendingPathComponent(manifest.parametersFile))
        try manifest.write(to: directory)
    }

    /// Reads an avatar written by `write(to:)`, loading its head model.
    public static func read(from directory: URL) throws -> RiggedGaussianAvatar {
        let manifest = try AvatarManifest.read(from: directory)
        guard manifest.family == family else {
            throw AvatarError("\(directory.path): avatar family is '\(manifest.family)', expected '\(family)'")
        }
        let url = directory.appendingPathComponent(manifest.parametersFile)
        let gaussians = try RiggedGaussians(tensors: try Safetensors.read(from: url).tensors, source: url.path)
        let model = try AvatarLoader.headModel(manifest.headModel)
        guard gaussians.binding.allSatisfy({ Int($0) < model.triangles.count }) else {
            throw AvatarError("\(url.path): a binding exceeds the \(model.triangles.count) triangles of head model '\(model.name)'")
        }
        return RiggedGaussianAvatar(manifest: manifest, headModel: model, gaussians: gaussians)
    }
}

/// The parameters of rigged Gaussians in their triangles' local frames (same layouts as
/// `GaussianScene`): local means `[N, 3]` (in units of the triangle scale k), rotations `[N, 4]`
/// (w x y z, relative to the triangle), local log-scales `[N, 3]`, opacity logits `[N]`, SH
/// coefficients `[N, 48]` (degree 3, coefficient-major) and the triangle index of each Gaussian.
public struct RiggedGaussians: Sendable, Equatable {
    /// Local means, 3 per Gaussian.
    public var means: [Float]
    /// Local rotations, 4 per Gaussian.
    public var rotations: [Float]
    /// Local log-scales, 3 per Gaussian.
    public var logScales: [Float]
    /// Opacity logits, 1 per Gaussian.
    public var opacityLogits: [Float]
    /// SH coefficients up to degree 3, 48 per Gaussian.
    public var features: [Float]
    /// Triangle index per Gaussian.
    public var binding: [Int32]

    /// Number of Gaussians.
    public var count: Int { binding.count }

    /// Creates the parameter set; arrays must describe the same number of Gaussians.
    public init(means: [Float], rotations: [Float], logScales: [Float], opacityLogits: [Float], features: [Float], binding: [Int32]) {
        precondition(
            means.count == 3 * binding.count && rotations.count == 4 * binding.count && logScales.count == 3 * binding.count
                && opacityLogits.count == binding.count && features.count == RiggedGaussianAvatar.storedFeatureWidth * binding.count,
            "rigged Gaussian arrays describe different counts")
        self.means = means
        self.rotations = rotations
        self.logScales = logScales
        self.opacityLogits = opacityLogits
        self.features = features
        self.binding = binding
    }

    /// GaussianAvatars' initialisation: one Gaussian at the centroid of every triangle, identity
    /// rotation, local scale 1 (world scale k), opacity 0.1, a random colour (DC term only).
    public static func onePerTriangle(triangleCount: Int, generator: inout Tensors.SplitMix64) -> RiggedGaussians {
        let width = RiggedGaussianAvatar.storedFeatureWidth
        var features = [Float](repeating: 0, count: triangleCount * width)
        for t in 0..<triangleCount {
            for c in 0..<3 { features[t * width + c] = (generator.nextUniform() - 0.5) / shC0 }
        }
        let opacity: Float = 0.1
        return RiggedGaussians(
            means: [Float](repeating: 0, count: 3 * triangleCount),
            rotations: (0..<triangleCount).flatMap { _ in [Float(1), 0, 0, 0] },
            logScales: [Float](repeating: 0, count: 3 * triangleCount),
            opacityLogits: [Float](repeating: log(opacity / (1 - opacity)), count: triangleCount),
            features: features,
            binding: (0..<triangleCount).map(Int32.init))
    }

    /// Tensor names in `gaussians.safetensors`.
    public static let tensorNames = ["means", "rotations", "log_scales", "opacity_logits", "features", "binding"]

    /// The parameters as named tensors (the binding as exact Float32 integers, valid below 2²⁴ triangles).
    public var tensors: [String: Tensor] {
        let n = count
        return [
            "means": Tensor(shape: [n, 3], scalars: means), "rotations": Tensor(shape: [n, 4], scalars: rotations),
            "log_scales": Tensor(shape: [n, 3], scalars: logScales), "opacity_logits": Tensor(shape: [n], scalars: opacityLogits),
            "features": Tensor(shape: [n, RiggedGaussianAvatar.storedFeatureWidth], scalars: features),
            "binding": Tensor(shape: [n], scalars: binding.map(Float.init)),
        ]
    }

    /// Reads the parameters from named tensors, checking names and shapes.
    public init(tensors: [String: Tensor], source: String) throws {
        func tensor(_ name: String, width: Int?) throws -> [Float] {
            guard let value = tensors[name] else {
                throw AvatarError("\(source): tensor '\(name)' is missing (expected \(Self.tensorNames.joined(separator: ", ")))")
            }
            if let width, value.shape.last != width || value.rank != 2 {
                throw AvatarError("\(source): tensor '\(name)' has shape \(value.shape), expected [N, \(width)]")
            }
            return value.scalars
        }
        let bindingValues = try tensor("binding", width: nil)
        guard bindingValues.allSatisfy({ $0 >= 0 && $0 == $0.rounded() && $0 < 16_777_216 }) else {
            throw AvatarError("\(source): tensor 'binding' must hold non-negative integer triangle indices")
        }
        let means = try tensor("means", width: 3), rotations = try tensor("rotations", width: 4)
        let logScales = try tensor("log_scales", width: 3), opacity = try tensor("opacity_logits", width: nil)
        let features = try tensor("features", width: RiggedGaussianAvatar.storedFeatureWidth)
        let n = bindingValues.count
        guard means.count == 3 * n, rotations.count == 4 * n, logScales.count == 3 * n, opacity.count == n,
            features.count == RiggedGaussianAvatar.storedFeatureWidth * n
        else {
            throw AvatarError("\(source): the tensors describe different numbers of Gaussians (binding has \(n))")
        }
        self.init(
            means: means, rotations: rotations, logScales: logScales, opacityLogits: opacity, features: features,
            binding: bindingValues.map { Int32($0) })
    }

    /// The Gaussians in world space for posed triangle `frames`, colours truncated to `shDegree`,
    /// with the binding as the integer attribute `binding`.
    public func worldScene(frames: TriangleFrames, shDegree: Int) -> GaussianScene {
        let n = count
        let world = RiggedTransform.forward(
            means: Tensor(shape: [n, 3], scalars: means), rotations: Tensor(shape: [n, 4], scalars: rotations),
            logScales: Tensor(shape: [n, 3], scalars: logScales), binding: binding, frames: frames)
        return GaussianScene(
            means: world.means.scalars, rotations: world.rotations.scalars, logScales: world.logScales.scalars,
            opacityLogits: opacityLogits, features: truncatedFeatures(degree: shDegree),
            appearance: .sphericalHarmonics(degree: shDegree),
            attributes: [RiggedGaussianAvatar.bindingAttribute: GaussianAttribute(width: 1, values: .int32(binding))])
    }

    /// The first (degree + 1)² SH coefficients of every Gaussian.
    public func truncatedFeatures(degree: Int) -> [Float] {
        let width = RiggedGaussianAvatar.storedFeatureWidth, kept = (degree + 1) * (degree + 1) * 3
        if kept == width { return features }
        var result = [Float](repeating: 0, count: count * kept)
        for i in 0..<count {
            for j in 0..<kept { result[i * kept + j] = features[i * width + j] }
        }
        return result
    }
}

/// SH band-0 constant (graphdeco `C0`): colour = C0·f_dc + 0.5.
let shC0: Float = 0.28209479177387814
