import Foundation

/// Adaptive density control of 3DGS: clone, split, prune and opacity reset on a `GaussianScene`.
/// Every edit gathers whole rows, so all payloads (features, attributes such as a triangle
/// binding or hair label) follow the Gaussians.
public enum DensityControl {
    /// Clones small Gaussians and splits large ones whose average view-space gradient exceeds the
    /// threshold, then prunes transparent or oversized ones. Split samples are drawn from the
    /// Gaussian `N(μ, R·diag(s²)·Rᵀ)` and get scales `s / splitScaleDivisor`.
    public static func densifyAndPrune(
        _ scene: inout GaussianScene, statistics: DensificationStatistics,
        settings: DensityControlSettings,
        using generator: inout some RandomNumberGenerator
    ) -> DensityEdit {
        precondition(statistics.gradientNormSum.count == scene.count, "statistics describe a different number of Gaussians")
        let gradient = statistics.averageGradientNorm
        func largest(_ g: GaussianScene, _ i: Int) -> Float {
            exp(max(g.logScales[3 * i], g.logScales[3 * i + 1], g.logScales[3 * i + 2]))
        }
        let plan = DensificationPlan(count: scene.count, averageGradient: gradient, settings: settings) { largest(scene, $0) }
        var sources = plan.sources, isNew = plan.isNew
        var edited = scene.gathered(sources)
        for i in plan.firstSplitSample..<edited.count {
            let normal = SIMD3(standardNormal(&generator), standardNormal(&generator), standardNormal(&generator))
            let sample = splitSample(
                logScales: SIMD3(edited.logScales[3 * i], edited.logScales[3 * i + 1], edited.logScales[3 * i + 2]),
                rotation: SIMD4(
                    edited.rotations[4 * i], edited.rotations[4 * i + 1],
                    edited.rotations[4 * i + 2], edited.rotations[4 * i + 3]),
                normal: normal, divisor: settings.splitScaleDivisor)
            for a in 0..<3 {
                edited.means[3 * i + a] += sample.offset[a]
                edited.logScales[3 * i + a] = sample.logScales[a]
            }
        }
        // Prune (new Gaussians have no screen statistics yet, so only opacity and world size apply).
        let survivors = (0..<edited.count).filter { i in
            !shouldPrune(
                opacityLogit: edited.opacityLogits[i], largestWorldScale: largest(edited, i), isNew: isNew[i],
                source: sources[i], statistics: statistics, settings: settings)
        }
        let pruned = edited.count - survivors.count
        if pruned > 0 {
            edited = edited.gathered(survivors)
            sources = survivors.map { sources[$0] }
            isNew = survivors.map { isNew[$0] }
        }
        scene = edited
        return DensityEdit(sourceIndex: sources, isNew: isNew, cloned: plan.clone.count, split: plan.split.count, pruned: pruned)
    }

    /// Removes the Gaussians for which `shouldRemove` is true (with all payloads).
    public static func prune(_ scene: inout GaussianScene, where shouldRemove: (Int) -> Bool) -> DensityEdit {
        let survivors = (0..<scene.count).filter { !shouldRemove($0) }
        let pruned = scene.count - survivors.count
        scene = scene.gathered(survivors)
        return DensityEdit(
            sourceIndex: survivors, isNew: [Bool](repeating: false, count: survivors.count),
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
