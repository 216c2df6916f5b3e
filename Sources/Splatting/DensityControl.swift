import Foundation

/// Adaptive density control of 3DGS: clone, split, prune and opacity reset on a `GaussianScene`.
/// Every edit gathers whole rows, so all payloads (features, attributes such as a triangle
/// binding or hair label) follow the Gaussians.
public enum DensityControl {
    /// Clones small Gaussians and splits large ones whose average view-space gradient exceeds the
    /// threshold, then prunes transparent or oversized ones. Split samples are drawn from the
    /// Gaussian `N(μ, R·diag(s²)·Rᵀ)` and get scales `s / splitScaleDivisor`.
    public static func densifyAndPrune(_ scene: inout GaussianScene, statistics: DensificationStatistics,
                                       settings: DensityControlSettings,
                                       using generator: inout some RandomNumberGenerator) -> DensityEdit {
        precondition(statistics.gradientNormSum.count == scene.count, "statistics describe a different number of Gaussians")
        let gradient = statistics.averageGradientNorm
        let sizeLimit = settings.percentDense * settings.sceneExtent
        var cloneSet: [Int] = [], splitSet: [Int] = [], keep: [Int] = []
        for i in 0..<scene.count {
            let largest = exp(max(scene.logScales[3 * i], scene.logScales[3 * i + 1], scene.logScales[3 * i + 2]))
            let densify = gradient[i] >= settings.gradientThreshold
            if densify && largest > sizeLimit {
                splitSet.append(i)
            } else {
                keep.append(i)
                if densify { cloneSet.append(i) }
            }
        }
        let samples = max(1, settings.splitSamples)
        let splitSources = splitSet.flatMap { [Int](repeating: $0, count: samples) }
        var sources = keep + cloneSet + splitSources
        var isNew = [Bool](repeating: false, count: keep.count) + [Bool](repeating: true, count: cloneSet.count + splitSources.count)
        var edited = scene.gathered(sources)
        let firstSample = keep.count + cloneSet.count
        for offset in 0..<splitSources.count {
            let i = firstSample + offset
            let scale = SIMD3(exp(edited.logScales[3 * i]), exp(edited.logScales[3 * i + 1]), exp(edited.logScales[3 * i + 2]))
            let q = SIMD4(edited.rotations[4 * i], edited.rotations[4 * i + 1], edited.rotations[4 * i + 2], edited.rotations[4 * i + 3])
            let norm = (q * q).sum().squareRoot()
            let rows = rotationRows(norm > 0 ? q / norm : SIMD4(1, 0, 0, 0))
            let local = SIMD3(standardNormal(&generator), standardNormal(&generator), standardNormal(&generator)) * scale
            let offsetWorld = multiply(rows, local)
            for a in 0..<3 {
                edited.means[3 * i + a] += offsetWorld[a]
                edited.logScales[3 * i + a] = log(scale[a] / settings.splitScaleDivisor)
            }
        }
        // Prune (new Gaussians have no screen statistics yet, so only opacity and world size apply).
        var survivors: [Int] = []
        let worldLimit = settings.maxWorldScaleFraction * settings.sceneExtent
        for i in 0..<edited.count {
            let opacity = 1 / (1 + exp(-edited.opacityLogits[i]))
            let largest = exp(max(edited.logScales[3 * i], edited.logScales[3 * i + 1], edited.logScales[3 * i + 2]))
            var prune = opacity < settings.minOpacity || largest > worldLimit
            if let screenLimit = settings.maxScreenRadius, !isNew[i], statistics.maxScreenRadius[sources[i]] > screenLimit {
                prune = true
            }
            if !prune { survivors.append(i) }
        }
        let pruned = edited.count - survivors.count
        if pruned > 0 {
            edited = edited.gathered(survivors)
            sources = survivors.map { sources[$0] }
            isNew = survivors.map { isNew[$0] }
        }
        scene = edited
        return DensityEdit(sourceIndex: sources, isNew: isNew, cloned: cloneSet.count, split: splitSet.count, pruned: pruned)
    }

    /// Removes the Gaussians for which `shouldRemove` is true (with all payloads).
    public static func prune(_ scene: inout GaussianScene, where shouldRemove: (Int) -> Bool) -> DensityEdit {
        let survivors = (0..<scene.count).filter { !shouldRemove($0) }
        let pruned = scene.count - survivors.count
        scene = scene.gathered(survivors)
        return DensityEdit(sourceIndex: survivors, isNew: [Bool](repeating: false, count: survivors.count),
                           cloned: 0, split: 0, pruned: pruned)
    }

    /// Opacity reset (3DGS): clamps every opacity to at most `maximum` (default 0.01), so that
    /// Gaussians which stay useless fall under the pruning threshold.
    public static func resetOpacity(_ scene: inout GaussianScene, maximum: Float = 0.01) {
        let logit = log(maximum / (1 - maximum))
        for i in 0..<scene.count { scene.opacityLogits[i] = min(scene.opacityLogits[i], logit) }
    }

    static func standardNormal(_ generator: inout some RandomNumberGenerator) -> Float {
        let u1 = max(Float.random(in: 0..<1, using: &generator), Float.leastNormalMagnitude)
        let u2 = Float.random(in: 0..<1, using: &generator)
        return (-2 * log(u1)).squareRoot() * cos(2 * Float.pi * u2)
    }
}
