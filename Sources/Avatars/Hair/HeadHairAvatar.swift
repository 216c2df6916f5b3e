import Foundation
import HeadModel
import MediaIO
import Splatting
import Tensors

/// What a head-and-hair avatar adds to GHA's configuration: stored as `head-hair-avatar.json`.
public struct HeadHairConfiguration: Codable, Sendable, Equatable {
    /// True: the avatar has memory (its hair depends on the previous frames), so it must be driven
    /// frame by frame in driving order, starting at rest (`MotionHistoryAvatar`).
    public var memory: Bool
    /// The hair MLPs are used (false: the "w/o dynamic hair" ablation, hair like the head).
    public var dynamicHair: Bool
    /// λ_hair's thresholds and rule.
    public var hairBlend: ScalpHairBlend
    /// Sizes of the hair MLPs.
    public var hairNetworks: HairDynamicsConfiguration
    /// Frames rolled out without gradients before each training frame (the history's warm-up length).
    public var historyFrames: Int

    enum CodingKeys: String, CodingKey {
        case memory
        case dynamicHair = "dynamic_hair"
        case hairBlend = "hair_blend"
        case hairNetworks = "hair_networks"
        case historyFrames = "history_frames"
    }

    /// Creates a configuration; `memory` follows `dynamicHair`.
    public init(dynamicHair: Bool, hairBlend: ScalpHairBlend, hairNetworks: HairDynamicsConfiguration, historyFrames: Int) {
        memory = dynamicHair
        self.dynamicHair = dynamicHair
        self.hairBlend = hairBlend
        self.hairNetworks = hairNetworks
        self.historyFrames = historyFrames
    }

    /// File name inside an AvatarModel artifact directory.
    public static let fileName = "head-hair-avatar.json"
}

/// An avatar whose Gaussians depend on the frames driven before: it renders a whole driving
/// sequence in order, carrying its history from a rest state at the sequence's first frame.
public protocol MotionHistoryAvatar: GaussianAvatarRenderer {
    /// Renders `driving[range]` from `cameras(i)` for each i in `range`, rolling the history through
    /// `driving[0..<range.lowerBound]` first (no images), and hands each frame's images to `body`.
    func renderSequence(
        driving: [HeadTracking.Frame], range: Range<Int>, cameras: (Int) -> [PinholeCamera], rasterizer: GaussianRasterizer,
        _ body: (Int, [FloatImage]) throws -> Void
    ) throws
}

/// An HHAvatar (Chen et al.): GHA's files with the family `head-hair-avatar`, plus
/// `head-hair-avatar.json` and, in `gaussians.safetensors`, `hair.*` (the hair MLPs),
/// `parts.is_hair` `[N]` (1 = hair), `parts.scalp` `[S, 3]` and `parts.hair_weights` `[H, 1]`.
/// `render(driving:)` and `scene(driving:)` show one frame at rest; sequences go through
/// `renderSequence` (render.reenact does so for every avatar with memory).
public struct HeadHairAvatar: MotionHistoryAvatar {
    /// The family name in `avatar.json`.
    public static let family = "head-hair-avatar"
    /// The avatar's manifest.
    public var manifest: AvatarManifest
    /// The head model that drives the avatar.
    public let headModel: HeadModel
    /// GHA's configuration.
    public var configuration: DynamicGaussianConfiguration
    /// The hair's configuration.
    public var hairConfiguration: HeadHairConfiguration
    /// Parameter values by `HeadHairModel.namedParameters` name, plus `landmarks` and `parts.*`.
    public var parameters: [String: Tensor]

    /// Creates an avatar from parameter values (checked when `model()` builds the layers).
    public init(
        manifest: AvatarManifest, headModel: HeadModel, configuration: DynamicGaussianConfiguration,
        hairConfiguration: HeadHairConfiguration, parameters: [String: Tensor]
    ) {
        self.manifest = manifest
        self.headModel = headModel
        self.configuration = configuration
        self.hairConfiguration = hairConfiguration
        self.parameters = parameters
    }

    /// Captures the current values of a model.
    public init(manifest: AvatarManifest, headModel: HeadModel, model: HeadHairModel, hairConfiguration: HeadHairConfiguration) {
        var values = model.parameterTensors
        values["landmarks"] = model.base.landmarks
        values["parts.is_hair"] = Tensor(shape: [model.parts.isHair.count], scalars: model.parts.isHair.map { $0 ? 1 : 0 })
        values["parts.scalp"] = Tensor(shape: [model.parts.scalp.count, 3], scalars: model.parts.scalp.flatMap { [$0.x, $0.y, $0.z] })
        values["parts.hair_weights"] = model.hairWeights
        self.init(
            manifest: manifest, headModel: headModel, configuration: model.base.configuration, hairConfiguration: hairConfiguration,
            parameters: values)
    }

    /// The trainable layers holding these values.
    /// - Throws: `AvatarError` naming the missing or mis-shaped tensor.
    public func model() throws -> HeadHairModel {
        func tensor(_ name: String) throws -> Tensor {
            guard let value = parameters[name] else { throw AvatarError("tensor '\(name)' is missing from the head-hair avatar parameters") }
            return value
        }
        let baseParameters = parameters.filter { !$0.key.hasPrefix("hair.") && !$0.key.hasPrefix("parts.") }
        let base = try DynamicGaussianAvatar(manifest: manifest, headModel: headModel, configuration: configuration, parameters: baseParameters)
            .model()
        let isHair = try tensor("parts.is_hair").scalars.map { $0 > 0.5 }
        let scalp = try tensor("parts.scalp")
        let weights = try tensor("parts.hair_weights")
        let hairCount = isHair.filter { $0 }.count
        guard isHair.count == base.count, scalp.rank == 2, scalp.shape[1] == 3, weights.shape == [hairCount, 1] else {
            throw AvatarError(
                "the part tensors do not match the \(base.count) Gaussians (parts.is_hair \(try tensor("parts.is_hair").shape), parts.scalp \(scalp.shape), parts.hair_weights \(weights.shape))"
            )
        }
        let s = scalp.scalars
        let parts = HeadHairParts(isHair: isHair, scalp: (0..<scalp.shape[0]).map { SIMD3(s[3 * $0], s[3 * $0 + 1], s[3 * $0 + 2]) })
        var generator = SplitMix64(seed: 0)
        let model = HeadHairModel(
            base: base, parts: parts, hairWeights: weights,
            hair: HairDynamicsNetworks(configuration: hairConfiguration.hairNetworks, generator: &generator),
            dynamicHair: hairConfiguration.dynamicHair)
        if hairConfiguration.dynamicHair {
            do {
                try model.hair.loadParameters(
                    Dictionary(uniqueKeysWithValues: parameters.filter { $0.key.hasPrefix("hair.") }.map { (String($0.key.dropFirst(5)), $0.value) }))
            } catch {
                throw AvatarError("the hair MLP parameters do not match head-hair-avatar.json (\(error))")
            }
        }
        return model
    }

    /// World-space Gaussians of one driving frame at rest (a sequence's first frame), each with its
    /// part in the integer attribute `part` (`partAttribute`: 0 head, 1 hair; a PLY property).
    public func scene(driving frame: HeadTracking.Frame) throws -> GaussianScene {
        let model = try model()
        let condition = model.base.condition(of: frame, scale: manifest.scale)
        var scene = model.gaussians(condition, history: model.rest(condition), on: nil).gaussians.scene
        scene.attributes[Self.partAttribute] = GaussianAttribute(width: 1, values: .int32(model.parts.isHair.map { $0 ? 1 : 0 }))
        return scene
    }

    /// Name of the per-Gaussian part label in exported scenes: 0 = head, 1 = hair.
    public static let partAttribute = "part"

    /// One driving frame at rest from `cameras`.
    public func render(driving frame: HeadTracking.Frame, cameras: [PinholeCamera], rasterizer: GaussianRasterizer) throws -> [FloatImage] {
        var images: [FloatImage] = []
        try renderSequence(driving: [frame], range: 0..<1, cameras: { _ in cameras }, rasterizer: rasterizer) { images = $1 }
        return images
    }

    /// Drives the sequence in order from rest at `driving[0]`.
    public func renderSequence(
        driving: [HeadTracking.Frame], range: Range<Int>, cameras: (Int) -> [PinholeCamera], rasterizer: GaussianRasterizer,
        _ body: (Int, [FloatImage]) throws -> Void
    ) throws {
        guard !driving.isEmpty, range.lowerBound >= 0, range.upperBound <= driving.count else {
            throw AvatarError("frames \(range) are outside the \(driving.count) driving frames")
        }
        let model = try model()
        let conditions = driving.map { model.base.condition(of: $0, scale: manifest.scale) }
        var history = model.rollOut(Array(conditions[0..<range.lowerBound]), from: model.rest(conditions[0]))
        for index in range {
            let (gaussians, hairPositions) = model.gaussians(conditions[index], history: history, on: nil)
            history.advance(positions: hairPositions, pose: conditions[index].pose)
            let images = try cameras(index).map { camera in
                try DynamicGaussianAvatar.rgba(model.base.render(gaussians, camera: camera, rasterizer: rasterizer, on: nil), camera: camera)
            }
            try body(index, images)
        }
    }

    /// Writes `avatar.json`, `gaussian-head-avatar.json`, `head-hair-avatar.json` and `gaussians.safetensors`.
    public func write(to directory: URL) throws {
        try DynamicGaussianAvatar.writeFiles(
            manifest: manifest, configuration: configuration, parameters: parameters, family: Self.family, to: directory
        ) {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(hairConfiguration).write(to: directory.appendingPathComponent(HeadHairConfiguration.fileName), options: .atomic)
        }
    }

    /// Reads an avatar written by `write(to:)`, loading its head model and checking the parameters.
    public static func read(from directory: URL) throws -> HeadHairAvatar {
        let files = try DynamicGaussianAvatar.readFiles(from: directory, family: family)
        let hairURL = directory.appendingPathComponent(HeadHairConfiguration.fileName)
        guard let data = FileManager.default.contents(atPath: hairURL.path) else {
            throw AvatarError("\(hairURL.path) is missing; the head-hair avatar artifact is incomplete (re-run gaussians.dynamic)")
        }
        let hairConfiguration: HeadHairConfiguration
        do {
            hairConfiguration = try JSONDecoder().decode(HeadHairConfiguration.self, from: data)
        } catch {
            throw AvatarError("\(hairURL.path): cannot parse the hair configuration (\(error)); re-run gaussians.dynamic")
        }
        let avatar = HeadHairAvatar(
            manifest: files.manifest, headModel: try AvatarLoader.headModel(files.manifest.headModel), configuration: files.configuration,
            hairConfiguration: hairConfiguration, parameters: files.parameters)
        try DynamicGaussianAvatar.checkParameters(file: files.parametersURL) { _ = try avatar.model() }
        return avatar
    }
}
