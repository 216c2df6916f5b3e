import Foundation
import Geometry
import HeadModel
import Tensors

/// GHA's canonical head space (§4.1, §4.3): the head model's space without the head pose,
/// shifted and scaled so the head is about 1 unit long — the scale at which the paper's λ_exp
/// thresholds (t1 0.15, t2 0.25) and its network initialisations are stated.
///
/// `x_canonical = (x_model − centre) / length`. A tracked frame maps canonical points to the world
/// with the head's rigid pose: `x_world = scale·(R·(x_model − pivot) + pivot) + translation'`, where
/// the head rotation composes root and neck, `R = R_root·R_neck`, and the neck's pivot enters the
/// translation, `translation' = translation + scale·(R − R_root)(pivot − neck)` (HeadTracking's model
/// for every vertex the neck carries; with a zero neck this is the root pose alone; the jaw is part of
/// the expression condition).
public struct CanonicalHeadSpace: Codable, Sendable, Equatable {
    /// Model-space point mapped to the canonical origin, model units.
    public var centre: [Double]
    /// Model units per canonical unit (the head's length in model units).
    public var length: Double
    /// The root joint of the subject's neutral shape, model units (the head rotates about it).
    public var pivot: [Double]
    /// World translation subtracted before the translation enters the pose condition β, world units
    /// (the mean tracked translation of the training frames).
    public var referenceTranslation: [Double]
    /// The neck joint of the subject's neutral shape, model units (the tracked neck rotation turns the
    /// head about it); nil in spaces saved before trackings had a neck, which then use `pivot`.
    public var neckPivot: [Double]?

    enum CodingKeys: String, CodingKey {
        case centre, length, pivot
        case referenceTranslation = "reference_translation"
        case neckPivot = "neck_pivot"
    }

    /// Creates a canonical space.
    public init(
        centre: SIMD3<Double>, length: Double, pivot: SIMD3<Double>, referenceTranslation: SIMD3<Double>, neckPivot: SIMD3<Double>? = nil
    ) {
        self.centre = [centre.x, centre.y, centre.z]
        self.length = length
        self.pivot = [pivot.x, pivot.y, pivot.z]
        self.referenceTranslation = [referenceTranslation.x, referenceTranslation.y, referenceTranslation.z]
        self.neckPivot = neckPivot.map { [$0.x, $0.y, $0.z] }
    }

    /// The canonical space of a tracked subject: centre and length from the bounding box of the
    /// subject's neutral head (identity applied, zero expression, rest pose), pivot = its root
    /// joint, neck pivot = its neck joint (if the model has one), reference translation = the mean
    /// tracked translation.
    public static func of(tracking: HeadTracking, model: HeadModel) throws -> CanonicalHeadSpace {
        let neutral = try model.shapedVertices(
            identity: tracking.identity.map(Float.init),
            expression: [Float](repeating: 0, count: model.expressionCount))
        var low = SIMD3<Double>(repeating: .infinity), high = SIMD3<Double>(repeating: -.infinity)
        for vertex in neutral {
            low = pointwiseMin(low, SIMD3<Double>(vertex))
            high = pointwiseMax(high, SIMD3<Double>(vertex))
        }
        let extent = high - low
        let root = model.jointIndex("root") ?? 0
        let joints = model.jointPositions(shaped: neutral)
        let pivot = SIMD3<Double>(joints[root])
        let neck = model.jointIndex("neck").map { SIMD3<Double>(joints[$0]) }
        var translation = SIMD3<Double>.zero
        for frame in tracking.frames { translation += SIMD3(frame.translation[0], frame.translation[1], frame.translation[2]) }
        translation /= Double(max(1, tracking.frames.count))
        return CanonicalHeadSpace(
            centre: (low + high) / 2, length: max(extent.x, extent.y, extent.z), pivot: pivot,
            referenceTranslation: translation, neckPivot: neck)
    }

    /// Canonical coordinates of a model-space point.
    public func canonical(fromModel point: SIMD3<Float>) -> SIMD3<Float> {
        (point - SIMD3<Float>(centre.map(Float.init))) / Float(length)
    }

    /// Model-space coordinates of a canonical point.
    public func model(fromCanonical point: SIMD3<Float>) -> SIMD3<Float> {
        point * Float(length) + SIMD3<Float>(centre.map(Float.init))
    }

    /// The head's rigid pose in a tracked frame about `pivot`: rotation `R_root·R_neck` (axis-angle,
    /// radians) and the world translation `t + scale·(R − R_root)(pivot − neck)` that makes the neck
    /// joint, not the root, the centre of the neck rotation.
    public func headPose(of frame: HeadTracking.Frame, scale: Double) -> (rotation: SIMD3<Float>, translation: SIMD3<Double>) {
        let root = SIMD3<Float>(frame.rotation.map(Float.init))
        let translation = SIMD3<Double>(frame.translation[0], frame.translation[1], frame.translation[2])
        let neck = frame.neck.count == 3 ? SIMD3<Float>(frame.neck.map(Float.init)) : .zero
        guard neck != .zero else { return (root, translation) }
        let rootMatrix = Matrix3x3(rotationVector: root)
        let head = rootMatrix * Matrix3x3(rotationVector: neck)
        let pivotPoint = SIMD3<Float>(pivot.map(Float.init)), neckPoint = SIMD3<Float>((neckPivot ?? pivot).map(Float.init))
        let lever = pivotPoint - neckPoint
        return (head.rotationVector, translation + scale * SIMD3<Double>(head * lever - rootMatrix * lever))
    }

    /// The rigid map of one tracked frame from canonical to world coordinates (eq. 6).
    public func worldTransform(of frame: HeadTracking.Frame, scale: Double) -> CanonicalToWorld {
        let pose = headPose(of: frame, scale: scale)
        let s = Float(scale)
        return CanonicalToWorld(
            stretch: s * Float(length), offset: s * SIMD3<Float>(centre.map(Float.init)),
            rotation: pose.rotation, pivot: s * SIMD3<Float>(pivot.map(Float.init)), translation: SIMD3<Float>(pose.translation))
    }

    /// GHA's 6-D head-pose condition β of a frame: the head rotation (root and neck, axis-angle,
    /// radians) and the head translation (`headPose`) relative to `referenceTranslation` in canonical
    /// units (world offset / (scale · length)).
    public func poseCondition(of frame: HeadTracking.Frame, scale: Double) -> [Float] {
        let pose = headPose(of: frame, scale: scale)
        let unit = scale * length
        return [pose.rotation.x, pose.rotation.y, pose.rotation.z]
            + (0..<3).map { Float((pose.translation[$0] - referenceTranslation[$0]) / unit) }
    }

    /// GHA's expression condition θ of a frame: the expression coefficients followed by the jaw
    /// rotation (axis-angle, radians) — the jaw is an expression here, as BFM's mouth opening is in GHA.
    public static func expressionCondition(of frame: HeadTracking.Frame) -> [Float] {
        frame.expression.map(Float.init) + frame.jaw.map(Float.init)
    }
}

/// One frame's canonical → world map: `x_world = R·(stretch·x + offset − pivot) + pivot + translation`,
/// rotations composed as `q_world = q(R) ⊗ q`. Scales and opacities are not directional and stay (eq. 7);
/// scales grow by `stretch` when Gaussians move from canonical to world units.
public struct CanonicalToWorld: Sendable, Equatable {
    /// World units per canonical unit (tracking scale × head length).
    public var stretch: Float
    /// Scaled canonical centre, world units before rotation.
    public var offset: SIMD3<Float>
    /// Root rotation, axis-angle, radians.
    public var rotation: SIMD3<Float>
    /// Scaled root joint, the rotation's pivot, world units.
    public var pivot: SIMD3<Float>
    /// World translation.
    public var translation: SIMD3<Float>

    /// Applies the map to one point.
    public func apply(_ point: SIMD3<Float>) -> SIMD3<Float> {
        Matrix3x3(rotationVector: rotation) * (stretch * point + offset - pivot) + pivot + translation
    }

    /// Applies the map on the tape to canonical `means [N, 3]` and unit quaternions `rotations [N, 4]`
    /// (w, x, y, z); gradients flow to both (the pose itself is a constant here; a learnable
    /// per-frame correction is `RigidOffset.apply` on the result).
    public func apply(means: Variable, rotations: Variable) -> (means: Variable, rotations: Variable) {
        let scaled = means * stretch + Variable(Tensor(shape: [1, 3], scalars: [offset.x, offset.y, offset.z]))
        return RigidOffset.apply(
            means: scaled, rotations: rotations,
            rotationOffset: Variable(Tensor(shape: [1, 3], scalars: [rotation.x, rotation.y, rotation.z])),
            translationOffset: Variable(Tensor(shape: [1, 3], scalars: [translation.x, translation.y, translation.z])),
            pivot: pivot)
    }
}
