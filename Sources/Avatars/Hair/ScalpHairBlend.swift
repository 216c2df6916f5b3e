import Tensors

/// HHAvatar's hair weight λ_hair (§3.1.2, after eq. 8): how much of the hair-dynamics offset of
/// eq. 6 a hair Gaussian receives, from its canonical distance d to the scalp P1 (head length ≈ 1).
///
/// `paper` is the rule as printed: 1 below t3, (t4 − d)/(t4 − t3) between t3 and t4, 0 beyond t4 —
/// hair further than t4 from the scalp gets no dynamics. `rootsToTips` is the alternative the issue
/// asks to measure: 0 at the scalp rising linearly to 1 at t4 and 1 beyond, so roots follow the head
/// and tips swing. The weights select, they are not differentiated (like GHA's λ_exp).
public struct ScalpHairBlend: Codable, Sendable, Equatable {
    /// The weighting rule.
    public enum Rule: String, Codable, Sendable, CaseIterable {
        /// As printed in the paper: full dynamics near the scalp, none beyond t4.
        case paper
        /// Roots still, tips free: d / t4 clamped to [0, 1].
        case rootsToTips = "roots-to-tips"
    }

    /// t3: full dynamics below this distance to the scalp (paper 0.05).
    public var near: Float
    /// t4: no dynamics beyond this distance (paper 0.15).
    public var far: Float
    /// The rule.
    public var rule: Rule

    /// The paper's thresholds and rule by default.
    public init(near: Float = 0.05, far: Float = 0.15, rule: Rule = .paper) {
        self.near = near
        self.far = far
        self.rule = rule
    }

    /// λ_hair at one distance to the scalp.
    public func weight(distance: Float) -> Float {
        switch rule {
        case .paper:
            if distance <= near { return 1 }
            if distance >= far { return 0 }
            return (far - distance) / (far - near)
        case .rootsToTips:
            return far > 0 ? min(1, max(0, distance / far)) : 1
        }
    }

    /// λ_hair of every point of `points [N, 3]` given the scalp points `scalp [S, 3]`, as `[N, 1]`
    /// (all zero when there is no scalp point).
    public func weights(points: Tensor, scalp: [SIMD3<Float>]) -> Tensor {
        let n = points.shape[0]
        guard !scalp.isEmpty else { return Tensor(zeros: [n, 1]) }
        let scalars = points.scalars
        let values = (0..<n).map { i -> Float in
            let x = SIMD3(scalars[3 * i], scalars[3 * i + 1], scalars[3 * i + 2])
            var nearest = Float.infinity
            for s in scalp { nearest = min(nearest, ((x - s) * (x - s)).sum()) }
            return weight(distance: nearest.squareRoot())
        }
        return Tensor(shape: [n, 1], scalars: values)
    }
}
