import Foundation
import HeadModel
import MediaIO
import Splatting
import Tensors

/// A Gaussian Head Avatar (Xu et al., CVPR 2024): neutral Gaussians in canonical space deformed by
/// expression- and pose-conditioned MLPs, rendered to a C-channel feature image at 1/factor of the
/// output size and super-resolved to RGB by Ψ (eq. 1–8).
///
///     avatar/
///       avatar.json                  AvatarManifest, family "gaussian-head-avatar", sh_degree 0
///       gaussian-head-avatar.json    DynamicGaussianConfiguration (canonical space, λ thresholds, sizes)
///       gaussians.safetensors        neutral.<positions|features|rotations|log_scales|opacity_logits>,
///                                    landmarks, networks.*, attributes.*, superres.* (DynamicGaussianModel names)
///
/// The parameters are kept as Sendable tensors; `model()` wraps them in trainable layers.
public struct DynamicGaussianAvatar: GaussianAvatarRenderer {
    /// The family name in `avatar.json`.
    public static let family = "gaussian-head-avatar"
    /// The avatar's manifest.
    public var manifest: AvatarManifest
    /// The head model that drives the avatar.
    public let headModel: HeadModel
    /// Canonical space, thresholds, sizes, background.
    public var configuration: DynamicGaussianConfiguration
    /// Parameter values by `DynamicGaussianModel.namedParameters` name, plus `landmarks`.
    public var parameters: [String: Tensor]

    /// Creates an avatar from parameter values (checked when `model()` builds the layers).
    public init(manifest: AvatarManifest, headModel: HeadModel, configuration: DynamicGaussianConfiguration, parameters: [String: Tensor]) {
        self.manifest = manifest
        self.headModel = headModel
        self.configuration = configuration
        self.parameters = parameters
    }

    /// Captures the current values of a model.
    public init(manifest: AvatarManifest, headModel: HeadModel, model: DynamicGaussianModel) {
        var values = model.parameterTensors
        values["landmarks"] = model.landmarks
        self.init(manifest: manifest, headModel: headModel, configuration: model.configuration, parameters: values)
    }

    /// The trainable layers holding these values.
    /// - Throws: `AvatarError` naming the missing or mis-shaped tensor.
    public func model() throws -> DynamicGaussianModel {
        func tensor(_ name: String) throws -> Tensor {
            guard let value = parameters[name] else { throw AvatarError("tensor '\(name)' is missing from the Gaussian Head Avatar parameters") }
            return value
        }
        var generator = SplitMix64(seed: 0)
        let networks = DynamicHeadNetworks(configuration: configuration.networks, generator: &generator)
        let model: DynamicGaussianModel
        do {
            let positions = try tensor("neutral.positions")
            let n = positions.rank == 2 ? positions.shape[0] : -1
            let expected: [(String, [Int])] = [
                ("neutral.positions", [n, 3]), ("neutral.features", [n, configuration.networks.featureWidth]),
                ("neutral.rotations", [n, 4]), ("neutral.log_scales", [n, 3]), ("neutral.opacity_logits", [n, 1]),
            ]
            for (name, shape) in expected where try tensor(name).shape != shape {
                throw AvatarError("tensor '\(name)' has shape \(try tensor(name).shape), expected \(shape)")
            }
            model = try DynamicGaussianModel(
                configuration: configuration, positions: positions, features: try tensor("neutral.features"),
                rotations: try tensor("neutral.rotations"), logScales: try tensor("neutral.log_scales"),
                opacityLogits: try tensor("neutral.opacity_logits"), landmarks: try tensor("landmarks"),
                networks: networks, generator: &generator)
            try model.loadParameters(parameters)
        } catch let error as AvatarError {
            throw error
        } catch {
            throw AvatarError("the Gaussian Head Avatar parameters do not match its configuration (\(error))")
        }
        return model
    }

    /// World-space Gaussians of a driving frame with their C-channel feature vectors (before Ψ).
    public func scene(driving frame: HeadTracking.Frame) throws -> GaussianScene {
        let model = try model()
        return model.gaussians(model.condition(of: frame, scale: manifest.scale), on: nil).scene
    }

    /// Generates the Gaussians once, renders the feature image per camera and super-resolves it;
    /// alpha is the feature image's opacity upsampled bilinearly to the camera size.
    public func render(
        driving frame: HeadTracking.Frame, cameras: [PinholeCamera],
        rasterizer: GaussianRasterizer
    ) throws -> [FloatImage] {
        let model = try model()
        let gaussians = model.gaussians(model.condition(of: frame, scale: manifest.scale), on: nil)
        return try cameras.map { camera in
            try Self.rgba(model.render(gaussians, camera: camera, rasterizer: rasterizer, on: nil), camera: camera)
        }
    }

    /// One render as an RGBA image at the camera's size: I_hr, and the feature image's opacity
    /// upsampled bilinearly as alpha.
    static func rgba(_ render: DynamicRender, camera: PinholeCamera) -> FloatImage {
        rgba(rgb: render.rgb, alpha: render.alpha, camera: camera)
    }

    /// An RGBA image at the camera's size from a super-resolved `rgb [1, 3, H, W]` and a
    /// feature-resolution `alpha [h, w]` (upsampled bilinearly; factors 1, 2, 4).
    static func rgba(rgb: Variable, alpha: Variable, camera: PinholeCamera) -> FloatImage {
        let factor = alpha.shape[1] > 0 ? camera.width / alpha.shape[1] : 1
        let lowAlpha = alpha.reshaped([1, 1, camera.height / factor, camera.width / factor])
        let upsampled =
            factor == 1
            ? lowAlpha
            : (factor == 2
                ? lowAlpha.upsampledBilinear(scale: 2)
                : lowAlpha.upsampledBilinear(scale: 2).upsampledBilinear(scale: 2))
        let colours = rgb.reshaped([3, camera.height * camera.width]).permuted([1, 0])
        let (colour, opacity) = (colours.value.scalars, upsampled.value.scalars)
        var rgba = [Float](repeating: 0, count: camera.width * camera.height * 4)
        for p in 0..<(camera.width * camera.height) {
            for c in 0..<3 { rgba[4 * p + c] = colour[3 * p + c] }
            rgba[4 * p + 3] = opacity[p]
        }
        return FloatImage(width: camera.width, height: camera.height, channels: 4, samples: rgba)
    }

    /// Writes `avatar.json`, `gaussian-head-avatar.json` and `gaussians.safetensors` into `directory`.
    public func write(to directory: URL) throws {
        try Self.writeFiles(manifest: manifest, configuration: configuration, parameters: parameters, family: Self.family, to: directory)
    }

    /// Reads an avatar written by `write(to:)`, loading its head model and checking the parameters.
    public static func read(from directory: URL) throws -> DynamicGaussianAvatar {
        let files = try readFiles(from: directory, family: family)
        let avatar = DynamicGaussianAvatar(
            manifest: files.manifest, headModel: try AvatarLoader.headModel(files.manifest.headModel),
            configuration: files.configuration, parameters: files.parameters)
        try checkParameters(file: files.parametersURL) { _ = try avatar.model() }
        return avatar
    }

    /// The files every GHA-family avatar (GHA, HHAvatar) has: the parameters (family in their
    /// metadata), GHA's configuration and the manifest (its Gaussian count from the parameters),
    /// written last so that an interrupted write leaves no readable artifact.
    static func writeFiles(
        manifest: AvatarManifest, configuration: DynamicGaussianConfiguration, parameters: [String: Tensor], family: String,
        to directory: URL, extra: () throws -> Void = {}
    ) throws {
        var manifest = manifest
        manifest.gaussianCount = parameters["neutral.positions"]?.shape.first ?? 0
        try Safetensors.write(parameters, metadata: ["family": family], to: directory.appendingPathComponent(manifest.parametersFile))
        try configuration.write(to: directory)
        try extra()
        try manifest.write(to: directory)
    }

    /// Reads the files `writeFiles` wrote, refusing an artifact of another family.
    /// - Throws: `AvatarError` naming the file that is missing, damaged or of another family.
    static func readFiles(from directory: URL, family: String) throws -> (
        manifest: AvatarManifest, configuration: DynamicGaussianConfiguration, parameters: [String: Tensor], parametersURL: URL
    ) {
        let manifest = try AvatarManifest.read(from: directory)
        guard manifest.family == family else {
            throw AvatarError("\(directory.path): avatar family is '\(manifest.family)', expected '\(family)'")
        }
        let configuration = try DynamicGaussianConfiguration.read(from: directory)
        let url = directory.appendingPathComponent(manifest.parametersFile)
        do {
            return (manifest, configuration, try Safetensors.read(from: url).tensors, url)
        } catch {
            throw AvatarError("\(url.path): cannot read the avatar parameters (\(error)); the file is damaged, re-run gaussians.dynamic")
        }
    }

    /// Runs `buildModel` (an avatar's `model()`) once so that parameters that do not fit the
    /// configuration are reported at read time, naming the parameters `file`.
    static func checkParameters(file: URL, _ buildModel: () throws -> Void) throws {
        do {
            try buildModel()
        } catch let error as AvatarError {
            throw AvatarError("\(file.path): \(error.description); re-run gaussians.dynamic")
        }
    }
}
