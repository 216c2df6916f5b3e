import Tensors

/// GHA's blend weights (eq. 3): points near the canonical 3D landmarks P0 follow the expression,
/// points far from them follow the head pose. λ_exp(x) = 1 below `near`, 0 above `far`, linear in
/// between, with `dist(x, P0)` the distance to the nearest landmark in canonical units (head
/// length ≈ 1); λ_pose = 1 − λ_exp. The weights are not differentiated (they select, they do not fit).
public struct ExpressionBlend: Codable, Sendable, Equatable {
    /// t1: full expression influence below this distance (paper 0.15; official config 0.1).
    public var near: Float
    /// t2: no expression influence above this distance (paper and config 0.25).
    public var far: Float

    /// Creates a blend; the paper's thresholds by default.
    public init(near: Float = 0.15, far: Float = 0.25) {
        self.near = near
        self.far = far
    }

    /// λ_exp for every point of `points [N, 3]` given the landmarks `landmarks [L, 3]`, as `[N, 1]`.
    public func expressionWeights(points: Tensor, landmarks: Tensor) -> Tensor {
        let n = points.shape[0], l = landmarks.shape[0]
        var weights = Tensor(zeros: [n, 1])
        points.withUnsafeBufferPointer { p in
            landmarks.withUnsafeBufferPointer { q in
                weights.withUnsafeMutableBufferPointer { w in
                    guard let output = w.baseAddress else { return }
                    ThreadPool.shared.forEachPart(n, minimumPart: max(1, 16_384 / max(1, l))) { _, range in
                        for i in range {
                            let x = SIMD3(p[3 * i], p[3 * i + 1], p[3 * i + 2])
                            var nearest = Float.infinity
                            for j in 0..<l {
                                let d = x - SIMD3(q[3 * j], q[3 * j + 1], q[3 * j + 2])
                                nearest = min(nearest, (d * d).sum())
                            }
                            output[i] = weight(distance: nearest.squareRoot())
                        }
                    }
                }
            }
        }
        return weights
    }

    /// λ_exp at one distance.
    public func weight(distance: Float) -> Float {
        if distance <= near { return 1 }
        if distance >= far { return 0 }
        return (far - distance) / (far - near)
    }
}
