/// A 3×3 Float32 matrix stored as three rows, used for rotations and intrinsics.
///
/// Row-major like every buffer in the project: `rows.0` is the first row. Rotations act on
/// column vectors (`R * v`).
public struct Matrix3x3: Sendable, Equatable, Hashable {
    /// First row.
    public var row0: SIMD3<Float>
    /// Second row.
    public var row1: SIMD3<Float>
    /// Third row.
    public var row2: SIMD3<Float>

    /// Creates a matrix from its three rows.
    public init(rows row0: SIMD3<Float>, _ row1: SIMD3<Float>, _ row2: SIMD3<Float>) {
        self.row0 = row0
        self.row1 = row1
        self.row2 = row2
    }

    /// Creates a matrix from its three columns.
    public init(columns c0: SIMD3<Float>, _ c1: SIMD3<Float>, _ c2: SIMD3<Float>) {
        row0 = SIMD3(c0.x, c1.x, c2.x)
        row1 = SIMD3(c0.y, c1.y, c2.y)
        row2 = SIMD3(c0.z, c1.z, c2.z)
    }

    /// Creates a matrix from nine row-major values; returns nil unless exactly nine are given.
    public init?(rowMajor values: [Float]) {
        guard values.count == 9 else { return nil }
        self.init(
            rows: SIMD3(values[0], values[1], values[2]),
            SIMD3(values[3], values[4], values[5]),
            SIMD3(values[6], values[7], values[8]))
    }

    /// The identity matrix.
    public static let identity = Matrix3x3(rows: SIMD3(1, 0, 0), SIMD3(0, 1, 0), SIMD3(0, 0, 1))

    /// The nine entries in row-major order.
    public var rowMajor: [Float] {
        [row0.x, row0.y, row0.z, row1.x, row1.y, row1.z, row2.x, row2.y, row2.z]
    }

    /// Column `index` (0, 1 or 2).
    public func column(_ index: Int) -> SIMD3<Float> {
        SIMD3(row0[index], row1[index], row2[index])
    }

    /// The transposed matrix (the inverse, for a rotation).
    public var transposed: Matrix3x3 {
        Matrix3x3(columns: row0, row1, row2)
    }

    /// The determinant (+1 for a proper rotation).
    public var determinant: Float {
        simdDot(row0, simdCross(row1, row2))
    }

    /// Matrix–vector product `m * v`.
    public static func * (m: Matrix3x3, v: SIMD3<Float>) -> SIMD3<Float> {
        SIMD3(simdDot(m.row0, v), simdDot(m.row1, v), simdDot(m.row2, v))
    }

    /// Matrix–matrix product `a * b` (apply `b` first).
    public static func * (a: Matrix3x3, b: Matrix3x3) -> Matrix3x3 {
        let c0 = b.column(0), c1 = b.column(1), c2 = b.column(2)
        return Matrix3x3(
            rows: SIMD3(simdDot(a.row0, c0), simdDot(a.row0, c1), simdDot(a.row0, c2)),
            SIMD3(simdDot(a.row1, c0), simdDot(a.row1, c1), simdDot(a.row1, c2)),
            SIMD3(simdDot(a.row2, c0), simdDot(a.row2, c1), simdDot(a.row2, c2)))
    }

    /// Scales every entry.
    public static func * (s: Float, m: Matrix3x3) -> Matrix3x3 {
        Matrix3x3(rows: s * m.row0, s * m.row1, s * m.row2)
    }

    /// Entry-wise sum.
    public static func + (a: Matrix3x3, b: Matrix3x3) -> Matrix3x3 {
        Matrix3x3(rows: a.row0 + b.row0, a.row1 + b.row1, a.row2 + b.row2)
    }

    /// The skew-symmetric cross-product matrix `[v]×`, with `[v]× w = v × w`.
    public static func crossProductMatrix(_ v: SIMD3<Float>) -> Matrix3x3 {
        Matrix3x3(rows: SIMD3(0, -v.z, v.y), SIMD3(v.z, 0, -v.x), SIMD3(-v.y, v.x, 0))
    }

    /// Largest absolute entry-wise difference to `other`, for tolerance checks.
    public func maxAbsDifference(_ other: Matrix3x3) -> Float {
        let d0 = row0 - other.row0, d1 = row1 - other.row1, d2 = row2 - other.row2
        return max(pointwiseMax(d0, -d0).max(), pointwiseMax(d1, -d1).max(), pointwiseMax(d2, -d2).max())
    }
}

/// Dot product of two 3-vectors.
@inlinable public func simdDot(_ a: SIMD3<Float>, _ b: SIMD3<Float>) -> Float {
    (a * b).sum()
}

/// Cross product `a × b` of two 3-vectors (right-handed).
@inlinable public func simdCross(_ a: SIMD3<Float>, _ b: SIMD3<Float>) -> SIMD3<Float> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}

/// Euclidean length of a 3-vector.
@inlinable public func simdLength(_ a: SIMD3<Float>) -> Float {
    simdDot(a, a).squareRoot()
}

/// `a` scaled to unit length; the zero vector stays zero.
@inlinable public func simdNormalize(_ a: SIMD3<Float>) -> SIMD3<Float> {
    let length = simdLength(a)
    return length > 0 ? a / length : a
}
