import Foundation
import Geometry
import Splatting
import Tensors

/// GPHM's Gaussian model (stage 2, §3.3, eq. 3–4): a fixed set of canonical Gaussians {X0, Γ0, S0,
/// Q0, A0} displaced and coloured by the networks inherited from the guiding mesh model, with the
/// attribute network f_att shifting scale, rotation and opacity per expression; splatted to a
/// 32-channel map at half size and upsampled by the inherited Ψ.
///
/// The parameters are reference types shared with the trainer and with `ParametricHeadModel`
/// (networks, codes, Ψ), so one set is optimised and written.
public struct ParametricGaussianModel: Layer {
    /// The inherited model: networks, code tables, Ψ, P0 and its features, canonical scale.
    public let head: ParametricHeadModel
    /// X0, canonical positions `[N, 3]`.
    public let positions: Parameter
    /// Γ0, per-point features `[N, featureWidth]`.
    public let features: Parameter
    /// Q0, rotations (w, x, y, z) `[N, 4]`.
    public let rotations: Parameter
    /// S0, log-scales in canonical units `[N, 3]`.
    public let logScales: Parameter
    /// A0, opacity logits `[N, 1]`.
    public let opacityLogits: Parameter
    /// P0, canonical landmarks `[K, 3]`.
    public let landmarks: Parameter
    /// The landmarks' features `[K, featureWidth]` (f_mean is gone in stage 2; learned from its last values).
    public let landmarkFeatures: Parameter
    /// f_att: [H, z^exp] → (ΔS 3, ΔQ 4, ΔA 1), zero last layer (training starts at the 3DGS values).
    public let attributes: MLP

    /// The stage-2 initialisation of the paper (§3.3): X0 = V0, Γ0 = Γ at V0, networks, codes and Ψ
    /// inherited, f_att random (zero last layer), S0 = log of the mean distance to the 3 nearest
    /// neighbours, Q0 = identity, A0 = logit(`initialOpacity`) as 3DGS.
    public init(inheriting head: ParametricHeadModel, initialOpacity: Float = 0.1, attributeHidden: [Int], generator: inout SplitMix64) throws {
        try self.init(
            head: head, positions: head.vertices, features: head.features, initialOpacity: initialOpacity, attributeHidden: attributeHidden,
            generator: &generator)
    }

    /// Gaussians at `positions [N, 3]` with `features [N, featureWidth]` (e.g. the template-init
    /// ablation's points with zero features) and 3DGS scale, rotation and opacity.
    /// - Throws: `AvatarError` for empty or disagreeing points.
    public init(
        head: ParametricHeadModel, positions: Tensor, features: Tensor, initialOpacity: Float = 0.1, attributeHidden: [Int],
        generator: inout SplitMix64
    ) throws {
        let n = positions.shape.first ?? 0, c = head.networks.configuration
        guard n >= 2, positions.shape == [n, 3], features.shape == [n, c.featureWidth] else {
            throw AvatarError(
                "Gaussian initialisation needs at least 2 points [N, 3] with features [N, \(c.featureWidth)], got \(positions.shape) and \(features.shape)")
        }
        let points = (0..<n).map { SIMD3(positions[flat: 3 * $0], positions[flat: 3 * $0 + 1], positions[flat: 3 * $0 + 2]) }
        let tree = KDTree(points: points)
        var logScales = [Float](repeating: 0, count: 3 * n)
        for (i, point) in points.enumerated() {
            let neighbours = tree.nearest(to: point, k: 4).filter { $0.index != i }.prefix(3)
            let meanDistance = neighbours.map { $0.squaredDistance.squareRoot() }.reduce(0, +) / Float(max(1, neighbours.count))
            for a in 0..<3 { logScales[3 * i + a] = Foundation.log(max(meanDistance, 1e-6)) }
        }
        self.head = head
        self.positions = Parameter(positions)
        self.features = Parameter(features)
        rotations = Parameter(Tensor(shape: [n, 4], scalars: (0..<n).flatMap { _ in [Float(1), 0, 0, 0] }))
        self.logScales = Parameter(Tensor(shape: [n, 3], scalars: logScales))
        opacityLogits = Parameter(Tensor(shape: [n, 1], repeating: Foundation.log(initialOpacity / (1 - initialOpacity))))
        landmarks = Parameter(head.landmarks)
        landmarkFeatures = Parameter(head.landmarkFeatures)
        attributes = MLP(
            widths: [c.injectedWidth + c.expressionWidth] + attributeHidden + [8], activation: .leakyReLU(slope: 0.01), zeroLastLayer: true,
            generator: &generator)
    }

    /// Number of Gaussians.
    public var count: Int { positions.shape[0] }

    /// The canonical Gaussians and P0 by name.
    public var gaussianParameters: [(name: String, parameter: Parameter)] {
        [
            ("gaussians.positions", positions), ("gaussians.features", features), ("gaussians.rotations", rotations),
            ("gaussians.log_scales", logScales), ("gaussians.opacity_logits", opacityLogits), ("landmarks", landmarks),
            ("landmarks.features", landmarkFeatures),
        ]
    }

    /// Every parameter: `gaussians.*`, `landmarks*`, `attributes.*`, `networks.*`, `upsampler.*`, `codes.*`.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        gaussianParameters + attributes.namedParameters.map { ("attributes.\($0.name)", $0.parameter) }
            + head.networks.namedParameters.map { ("networks.\($0.name)", $0.parameter) }
            + head.upsampler.namedParameters.map { ("upsampler.\($0.name)", $0.parameter) }
            + [("codes.identity", head.identities.codes), ("codes.expression", head.expressions.codes)]
    }

    /// Eq. 3–4 for identity code `[1, Zid]` and expression code `[1, Zexp]`: the Gaussians in world
    /// units (metres; X = X_can / unitsPerMetre, R = I, T = 0 as the population is still) and the
    /// network outputs (for eq. 8). `canonicalOffsets [N, 3]` are added to X_can (single-image
    /// fitting's refinement of X_can, §3.4).
    public func gaussians(identity: Variable, expression: Variable, canonicalOffsets: Variable? = nil, on tape: Tape?)
        -> (gaussians: GaussianVariables, output: ParametricHeadOutput)
    {
        let c = head.networks.configuration
        let x0 = positions.variable(on: tape)
        let out = head.networks(features: features.variable(on: tape), identity: identity, expression: expression, on: tape)
        let shifts = attributes(out.injected, condition: expression, on: tape)
        let metres = 1 / Float(head.manifest.unitsPerMetre)
        let gaussians = GaussianVariables(
            means: (canonicalOffsets.map { out.canonicalPositions(base: x0) + $0 } ?? out.canonicalPositions(base: x0)) * metres,
            rotations: rotations.variable(on: tape) + shifts.slice(3..<7, axis: 1),
            logScales: logScales.variable(on: tape) + shifts.slice(0..<3, axis: 1) + Foundation.log(metres),
            opacityLogits: opacityLogits.variable(on: tape) + shifts.slice(7..<8, axis: 1), features: out.colors,
            appearance: .features(channels: c.colorChannels))
        return (gaussians, out)
    }

    /// The deformed canonical landmarks P = P0 + δ_id + δ_exp (eq. 7), `[K, 3]`.
    public func deformedLandmarks(identity: Variable, expression: Variable, on tape: Tape?) -> Variable {
        let p0 = landmarks.variable(on: tape)
        return head.networks(features: landmarkFeatures.variable(on: tape), identity: identity, expression: expression, on: tape)
            .canonicalPositions(base: p0)
    }

    /// Splats `gaussians` in `featureCamera` (half of the output size) over a background of 1 in
    /// every channel (as the mesh stage composites) and runs Ψ ×2: the map's RGB `[h, w, 3]`, alpha
    /// `[h, w]` and Ψ's output `[1, 3, 2h, 2w]`.
    public func render(_ gaussians: GaussianVariables, featureCamera: PinholeCamera, rasterizer: GaussianRasterizer, on tape: Tape?) throws
        -> (low: Variable, alpha: Variable, high: Variable)
    {
        let c = head.networks.configuration.colorChannels
        let raster = try rasterizer.render(gaussians, camera: featureCamera, settings: RasterSettings(background: [Float](repeating: 1, count: c)))
        let high = head.upsampler(raster.image.permuted([2, 0, 1]).reshaped([1, c, featureCamera.height, featureCamera.width]), on: tape)
        return (raster.image.slice(0..<3, axis: 2), raster.alpha, high)
    }

    // MARK: Artifact

    /// The ParametricHeadModel of stage 2: the inherited parts with the current P0 and its features,
    /// `stage` "gaussians", and the Gaussians and f_att as extras (`gaussians.*`, `attributes.*`).
    public func artifact(metrics: [String: Double]) throws -> ParametricHeadModel {
        var manifest = head.manifest
        manifest.stage = "gaussians"
        manifest.metrics = metrics
        var extras: [String: Tensor] = [:]
        for (name, parameter) in gaussianParameters where name.hasPrefix("gaussians.") { extras[name] = parameter.value }
        for (name, parameter) in attributes.namedParameters { extras["attributes.\(name)"] = parameter.value }
        return try ParametricHeadModel(
            manifest: manifest, vertices: head.vertices, faces: head.faces, features: head.features, landmarks: landmarks.value,
            landmarkFeatures: landmarkFeatures.value, networks: head.networks, identities: head.identities, expressions: head.expressions,
            upsampler: head.upsampler, extras: extras)
    }

    /// The Gaussian model stored in a stage-2 artifact (`artifact(metrics:)`).
    /// - Throws: `AvatarError` when `head` is a stage-1 model or its Gaussian tensors are missing or inconsistent.
    public init(restoring head: ParametricHeadModel) throws {
        guard head.manifest.stage == "gaussians" else {
            throw AvatarError(
                "the parametric head model is of stage '\(head.manifest.stage)', not 'gaussians'; connect the output of gphm.train-gaussians")
        }
        func tensor(_ name: String) throws -> Tensor {
            guard let value = head.extras[name] else {
                throw AvatarError("the parametric head model lacks '\(name)'; re-run gphm.train-gaussians")
            }
            return value
        }
        var layerCount = 0
        while head.extras["attributes.layers.\(layerCount).weight"] != nil { layerCount += 1 }
        guard layerCount >= 1 else { throw AvatarError("the parametric head model lacks f_att (attributes.*); re-run gphm.train-gaussians") }
        let hidden = try (0..<(layerCount - 1)).map { try tensor("attributes.layers.\($0).weight").shape[0] }
        var generator = SplitMix64(seed: 0)
        try self.init(
            head: head, positions: try tensor("gaussians.positions"), features: try tensor("gaussians.features"), attributeHidden: hidden,
            generator: &generator)
        let n = count
        for (name, parameter) in [("gaussians.rotations", rotations), ("gaussians.log_scales", logScales), ("gaussians.opacity_logits", opacityLogits)] {
            let value = try tensor(name)
            guard value.shape == [n, parameter.shape[1]] else {
                throw AvatarError("'\(name)' has shape \(value.shape), expected \([n, parameter.shape[1]]); re-run gphm.train-gaussians")
            }
            parameter.value = value
        }
        var attributeTensors: [String: Tensor] = [:]
        for (name, value) in head.extras where name.hasPrefix("attributes.") { attributeTensors[String(name.dropFirst("attributes.".count))] = value }
        try attributes.loadParameters(attributeTensors)
    }
}
