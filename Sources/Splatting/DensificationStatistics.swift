/// Per-Gaussian statistics gathered between densification steps (3DGS §5.2).
public struct DensificationStatistics: Sendable {
    /// Sum over views of the view-space positional gradient norm (NDC units).
    public var gradientNormSum: [Float]
    /// Number of views in which each Gaussian was visible.
    public var visibleViews: [Int32]
    /// Largest screen radius (pixels) seen in any view.
    public var maxScreenRadius: [Float]

    /// Zeroed statistics for `count` Gaussians.
    public init(count: Int) {
        gradientNormSum = [Float](repeating: 0, count: count)
        visibleViews = [Int32](repeating: 0, count: count)
        maxScreenRadius = [Float](repeating: 0, count: count)
    }

    /// Adds one training view's render and gradients.
    public mutating func accumulate(_ result: RasterResult, _ gradients: GaussianGradients) {
        precondition(result.screenRadius.count == gradientNormSum.count, "statistics describe a different number of Gaussians")
        for i in 0..<gradientNormSum.count where result.screenRadius[i] > 0 {
            gradientNormSum[i] += gradients.viewSpaceGradientNorm[i]
            visibleViews[i] += 1
            maxScreenRadius[i] = max(maxScreenRadius[i], result.screenRadius[i])
        }
    }

    /// Mean gradient norm over the views where each Gaussian was visible.
    public var averageGradientNorm: [Float] {
        zip(gradientNormSum, visibleViews).map { $1 > 0 ? $0 / Float($1) : 0 }
    }
}
