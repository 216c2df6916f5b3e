/// Rigid iterative closest point (Besl & McKay 1992) with Horn's closed-form absolute orientation
/// per iteration: aligns a source point set to a target by rotation and translation, minimising
/// the mean squared distance of each source point to its nearest target point.
///
/// EAvatar (eq. 16–17) aligns a prior head mesh to the predicted guidance mesh with it before
/// comparing their centres and scales.
public enum IterativeClosestPoint {
    /// The alignment found.
    public struct Result: Sendable, Equatable {
        /// Maps source points onto the target.
        public var transform: RigidTransform
        /// Root-mean-square nearest-point distance after the last iteration.
        public var rootMeanSquareDistance: Float
        /// Iterations run.
        public var iterations: Int
    }

    /// Aligns `source` to `target`, starting from `initial`; stops after `maximumIterations` or
    /// when the RMS distance improves by less than `tolerance` (relative).
    /// - Throws: `GeometryError` if either point set is empty.
    public static func align(source: [SIMD3<Float>], target: [SIMD3<Float>], initial: RigidTransform = .identity,
                             maximumIterations: Int = 30, tolerance: Float = 1e-5) throws -> Result {
        guard !source.isEmpty, !target.isEmpty else {
            throw GeometryError("ICP needs non-empty point sets (source \(source.count), target \(target.count) points)")
        }
        let tree = KDTree(points: target)
        var transform = initial
        var previous = Float.infinity, rms = Float.infinity
        var iteration = 0
        while iteration < maximumIterations {
            iteration += 1
            let moved = source.map(transform.apply)
            var squared = 0.0
            let matches = moved.map { p -> SIMD3<Float> in
                let nearest = tree.nearest(to: p, k: 1)[0]
                squared += Double(nearest.squaredDistance)
                return target[nearest.index]
            }
            rms = Float((squared / Double(source.count)).squareRoot())
            let step = absoluteOrientation(from: moved, to: matches)
            transform = step * transform
            if previous.isFinite && previous - rms <= tolerance * max(previous, 1e-12) { break }
            previous = rms
        }
        let final = source.map(transform.apply)
        var squared = 0.0
        for p in final { squared += Double(tree.nearest(to: p, k: 1)[0].squaredDistance) }
        rms = Float((squared / Double(source.count)).squareRoot())
        return Result(transform: transform, rootMeanSquareDistance: rms, iterations: iteration)
    }

    /// Horn's closed form (1987): the rigid transform minimising Σ‖R·a_i + t − b_i‖² for
    /// corresponding points; the rotation is the unit quaternion of the largest eigenvalue of the
    /// 4×4 matrix built from the cross-covariance.
    public static func absoluteOrientation(from a: [SIMD3<Float>], to b: [SIMD3<Float>]) -> RigidTransform {
        precondition(a.count == b.count && !a.isEmpty, "absolute orientation needs equally many corresponding points")
        var meanA = SIMD3<Double>.zero, meanB = SIMD3<Double>.zero
        for (p, q) in zip(a, b) { meanA += SIMD3<Double>(p); meanB += SIMD3<Double>(q) }
        meanA /= Double(a.count)
        meanB /= Double(a.count)
        // S[i][j] = Σ (a − ā)_i (b − b̄)_j
        var s = [[Double]](repeating: [0, 0, 0], count: 3)
        for (p, q) in zip(a, b) {
            let x = SIMD3<Double>(p) - meanA, y = SIMD3<Double>(q) - meanB
            for i in 0..<3 { for j in 0..<3 { s[i][j] += x[i] * y[j] } }
        }
        let n: [[Double]] = [
            [s[0][0] + s[1][1] + s[2][2], s[1][2] - s[2][1], s[2][0] - s[0][2], s[0][1] - s[1][0]],
            [s[1][2] - s[2][1], s[0][0] - s[1][1] - s[2][2], s[0][1] + s[1][0], s[2][0] + s[0][2]],
            [s[2][0] - s[0][2], s[0][1] + s[1][0], -s[0][0] + s[1][1] - s[2][2], s[1][2] + s[2][1]],
            [s[0][1] - s[1][0], s[2][0] + s[0][2], s[1][2] + s[2][1], -s[0][0] - s[1][1] + s[2][2]],
        ]
        let q = largestEigenvector(n)
        let rotation = Quaternion(w: Float(q[0]), vector: SIMD3(Float(q[1]), Float(q[2]), Float(q[3]))).normalized.rotationMatrix
        let translation = SIMD3<Float>(meanB) - rotation * SIMD3<Float>(meanA)
        return RigidTransform(rotation: rotation, translation: translation)
    }

    /// Eigenvector of the largest eigenvalue of a symmetric 4×4 matrix (cyclic Jacobi rotations).
    static func largestEigenvector(_ matrix: [[Double]]) -> [Double] {
        var a = matrix
        var v: [[Double]] = (0..<4).map { i in (0..<4).map { $0 == i ? 1 : 0 } }
        for _ in 0..<50 {
            var off = 0.0
            for i in 0..<4 { for j in (i + 1)..<4 { off += a[i][j] * a[i][j] } }
            if off < 1e-24 { break }
            for p in 0..<3 {
                for q in (p + 1)..<4 where abs(a[p][q]) > 1e-300 {
                    let theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<4 {
                        let akp = a[k][p], akq = a[k][q]
                        a[k][p] = c * akp - s * akq
                        a[k][q] = s * akp + c * akq
                    }
                    for k in 0..<4 {
                        let apk = a[p][k], aqk = a[q][k]
                        a[p][k] = c * apk - s * aqk
                        a[q][k] = s * apk + c * aqk
                    }
                    for k in 0..<4 {
                        let vkp = v[k][p], vkq = v[k][q]
                        v[k][p] = c * vkp - s * vkq
                        v[k][q] = s * vkp + c * vkq
                    }
                }
            }
        }
        let best = (0..<4).max { a[$0][$0] < a[$1][$1] }!
        return (0..<4).map { v[$0][best] }
    }
}
