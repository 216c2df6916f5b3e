import Foundation

/// A unit quaternion `w + xi + yj + zk` representing a 3D rotation (Hamilton convention,
/// rotating column vectors: `q.act(v) = q v q*`).
public struct Quaternion: Sendable, Equatable, Hashable {
    /// Scalar part.
    public var w: Float
    /// Vector part (x, y, z).
    public var vector: SIMD3<Float>

    /// Creates a quaternion from its scalar and vector parts (not normalised).
    public init(w: Float, vector: SIMD3<Float>) {
        self.w = w
        self.vector = vector
    }

    /// The identity rotation.
    public static let identity = Quaternion(w: 1, vector: .zero)

    /// The rotation of `angle` radians about `axis` (normalised here; a zero axis gives identity).
    public init(axis: SIMD3<Float>, angle: Float) {
        let unit = simdNormalize(axis)
        w = cos(angle / 2)
        vector = unit * sin(angle / 2)
    }

    /// The rotation for a rotation vector (axis × angle in radians, as in Rodrigues' formula).
    public init(rotationVector r: SIMD3<Float>) {
        let angle = simdLength(r)
        if angle < 1e-8 {
            self.init(w: 1, vector: r / 2)
            self = normalized
        } else {
            self.init(axis: r / angle, angle: angle)
        }
    }

    /// The quaternion of a rotation matrix (Shepperd's method, numerically stable for all angles).
    public init(rotationMatrix m: Matrix3x3) {
        let trace = m.row0.x + m.row1.y + m.row2.z
        if trace > 0 {
            let s = (trace + 1).squareRoot() * 2
            self.init(
                w: s / 4,
                vector: SIMD3(
                    (m.row2.y - m.row1.z) / s, (m.row0.z - m.row2.x) / s,
                    (m.row1.x - m.row0.y) / s))
        } else if m.row0.x > m.row1.y && m.row0.x > m.row2.z {
            let s = (1 + m.row0.x - m.row1.y - m.row2.z).squareRoot() * 2
            self.init(
                w: (m.row2.y - m.row1.z) / s,
                vector: SIMD3(s / 4, (m.row0.y + m.row1.x) / s, (m.row0.z + m.row2.x) / s))
        } else if m.row1.y > m.row2.z {
            let s = (1 + m.row1.y - m.row0.x - m.row2.z).squareRoot() * 2
            self.init(
                w: (m.row0.z - m.row2.x) / s,
                vector: SIMD3((m.row0.y + m.row1.x) / s, s / 4, (m.row1.z + m.row2.y) / s))
        } else {
            let s = (1 + m.row2.z - m.row0.x - m.row1.y).squareRoot() * 2
            self.init(
                w: (m.row1.x - m.row0.y) / s,
                vector: SIMD3((m.row0.z + m.row2.x) / s, (m.row1.z + m.row2.y) / s, s / 4))
        }
        self = normalized
    }

    /// Euclidean norm of the four components.
    public var norm: Float { (w * w + simdDot(vector, vector)).squareRoot() }

    /// This quaternion scaled to unit norm.
    public var normalized: Quaternion {
        let n = norm
        return n > 0 ? Quaternion(w: w / n, vector: vector / n) : .identity
    }

    /// The conjugate (the inverse rotation for a unit quaternion).
    public var conjugate: Quaternion { Quaternion(w: w, vector: -vector) }

    /// Hamilton product: `a * b` applies `b` first, then `a`.
    public static func * (a: Quaternion, b: Quaternion) -> Quaternion {
        Quaternion(
            w: a.w * b.w - simdDot(a.vector, b.vector),
            vector: a.w * b.vector + b.w * a.vector + simdCross(a.vector, b.vector))
    }

    /// Rotates `v` by this (unit) quaternion.
    public func act(_ v: SIMD3<Float>) -> SIMD3<Float> {
        let t = 2 * simdCross(vector, v)
        return v + w * t + simdCross(vector, t)
    }

    /// The equivalent rotation matrix.
    public var rotationMatrix: Matrix3x3 {
        let q = normalized
        let x = q.vector.x, y = q.vector.y, z = q.vector.z, w = q.w
        return Matrix3x3(
            rows: SIMD3(1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)),
            SIMD3(2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)),
            SIMD3(2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)))
    }

    /// The rotation vector (axis × angle, angle in [0, π]).
    public var rotationVector: SIMD3<Float> {
        var q = normalized
        if q.w < 0 { q = Quaternion(w: -q.w, vector: -q.vector) }
        let sinHalf = simdLength(q.vector)
        if sinHalf < 1e-7 { return 2 * q.vector }
        let angle = 2 * atan2(sinHalf, q.w)
        return q.vector / sinHalf * angle
    }

    /// Spherical linear interpolation from `a` (t = 0) to `b` (t = 1) along the shorter arc.
    public static func slerp(_ a: Quaternion, _ b: Quaternion, t: Float) -> Quaternion {
        var end = b
        var cosine = a.w * b.w + simdDot(a.vector, b.vector)
        if cosine < 0 {
            end = Quaternion(w: -b.w, vector: -b.vector)
            cosine = -cosine
        }
        if cosine > 0.9995 {
            return Quaternion(w: a.w + t * (end.w - a.w), vector: a.vector + t * (end.vector - a.vector)).normalized
        }
        let theta = acos(cosine)
        let wa = sin((1 - t) * theta) / sin(theta), wb = sin(t * theta) / sin(theta)
        return Quaternion(w: wa * a.w + wb * end.w, vector: wa * a.vector + wb * end.vector).normalized
    }
}
