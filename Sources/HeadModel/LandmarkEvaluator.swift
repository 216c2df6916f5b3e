import Foundation
import Geometry

/// Evaluates only the 68 landmarks of a `HeadModel`, in Double precision, touching only the
/// few hundred vertices the landmarks sit on: what fitting needs thousands of times per frame.
///
/// Same model as `HeadModel.evaluate` (shape blendshapes, joint regression, rotations about
/// the joints, linear blend skinning), followed by a uniform scale about the origin and a
/// translation: `l = s · LBS(T(β, ψ), θ) + t` (the pose's own translation is ignored).
public struct LandmarkEvaluator: Sendable {
    private let vertexCount: Int
    private let identityCount: Int
    private let expressionCount: Int
    private let jointParents: [Int]
    private let template: [SIMD3<Double>]
    private let identityBasis: [[SIMD3<Double>]]
    private let expressionBasis: [[SIMD3<Double>]]
    private let skinning: [[(joint: Int, weight: Double)]]
    private let jointTemplate: [SIMD3<Double>]
    private let jointIdentity: [[SIMD3<Double>]]
    private let jointExpression: [[SIMD3<Double>]]
    private let landmarkVertices: [SIMD3<Int>]
    private let landmarkWeights: [SIMD3<Double>]

    /// Precomputes the landmark vertices' rows of every basis and the joint regressor's products.
    public init(model: HeadModel) {
        let allVertices = model.vertexCount
        var local: [Int: Int] = [:]
        var used: [Int] = []
        var corners: [SIMD3<Int>] = []
        for landmark in model.landmarks {
            let triangle = model.triangles[Int(landmark.triangle)]
            let ids = [Int(triangle.x), Int(triangle.y), Int(triangle.z)].map { vertex -> Int in
                if let index = local[vertex] { return index }
                local[vertex] = used.count
                used.append(vertex)
                return used.count - 1
            }
            corners.append(SIMD3(ids[0], ids[1], ids[2]))
        }
        func vector(_ values: [Float], _ offset: Int) -> SIMD3<Double> {
            SIMD3(Double(values[offset]), Double(values[offset + 1]), Double(values[offset + 2]))
        }
        vertexCount = used.count
        identityCount = model.identityCount
        expressionCount = model.expressionCount
        jointParents = model.joints.map(\.parent)
        template = used.map { vector(model.templateVertices, 3 * $0) }
        identityBasis = (0..<model.identityCount).map { k in used.map { vector(model.identityBasis, k * allVertices * 3 + 3 * $0) } }
        expressionBasis = (0..<model.expressionCount).map { k in used.map { vector(model.expressionBasis, k * allVertices * 3 + 3 * $0) } }
        let joints = model.jointCount
        skinning = used.map { vertex in
            (0..<joints).compactMap { j in
                let weight = model.skinningWeights[vertex * joints + j]
                return weight != 0 ? (j, Double(weight)) : nil
            }
        }
        func regress(_ values: [Float], offset: Int) -> [SIMD3<Double>] {
            (0..<joints).map { j in
                var sum = SIMD3<Double>.zero
                for v in 0..<allVertices {
                    let weight = model.jointRegressor[j * allVertices + v]
                    if weight != 0 { sum += Double(weight) * vector(values, offset + 3 * v) }
                }
                return sum
            }
        }
        jointTemplate = regress(model.templateVertices, offset: 0)
        jointIdentity = (0..<model.identityCount).map { regress(model.identityBasis, offset: $0 * allVertices * 3) }
        jointExpression = (0..<model.expressionCount).map { regress(model.expressionBasis, offset: $0 * allVertices * 3) }
        landmarkVertices = corners
        landmarkWeights = model.landmarks.map { SIMD3(Double($0.barycentric.x), Double($0.barycentric.y), Double($0.barycentric.z)) }
    }

    /// The 68 landmarks for identity β, expression ψ, per-joint axis-angle rotations θ, scale and translation.
    public func landmarks(
        identity: [Double], expression: [Double], jointRotations: [SIMD3<Double>],
        scale: Double, translation: SIMD3<Double>
    ) -> [SIMD3<Double>] {
        var shaped = template
        var joints = jointTemplate
        for (k, coefficient) in identity.prefix(identityCount).enumerated() where coefficient != 0 {
            for v in 0..<vertexCount { shaped[v] += coefficient * identityBasis[k][v] }
            for j in 0..<joints.count { joints[j] += coefficient * jointIdentity[k][j] }
        }
        for (k, coefficient) in expression.prefix(expressionCount).enumerated() where coefficient != 0 {
            for v in 0..<vertexCount { shaped[v] += coefficient * expressionBasis[k][v] }
            for j in 0..<joints.count { joints[j] += coefficient * jointExpression[k][j] }
        }
        // Joint world transforms: G_j = G_parent ∘ Rot(θ_j about J_j).
        var rotations: [DoubleRotation] = []
        var offsets: [SIMD3<Double>] = []
        for (j, parent) in jointParents.enumerated() {
            let local = DoubleRotation(axisAngle: j < jointRotations.count ? jointRotations[j] : .zero)
            let localOffset = joints[j] - local.apply(joints[j])
            if parent < 0 {
                rotations.append(local)
                offsets.append(localOffset)
            } else {
                rotations.append(rotations[parent] * local)
                offsets.append(rotations[parent].apply(localOffset) + offsets[parent])
            }
        }
        var posed = [SIMD3<Double>](repeating: .zero, count: vertexCount)
        for v in 0..<vertexCount {
            for (joint, weight) in skinning[v] { posed[v] += weight * (rotations[joint].apply(shaped[v]) + offsets[joint]) }
        }
        return zip(landmarkVertices, landmarkWeights).map { corners, weights in
            let point = weights.x * posed[corners.x] + weights.y * posed[corners.y] + weights.z * posed[corners.z]
            return scale * point + translation
        }
    }
}

/// A 3×3 rotation in Double, built from an axis-angle vector (Rodrigues).
public struct DoubleRotation: Sendable {
    /// Rows of the matrix.
    public var rows: (SIMD3<Double>, SIMD3<Double>, SIMD3<Double>)

    /// The rotation by |ω| radians about ω/|ω|.
    public init(axisAngle omega: SIMD3<Double>) {
        let angle = (omega * omega).sum().squareRoot()
        guard angle > 1e-12 else {
            rows = (SIMD3(1, 0, 0), SIMD3(0, 1, 0), SIMD3(0, 0, 1))
            return
        }
        let k = omega / angle, c = cos(angle), s = sin(angle), t = 1 - c
        rows = (
            SIMD3(c + k.x * k.x * t, k.x * k.y * t - k.z * s, k.x * k.z * t + k.y * s),
            SIMD3(k.y * k.x * t + k.z * s, c + k.y * k.y * t, k.y * k.z * t - k.x * s),
            SIMD3(k.z * k.x * t - k.y * s, k.z * k.y * t + k.x * s, c + k.z * k.z * t)
        )
    }

    /// Wraps rows.
    public init(rows: (SIMD3<Double>, SIMD3<Double>, SIMD3<Double>)) { self.rows = rows }

    /// R·p.
    public func apply(_ p: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3((rows.0 * p).sum(), (rows.1 * p).sum(), (rows.2 * p).sum())
    }

    /// Rᵀ.
    public var transposed: DoubleRotation {
        DoubleRotation(rows: (SIMD3(rows.0.x, rows.1.x, rows.2.x), SIMD3(rows.0.y, rows.1.y, rows.2.y), SIMD3(rows.0.z, rows.1.z, rows.2.z)))
    }

    /// The axis-angle vector of this rotation (angle in [0, π]).
    public var axisAngle: SIMD3<Double> {
        let trace = rows.0.x + rows.1.y + rows.2.z
        let angle = acos(max(-1, min(1, (trace - 1) / 2)))
        if angle < 1e-9 { return .zero }
        if angle > .pi - 1e-6 {
            // Near π: axis from the largest diagonal entry of (R + I)/2.
            let diagonal = SIMD3((rows.0.x + 1) / 2, (rows.1.y + 1) / 2, (rows.2.z + 1) / 2)
            var axis: SIMD3<Double>
            if diagonal.x >= diagonal.y && diagonal.x >= diagonal.z {
                let x = diagonal.x.squareRoot()
                axis = SIMD3(x, rows.0.y / (2 * x), rows.0.z / (2 * x))
            } else if diagonal.y >= diagonal.z {
                let y = diagonal.y.squareRoot()
                axis = SIMD3(rows.0.y / (2 * y), y, rows.1.z / (2 * y))
            } else {
                let z = diagonal.z.squareRoot()
                axis = SIMD3(rows.0.z / (2 * z), rows.1.z / (2 * z), z)
            }
            return axis / (axis * axis).sum().squareRoot() * angle
        }
        let axis = SIMD3(rows.2.y - rows.1.z, rows.0.z - rows.2.x, rows.1.x - rows.0.y) / (2 * sin(angle))
        return axis * angle
    }

    /// Composition: (a * b)·p = a·(b·p).
    public static func * (a: DoubleRotation, b: DoubleRotation) -> DoubleRotation {
        let bt = b.transposed
        return DoubleRotation(
            rows: (
                SIMD3((a.rows.0 * bt.rows.0).sum(), (a.rows.0 * bt.rows.1).sum(), (a.rows.0 * bt.rows.2).sum()),
                SIMD3((a.rows.1 * bt.rows.0).sum(), (a.rows.1 * bt.rows.1).sum(), (a.rows.1 * bt.rows.2).sum()),
                SIMD3((a.rows.2 * bt.rows.0).sum(), (a.rows.2 * bt.rows.1).sum(), (a.rows.2 * bt.rows.2).sum())
            ))
    }

    /// The angle in radians between two rotations.
    public static func angle(between a: DoubleRotation, and b: DoubleRotation) -> Double {
        let relative = a.transposed * b
        return acos(max(-1, min(1, (relative.rows.0.x + relative.rows.1.y + relative.rows.2.z - 1) / 2)))
    }
}
