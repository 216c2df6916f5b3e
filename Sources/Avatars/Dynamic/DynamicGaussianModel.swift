import Foundation
import HeadModel
import Splatting
import Tensors

/// The trainable parts of a Gaussian Head Avatar (§4.1–4.2): the neutral Gaussians
/// {X0, F0, Q0, S0, A0} in canonical space, the dynamic generator Φ (the four inherited MLPs and the
/// two attribute MLPs) and the super-resolution network Ψ. Parameters are reference types, so the
/// trainer and the avatar share one set.
public struct DynamicGaussianModel: Layer {
    /// Sizes, canonical space, thresholds and background.
    public let configuration: DynamicGaussianConfiguration
    /// X0, canonical positions `[N, 3]`.
    public let positions: Parameter
    /// F0, per-point features `[N, featureWidth]`.
    public let features: Parameter
    /// Q0, neutral rotations (w, x, y, z) `[N, 4]`.
    public let rotations: Parameter
    /// S0, neutral log-scales in canonical units `[N, 3]`.
    public let logScales: Parameter
    /// A0, neutral opacity logits `[N, 1]`.
    public let opacityLogits: Parameter
    /// P0, canonical 3D landmarks `[L, 3]` (fixed after the guidance stage).
    public let landmarks: Tensor
    /// f_def^exp, f_def^pose, f_col^exp, f_col^pose.
    public let networks: DynamicHeadNetworks
    /// f_att^exp, f_att^pose.
    public let attributes: DynamicAttributeNetworks
    /// Ψ.
    public let superResolution: SuperResolutionNetwork

    /// Bundles the parts; shapes must agree (programmer error otherwise).
    public init(
        configuration: DynamicGaussianConfiguration, positions: Tensor, features: Tensor, rotations: Tensor, logScales: Tensor,
        opacityLogits: Tensor, landmarks: Tensor, networks: DynamicHeadNetworks, attributes: DynamicAttributeNetworks,
        superResolution: SuperResolutionNetwork
    ) {
        let n = positions.shape[0]
        precondition(
            positions.shape == [n, 3] && features.shape == [n, configuration.networks.featureWidth] && rotations.shape == [n, 4]
                && logScales.shape == [n, 3] && opacityLogits.shape == [n, 1], "neutral Gaussian shapes disagree")
        self.configuration = configuration
        self.positions = Parameter(positions)
        self.features = Parameter(features)
        self.rotations = Parameter(rotations)
        self.logScales = Parameter(logScales)
        self.opacityLogits = Parameter(opacityLogits)
        self.landmarks = landmarks
        self.networks = networks
        self.attributes = attributes
        self.superResolution = superResolution
    }

    /// Fresh networks of `configuration` (random attribute MLPs and Ψ) around given neutral Gaussians.
    public init(
        configuration: DynamicGaussianConfiguration, positions: Tensor, features: Tensor, rotations: Tensor, logScales: Tensor,
        opacityLogits: Tensor, landmarks: Tensor, networks: DynamicHeadNetworks, generator: inout SplitMix64
    ) throws {
        let attributes = DynamicAttributeNetworks(
            featureWidth: configuration.networks.featureWidth, expressionWidth: configuration.networks.expressionWidth,
            frequencies: configuration.networks.frequencies, expressionHidden: configuration.attributeExpressionHidden,
            poseHidden: configuration.attributePoseHidden, outputScale: configuration.attributeScale, generator: &generator)
        let superResolution = try SuperResolutionNetwork(configuration: configuration.superResolution, generator: &generator)
        self.init(
            configuration: configuration, positions: positions, features: features, rotations: rotations, logScales: logScales,
            opacityLogits: opacityLogits, landmarks: landmarks, networks: networks, attributes: attributes,
            superResolution: superResolution)
    }

    /// Number of Gaussians.
    public var count: Int { positions.shape[0] }

    /// The neutral Gaussians by name.
    public var neutralParameters: [(name: String, parameter: Parameter)] {
        [
            ("neutral.positions", positions), ("neutral.features", features), ("neutral.rotations", rotations),
            ("neutral.log_scales", logScales), ("neutral.opacity_logits", opacityLogits),
        ]
    }

    /// Every parameter: `neutral.*`, `networks.*`, `attributes.*`, `superres.*`.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        neutralParameters
            + networks.namedParameters.map { ("networks.\($0.name)", $0.parameter) }
            + attributes.namedParameters.map { ("attributes.\($0.name)", $0.parameter) }
            + superResolution.namedParameters.map { ("superres.\($0.name)", $0.parameter) }
    }

    /// The conditions and rigid map of one driving frame for a subject of model scale `scale`.
    public func condition(of frame: HeadTracking.Frame, scale: Double) -> DynamicCondition {
        DynamicCondition(
            expression: CanonicalHeadSpace.expressionCondition(of: frame),
            pose: configuration.canonicalSpace.poseCondition(of: frame, scale: scale),
            transform: configuration.canonicalSpace.worldTransform(of: frame, scale: scale))
    }

    /// λ_exp of the current X0 (eq. 3), `[N, 1]`.
    public var expressionWeights: Tensor {
        configuration.blend.expressionWeights(points: positions.value, landmarks: landmarks)
    }

    /// The world-space Gaussians of eq. 2–7 on `tape` (nil: constants): X' = X0 + λ_exp f_def^exp + λ_pose f_def^pose,
    /// C from the colour MLPs, {Q', S', A'} = neutral + attribute shifts, then the head pose (and, when given,
    /// a learnable rigid correction `[1, 3]` axis-angle + `[1, 3]` translation about the posed pivot).
    public func gaussians(
        _ condition: DynamicCondition, correction: (rotation: Variable, translation: Variable)? = nil,
        on tape: Tape?
    ) -> GaussianVariables {
        let lambda = expressionWeights
        let x0 = positions.variable(on: tape), f0 = features.variable(on: tape)
        let theta = Variable(Tensor(shape: [1, condition.expression.count], scalars: condition.expression))
        let beta = Variable(Tensor(shape: [1, 6], scalars: condition.pose))
        let displacement =
            configuration.control.map { controlledDisplacement(points: x0, expression: theta, pose: beta, expressionWeights: lambda, settings: $0, on: tape) }
            ?? networks.displacement(points: x0, expression: theta, pose: beta, expressionWeights: lambda, on: tape)
        let deformed = x0 + displacement
        let colors = networks.color(features: f0, expression: theta, pose: beta, expressionWeights: lambda, on: tape)
        let shifts = attributes.shifts(features: f0, expression: theta, pose: beta, expressionWeights: lambda, on: tape)
        let scales = logScales.variable(on: tape) + shifts.slice(0..<3, axis: 1) + log(condition.transform.stretch)
        let localRotations = rotations.variable(on: tape) + shifts.slice(3..<7, axis: 1)
        let opacity = opacityLogits.variable(on: tape) + shifts.slice(7..<8, axis: 1)
        var world = condition.transform.apply(means: deformed, rotations: localRotations)
        if let correction {
            world = RigidOffset.apply(
                means: world.means, rotations: world.rotations, rotationOffset: correction.rotation,
                translationOffset: correction.translation,
                pivot: condition.transform.pivot + condition.transform.translation)
        }
        return GaussianVariables(
            means: world.means, rotations: world.rotations, logScales: scales, opacityLogits: opacity,
            features: colors, appearance: .features(channels: configuration.networks.colorChannels))
    }

    /// The camera of the feature image: `camera` at 1/factor of its size (intrinsics scaled about pixel centres).
    /// - Throws: `AvatarError` if the camera's size is not a multiple of the factor.
    public func featureCamera(for camera: PinholeCamera) throws -> PinholeCamera {
        let factor = configuration.superResolution.factor
        guard camera.width % factor == 0, camera.height % factor == 0 else {
            throw AvatarError(
                "the camera is \(camera.width)x\(camera.height), not a multiple of the super-resolution factor \(factor); render at a size divisible by \(factor)"
            )
        }
        // Factors are 1, 2 or 4, so 1/factor is exact and `scaled(by:)` divides sizes and intrinsics exactly.
        return camera.scaled(by: 1 / Float(factor))
    }

    /// Renders the C-channel feature image at camera size / factor and runs Ψ (eq. 1 and §4.2).
    public func render(
        _ gaussians: GaussianVariables, camera: PinholeCamera, rasterizer: GaussianRasterizer,
        on tape: Tape?
    ) throws -> DynamicRender {
        let featureCamera = try featureCamera(for: camera)
        let raster = try rasterizer.render(
            gaussians, camera: featureCamera,
            settings: RasterSettings(background: configuration.featureBackground))
        let image = raster.image.permuted([2, 0, 1]).reshaped([1, configuration.networks.colorChannels, featureCamera.height, featureCamera.width])
        let rgb = superResolution(image, on: tape)
        return DynamicRender(features: raster.image, rgb: rgb, alpha: raster.alpha, raster: raster)
    }
}

/// The conditions of one driving frame: θ (expression + jaw), β (6-D pose) and the canonical → world map.
public struct DynamicCondition: Sendable {
    /// θ, `CanonicalHeadSpace.expressionCondition`.
    public var expression: [Float]
    /// β, `CanonicalHeadSpace.poseCondition`.
    public var pose: [Float]
    /// T(·, β) of eq. 6.
    public var transform: CanonicalToWorld
}

/// One GHA render: the feature image I_C, the super-resolved RGB I_hr and the feature image's alpha.
public struct DynamicRender {
    /// I_C, `[h, w, C]` (the first three channels are I_lr).
    public var features: Variable
    /// I_hr, `[1, 3, H, W]`.
    public var rgb: Variable
    /// Accumulated opacity at feature resolution, `[h, w]`.
    public var alpha: Variable
    /// The rasteriser's record (screen radii, gradient sink).
    public var raster: DifferentiableRender
}
