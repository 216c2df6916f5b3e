/// Iterative closest point (Besl & McKay 1992) with Horn's closed-form absolute orientation per
/// iteration: aligns a source point set to a target by rotation and translation (and optionally a
/// uniform scale), minimising the mean squared distance of each source point to its nearest
/// target point. Estimating the scale keeps a source of another size from sliding to one side; it
/// needs `symmetric` correspondences (each target point to its nearest source point as well), or
/// shrinking the source onto one spot of the target would look like a perfect fit.
///
/// EAvatar (eq. 16–17) aligns a prior head mesh to the predicted guidance mesh with it before
/// comparing their centres and scales.
public enum IterativeClosestPoint {
    /// The alignment found.
    public struct Result: Sendable, Equatable {
        /// With `scale`, maps source points onto the target: p ↦ transform.apply(scale · p).
        public var transform: RigidTransform
        /// Uniform scale applied before `transform` (1 unless estimated).
        public var scale: Float
        /// Root-mean-square nearest-point distance after the last iteration.
        public var rootMeanSquareDistance: Float
        /// Iterations run.
        public var iterations: Int
    }

    /// Aligns `source` to `target`, starting from `initial`; stops after `maximumIterations` or
    /// when the RMS distance improves by less than `tolerance` (relative).
    /// - Throws: `GeometryError` if either point set is empty.
    public static func align(
        source: [SIMD3<Float>], target: [SIMD3<Float>], initial: RigidTransform = .identity,
        initialScale: Float = 1, estimateScale: Bool = false, symmetric: Bool = false,
        maximumIterations: Int = 30, tolerance: Float = 1e-5
    ) throws -> Result {
        guard !source.isEmpty, !target.isEmpty else {
            throw GeometryError("ICP needs non-empty point sets (source \(source.count), target \(target.count) points)")
        }
        let tree = KDTree(points: target)
        var transform = initial, scale = initialScale
        var previous = Float.infinity, rms = Float.infinity
        var iteration = 0
        while iteration < maximumIterations {
            iteration += 1
            var moved = source.map { transform.apply(scale * $0) }
            var squared = 0.0
            var matches = moved.map { p -> SIMD3<Float> in
                let nearest = tree.nearest(to: p, k: 1)[0]
                squared += Double(nearest.squaredDistance)
                return target[nearest.index]
            }
            rms = Float((squared / Double(source.count)).squareRoot())
            if symmetric {
                let sourceTree = KDTree(points: moved)
                for q in target {
                    moved.append(moved[sourceTree.nearest(to: q, k: 1)[0].index])
                    matches.append(q)
                }
            }
            let step = absoluteOrientation(from: moved, to: matches, estimateScale: estimateScale)
            // s₂·R₂·(R₁·(s₁·p) + t₁) + t₂ = (R₂R₁)·(s₂s₁·p) + (s₂·R₂·t₁ + t₂)
            transform = RigidTransform(
                rotation: step.transform.rotation * transform.rotation,
                translation: step.scale * (step.transform.rotation * transform.translation) + step.transform.translation)
            scale *= step.scale
            if previous.isFinite && previous - rms <= tolerance * max(previous, 1e-12) { break }
            previous = rms
        }
        let final = source.map { transform.apply(scale * $0) }
        var squared = 0.0
        for p in final { squared += Double(tree.nearest(to: p, k: 1)[0].squaredDistance) }
        rms = Float((squared / Double(source.count)).squareRoot())
        return Result(transform: transform, scale: scale, rootMeanSquareDistance: rms, iterations: iteration)
    }

    /// Horn's closed form (1987): the transform minimising Σ‖s·R·a_i + t − b_i‖² for corresponding
    /// points; the rotation is the unit quaternion of the largest eigenvalue of the 4×4 matrix built
    /// from the cross-covariance, the scale (if estimated) Σ(b − b̄)·R(a − ā) / Σ‖a − ā‖².
    public static func absoluteOrientation(
        from a: [SIMD3<Float>], to b: [SIMD3<Float>],
        estimateScale: Bool = false
    ) -> (transform: RigidTransform, scale: Float) {
        precondition(a.count == b.count && !a.isEmpty, "absolute orientation needs equally many corresponding points")
        var meanA = SIMD3<Double>.zero, meanB = SIMD3<Double>.zero
        for (p, q) in zip(a, b) {
            meanA += SIMD3<Double>(p)
            meanB += SIMD3<Double>(q)
        }
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
        var scale: Float = 1
        if estimateScale {
            var numerator = 0.0, denominator = 0.0
            for (p, q) in zip(a, b) {
                let x = SIMD3<Float>(SIMD3<Double>(p) - meanA), y = SIMD3<Float>(SIMD3<Double>(q) - meanB)
                numerator += Double(simdDot(y, rotation * x))
                denominator += Double(simdDot(x, x))
            }
            if denominator > 0 && numerator > 0 { scale = Float(numerator / denominator) }
        }
        let translation = SIMD3<Float>(meanB) - scale * (rotation * SIMD3<Float>(meanA))
        return (RigidTransform(rotation: rotation, translation: translation), scale)
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
