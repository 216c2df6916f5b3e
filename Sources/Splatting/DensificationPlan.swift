import Foundation

/// The clone/split decision of 3DGS density control and the row order of the edited set: kept
/// Gaussians first, then one clone per cloned Gaussian, then `splitSamples` samples per split
/// Gaussian. Shared by every Gaussian family (plain scenes, Gaussians rigged to triangles), which
/// differ only in how they measure a Gaussian's world size.
public struct DensificationPlan: Sendable, Equatable {
    /// Gaussians kept as they are (every Gaussian that is not split).
    public var keep: [Int]
    /// Gaussians duplicated (small ones whose gradient reaches the threshold).
    public var clone: [Int]
    /// Gaussians replaced by samples (large ones whose gradient reaches the threshold).
    public var split: [Int]
    /// For every row of the edited set, the Gaussian it was gathered from.
    public var sources: [Int]
    /// For every row of the edited set, whether it is a new Gaussian (a clone or a split sample).
    public var isNew: [Bool]
    /// Row of the first split sample in the edited set.
    public var firstSplitSample: Int

    /// Decides for `count` Gaussians: those whose average view-space gradient reaches
    /// `settings.gradientThreshold` are split when `largestWorldScale(i)` exceeds
    /// `percentDense × sceneExtent`, else cloned.
    public init(count: Int, averageGradient: [Float], settings: DensityControlSettings, largestWorldScale: (Int) -> Float) {
        let sizeLimit = settings.percentDense * settings.sceneExtent
        var keep: [Int] = [], clone: [Int] = [], split: [Int] = []
        for i in 0..<count {
            let densify = averageGradient[i] >= settings.gradientThreshold
            if densify && largestWorldScale(i) > sizeLimit {
                split.append(i)
            } else {
                keep.append(i)
                if densify { clone.append(i) }
            }
        }
        let samples = split.flatMap { [Int](repeating: $0, count: max(1, settings.splitSamples)) }
        self.keep = keep
        self.clone = clone
        self.split = split
        sources = keep + clone + samples
        isNew = [Bool](repeating: false, count: keep.count) + [Bool](repeating: true, count: clone.count + samples.count)
        firstSplitSample = keep.count + clone.count
    }
}

extension DensityControl {
    /// One split sample (3DGS): the mean moves by R·(s ⊙ n) for a standard-normal `normal` n — a
    /// draw from N(μ, R·diag(s²)·Rᵀ) — and the scales become s / `divisor`. `rotation` is a
    /// (w, x, y, z) quaternion, normalised here. Returns the offset and the new log-scales.
    public static func splitSample(
        logScales: SIMD3<Float>, rotation: SIMD4<Float>, normal: SIMD3<Float>,
        divisor: Float
    ) -> (offset: SIMD3<Float>, logScales: SIMD3<Float>) {
        let scale = SIMD3(exp(logScales.x), exp(logScales.y), exp(logScales.z))
        let norm = (rotation * rotation).sum().squareRoot()
        let rows = rotationRows(norm > 0 ? rotation / norm : SIMD4(1, 0, 0, 0))
        let reduced = scale / divisor
        return (multiply(rows, normal * scale), SIMD3(log(reduced.x), log(reduced.y), log(reduced.z)))
    }

    /// The pruning rule of 3DGS for one row of an edited set: transparent (opacity below
    /// `minOpacity`), larger than `maxWorldScaleFraction × sceneExtent` in the world, or — for rows
    /// that existed before the edit — larger than `maxScreenRadius` on screen.
    public static func shouldPrune(
        opacityLogit: Float, largestWorldScale: Float, isNew: Bool, source: Int,
        statistics: DensificationStatistics, settings: DensityControlSettings
    ) -> Bool {
        let opacity = 1 / (1 + exp(-opacityLogit))
        if opacity < settings.minOpacity || largestWorldScale > settings.maxWorldScaleFraction * settings.sceneExtent { return true }
        if let screenLimit = settings.maxScreenRadius, !isNew, statistics.maxScreenRadius[source] > screenLimit { return true }
        return false
    }
}
