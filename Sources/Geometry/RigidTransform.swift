/// A rigid transform `p ↦ R p + t` (rotation then translation), e.g. world-to-camera extrinsics.
public struct RigidTransform: Sendable, Equatable, Hashable {
    /// The rotation `R` (orthonormal, determinant +1).
    public var rotation: Matrix3x3
    /// The translation `t` (metres).
    public var translation: SIMD3<Float>

    /// Creates a transform from a rotation and a translation.
    public init(rotation: Matrix3x3 = .identity, translation: SIMD3<Float> = .zero) {
        self.rotation = rotation
        self.translation = translation
    }

    /// The identity transform.
    public static let identity = RigidTransform()

    /// Creates the transform of a row-major 4×4 homogeneous matrix `[R t; 0 0 0 1]`.
    /// Throws if there are not 16 values, the last row is not (0, 0, 0, 1) or R is not a rotation.
    public init(rowMajor4x4 m: [Float]) throws {
        guard m.count == 16 else {
            throw GeometryError("a 4×4 transform needs 16 row-major values, got \(m.count)")
        }
        guard abs(m[12]) < 1e-6, abs(m[13]) < 1e-6, abs(m[14]) < 1e-6, abs(m[15] - 1) < 1e-6 else {
            throw GeometryError("the last row of a rigid 4×4 transform must be 0 0 0 1, got \(Array(m[12..<16]))")
        }
        let r = Matrix3x3(rows: SIMD3(m[0], m[1], m[2]), SIMD3(m[4], m[5], m[6]), SIMD3(m[8], m[9], m[10]))
        let orthogonality = (r * r.transposed).maxAbsDifference(.identity)
        guard orthogonality < 1e-3, r.determinant > 0 else {
            throw GeometryError("the upper-left 3×3 block of the transform is not a rotation (R Rᵀ deviates from I by \(orthogonality), det \(r.determinant))")
        }
        rotation = r
        translation = SIMD3(m[3], m[7], m[11])
    }

    /// The row-major 4×4 homogeneous matrix `[R t; 0 0 0 1]`.
    public var rowMajor4x4: [Float] {
        [
            rotation.row0.x, rotation.row0.y, rotation.row0.z, translation.x,
            rotation.row1.x, rotation.row1.y, rotation.row1.z, translation.y,
            rotation.row2.x, rotation.row2.y, rotation.row2.z, translation.z,
            0, 0, 0, 1,
        ]
    }

    /// Applies the transform to a point.
    @inlinable public func apply(_ p: SIMD3<Float>) -> SIMD3<Float> {
        rotation * p + translation
    }

    /// Rotates a direction (no translation).
    @inlinable public func applyToDirection(_ d: SIMD3<Float>) -> SIMD3<Float> {
        rotation * d
    }

    /// The inverse transform `p ↦ Rᵀ (p − t)`.
    public var inverse: RigidTransform {
        let rt = rotation.transposed
        return RigidTransform(rotation: rt, translation: -(rt * translation))
    }

    /// Composition: `(a * b).apply(p) == a.apply(b.apply(p))`.
    public static func * (a: RigidTransform, b: RigidTransform) -> RigidTransform {
        RigidTransform(rotation: a.rotation * b.rotation, translation: a.rotation * b.translation + a.translation)
    }

    /// The rotation about `pivot`: `p ↦ R (p − pivot) + pivot`.
    public static func rotation(_ r: Matrix3x3, about pivot: SIMD3<Float>) -> RigidTransform {
        RigidTransform(rotation: r, translation: pivot - r * pivot)
    }
}
