import Foundation
import Geometry
import HeadModel
import MediaIO
import Splatting
import Tensors

/// A person fitted into a GPHM (§3.4) as an AvatarModel, so `render.reenact`, `eval.images` and
/// `video.encode` serve it like any avatar:
///
///     avatar/
///       avatar.json                  AvatarManifest, family "gphm", sh_degree 0, background white
///       gaussians.safetensors        fit.identity [1, Zid], fit.expression [1, Zexp],
///                                    fit.position_offsets [N, 3] (X_can refinement, canonical units),
///                                    driving.weights [ψ + jaw + 1, Zexp] (`ExpressionCodeRegression`)
///       parametric-head.json/.safetensors   the stage-2 ParametricHeadModel with the fitted f_col
///
/// A driving frame gives the expression code through `ExpressionCodeRegression` and the rigid
/// pose (root rotation about the world origin, translation; the population's canonical space is
/// its world space × `units_per_metre`). `render(identity:expression:pose:…)` renders any codes
/// (expression transfer, interpolation).
public struct ParametricHeadAvatar: GaussianAvatarRenderer {
    /// The family name in `avatar.json`.
    public static let family = "gphm"
    /// The avatar's manifest.
    public var manifest: AvatarManifest
    /// The head model whose tracking drives the avatar (the population's).
    public let headModel: HeadModel
    /// The fitted model's manifest.
    public var headManifest: ParametricHeadManifest
    /// The fitted model's tensors by `ParametricHeadModel.tensors` name.
    public var headTensors: [String: Tensor]
    /// The fitted z^id, `[1, Zid]`.
    public var identity: Tensor
    /// The fitted z^exp of the fitted image, `[1, Zexp]`.
    public var expression: Tensor
    /// X_can refinement of the fit, `[N, 3]` canonical units.
    public var positionOffsets: Tensor
    /// Driving frame → z^exp.
    public var driving: ExpressionCodeRegression

    /// An avatar from a fitted stage-2 model (f_col already refined by the fit) and the fit's result.
    /// - Throws: `AvatarError` when the shapes disagree with the model.
    public init(
        manifest: AvatarManifest, headModel: HeadModel, model: ParametricGaussianModel, fit: ParametricHeadFitting.Result,
        driving: ExpressionCodeRegression
    ) throws {
        let artifact = try model.artifact(metrics: model.head.manifest.metrics)
        try self.init(
            manifest: manifest, headModel: headModel, headManifest: artifact.refreshedManifest, headTensors: artifact.tensors,
            identity: fit.identity, expression: fit.expression, positionOffsets: fit.positionOffsets, driving: driving)
    }

    /// An avatar from stored values, checked by building its model once.
    /// - Throws: `AvatarError` naming the tensor that disagrees.
    public init(
        manifest: AvatarManifest, headModel: HeadModel, headManifest: ParametricHeadManifest, headTensors: [String: Tensor], identity: Tensor,
        expression: Tensor, positionOffsets: Tensor, driving: ExpressionCodeRegression
    ) throws {
        self.manifest = manifest
        self.headModel = headModel
        self.headManifest = headManifest
        self.headTensors = headTensors
        self.identity = identity
        self.expression = expression
        self.positionOffsets = positionOffsets
        self.driving = driving
        let model = try self.model(), c = headManifest.configuration
        guard identity.shape == [1, c.identityWidth], expression.shape == [1, c.expressionWidth], positionOffsets.shape == [model.count, 3],
            driving.codeWidth == c.expressionWidth
        else {
            throw AvatarError(
                "GPHM avatar shapes disagree: identity \(identity.shape), expression \(expression.shape), offsets \(positionOffsets.shape), driving map to \(driving.codeWidth) values, for \(model.count) Gaussians and codes \(c.identityWidth)/\(c.expressionWidth)"
            )
        }
    }

    /// The stage-2 model holding the fitted networks.
    public func model() throws -> ParametricGaussianModel {
        try ParametricGaussianModel(restoring: try ParametricHeadModel(manifest: headManifest, tensors: headTensors))
    }

    /// Linear interpolation of two codes of the same shape, `(1 − t)·a + t·b` (identity and
    /// expression interpolation are linear in code space; t outside [0, 1] extrapolates).
    public static func interpolate(_ a: Tensor, _ b: Tensor, fraction t: Float) throws -> Tensor {
        guard a.shape == b.shape else { throw AvatarError("cannot interpolate codes of shapes \(a.shape) and \(b.shape)") }
        return Tensor(shape: a.shape, scalars: zip(a.scalars, b.scalars).map { (1 - t) * $0 + t * $1 })
    }

    /// `steps` codes from `a` to `b`, linear in code space at t = 1/steps, 2/steps, …, 1 (one step
    /// is `b` itself: expression transfer when `b` is another image's z^exp).
    /// - Throws: `AvatarError` for `steps` < 1 or codes of different shapes.
    public static func codeSequence(from a: Tensor, to b: Tensor, steps: Int) throws -> [Tensor] {
        guard steps >= 1 else { throw AvatarError("an edit needs at least one step, got \(steps)") }
        return try (1...steps).map { try interpolate(a, b, fraction: Float($0) / Float(steps)) }
    }

    /// The codes of another image (§3.4's expression editing: "fit the target image the same
    /// way"): the fit's first phase only — codes from the mean training codes, networks unchanged —
    /// through this avatar's model.
    public func fitCodes(to view: PopulationView, fitting: ParametricHeadFitting, rasterizer: GaussianRasterizer) throws -> (
        identity: Tensor, expression: Tensor, loss: Float
    ) {
        var codesOnly = fitting
        codesOnly.refineIterations = 0
        let result = try codesOnly.fit(model: try model(), view: view, rasterizer: rasterizer)
        return (result.identity, result.expression, result.codeLoss)
    }

    /// Issue 20's video driving: the codes of every driving image in turn, each fit warm-started
    /// from the previous frame's codes (`fitting.codeIterations` steps on the first frame, from the
    /// mean training codes; `warmIterations` on the others), networks unchanged. Returns each
    /// frame's codes and final L_hr; the driving expression codes are rendered with this avatar's
    /// identity (`render(identity:expression:…)`).
    public func fitCodes(
        toSequence views: [PopulationView], fitting: ParametricHeadFitting, warmIterations: Int, rasterizer: GaussianRasterizer
    ) throws -> [(identity: Tensor, expression: Tensor, loss: Float)] {
        let model = try model()
        var codesOnly = fitting
        codesOnly.refineIterations = 0
        var fitted: [(identity: Tensor, expression: Tensor, loss: Float)] = []
        for view in views {
            if !fitted.isEmpty { codesOnly.codeIterations = warmIterations }
            let start = fitted.last.map { (identity: $0.identity, expression: $0.expression) }
            let result = try codesOnly.fit(model: model, view: view, rasterizer: rasterizer, start: start)
            fitted.append((result.identity, result.expression, result.codeLoss))
        }
        return fitted
    }

    /// World-space Gaussians (32-channel features before Ψ) of the given codes with `pose`'s root
    /// rotation (about the world origin) and translation.
    public func gaussians(identity: Tensor, expression: Tensor, pose: HeadTracking.Frame, model: ParametricGaussianModel) throws -> GaussianVariables {
        guard pose.rotation.count == 3, pose.translation.count == 3 else {
            throw AvatarError("the driving frame's rotation and translation need 3 values each, got \(pose.rotation.count) and \(pose.translation.count)")
        }
        var gaussians = model.gaussians(
            identity: Variable(identity), expression: Variable(expression), canonicalOffsets: Variable(positionOffsets), on: nil
        ).gaussians
        let transform = CanonicalToWorld(
            stretch: 1, offset: .zero, rotation: SIMD3(pose.rotation.map(Float.init)), pivot: .zero, translation: SIMD3(pose.translation.map(Float.init)))
        (gaussians.means, gaussians.rotations) = transform.apply(means: gaussians.means, rotations: gaussians.rotations)
        return gaussians
    }

    /// World-space Gaussians of a driving frame (its expression code from `driving`).
    public func scene(driving frame: HeadTracking.Frame) throws -> GaussianScene {
        try gaussians(identity: identity, expression: try driving.code(for: frame), pose: frame, model: try model()).scene
    }

    /// RGBA renders of a driving frame (its expression code from `driving`).
    public func render(driving frame: HeadTracking.Frame, cameras: [PinholeCamera], rasterizer: GaussianRasterizer) throws -> [FloatImage] {
        try render(identity: identity, expression: try driving.code(for: frame), pose: frame, cameras: cameras, rasterizer: rasterizer)
    }

    /// RGBA renders of any codes: the 32-channel map splatted at half of each camera's size and Ψ ×2
    /// (as the fit renders); alpha is the map's opacity upsampled bilinearly.
    /// - Throws: `AvatarError` for a camera of odd size.
    public func render(
        identity: Tensor, expression: Tensor, pose: HeadTracking.Frame, cameras: [PinholeCamera], rasterizer: GaussianRasterizer
    ) throws -> [FloatImage] {
        let model = try model()
        let gaussians = try gaussians(identity: identity, expression: expression, pose: pose, model: model)
        return try cameras.map { camera in
            guard camera.width % 2 == 0, camera.height % 2 == 0 else {
                throw AvatarError("camera '\(camera.id)' is \(camera.width)x\(camera.height); a GPHM avatar renders even sizes (Ψ upsamples ×2)")
            }
            let r = try model.render(gaussians, featureCamera: camera.scaled(by: 0.5), rasterizer: rasterizer, on: nil)
            return DynamicGaussianAvatar.rgba(rgb: r.high, alpha: r.alpha, camera: camera)
        }
    }

    /// Writes `avatar.json`, `gaussians.safetensors` and the fitted ParametricHeadModel into `directory`.
    public func write(to directory: URL) throws {
        var manifest = self.manifest
        manifest.gaussianCount = positionOffsets.shape[0]
        let tensors = [
            "fit.identity": identity, "fit.expression": expression, "fit.position_offsets": positionOffsets, "driving.weights": driving.weights,
        ]
        try Safetensors.write(
            tensors, metadata: ["family": Self.family, "driving.rms_residual": String(driving.rmsResidual)],
            to: directory.appendingPathComponent(manifest.parametersFile))
        try Safetensors.write(headTensors, to: directory.appendingPathComponent(ParametricHeadModel.parametersFile))
        try headManifest.write(to: directory)
        try manifest.write(to: directory)
    }

    /// Reads an avatar written by `write(to:)`.
    /// - Throws: `AvatarError` naming the file and what is missing or inconsistent.
    public static func read(from directory: URL) throws -> ParametricHeadAvatar {
        let manifest = try AvatarManifest.read(from: directory)
        guard manifest.family == family else {
            throw AvatarError("\(directory.path): avatar family is '\(manifest.family)', expected '\(family)'")
        }
        let url = directory.appendingPathComponent(manifest.parametersFile)
        let advice = "re-run gphm.fit-image"
        do {
            let file = try Safetensors.read(from: url)
            func tensor(_ name: String) throws -> Tensor {
                guard let value = file.tensors[name] else { throw AvatarError("tensor '\(name)' is missing") }
                return value
            }
            let head = try ParametricHeadModel.read(from: directory)
            let weights = try tensor("driving.weights")
            let driving = try ExpressionCodeRegression(
                weights: weights, expressionCount: weights.shape[0] - 4, rmsResidual: Double(file.metadata["driving.rms_residual"] ?? "") ?? 0)
            return try ParametricHeadAvatar(
                manifest: manifest, headModel: try AvatarLoader.headModel(manifest.headModel), headManifest: head.refreshedManifest,
                headTensors: head.tensors, identity: try tensor("fit.identity"), expression: try tensor("fit.expression"),
                positionOffsets: try tensor("fit.position_offsets"), driving: driving)
        } catch let error as AvatarError {
            throw AvatarError("\(url.path): \(error.description); \(advice)")
        } catch {
            throw AvatarError("\(url.path): cannot read the GPHM avatar (\(error)); \(advice)")
        }
    }
}
