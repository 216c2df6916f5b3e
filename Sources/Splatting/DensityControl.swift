import Foundation

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

/// Thresholds of adaptive density control; defaults are the 3DGS ones.
public struct DensityControlSettings: Sendable, Equatable {
    /// Average view-space gradient norm above which a Gaussian is densified (3DGS: 2e-4).
    public var gradientThreshold: Float = 2e-4
    /// Gaussians with largest scale ≤ `percentDense · sceneExtent` are cloned, larger ones split.
    public var percentDense: Float = 0.01
    /// Radius of the scene in world units (3DGS: 1.1 × the camera spread).
    public var sceneExtent: Float
    /// Gaussians with opacity below this are pruned (3DGS: 0.005).
    public var minOpacity: Float = 0.005
    /// Gaussians whose screen radius exceeded this many pixels are pruned (3DGS: 20 after the first
    /// opacity reset); nil disables the test.
    public var maxScreenRadius: Float? = nil
    /// Gaussians whose largest scale exceeds this fraction of `sceneExtent` are pruned (3DGS: 0.1).
    public var maxWorldScaleFraction: Float = 0.1
    /// Samples drawn per split Gaussian (3DGS: 2).
    public var splitSamples: Int = 2
    /// Split samples get scales divided by this (3DGS: 0.8 · 2 = 1.6).
    public var splitScaleDivisor: Float = 1.6

    /// Settings for a scene of the given extent with 3DGS defaults otherwise.
    public init(sceneExtent: Float) { self.sceneExtent = sceneExtent }
}

/// The result of a density-control edit: where each Gaussian of the new scene came from, so that
/// state kept outside the scene (optimiser moments, statistics) can be remapped.
public struct DensityEdit: Sendable, Equatable {
    /// For each Gaussian of the edited scene, the index of its source in the previous scene.
    public var sourceIndex: [Int]
    /// For each Gaussian of the edited scene, true if it is a new clone or split sample (its
    /// optimiser state should start from zero), false if it is the surviving original.
    public var isNew: [Bool]
    /// Numbers of Gaussians cloned, split and pruned.
    public var cloned: Int, split: Int, pruned: Int

    /// Rows of an external per-Gaussian array (`width` values each) after the edit; new
    /// Gaussians get `fill` (e.g. zero Adam moments) unless `copyToNew` is set.
    public func remap(_ values: [Float], width: Int, fill: Float = 0, copyToNew: Bool = false) -> [Float] {
        var result = [Float](repeating: fill, count: sourceIndex.count * width)
        for (target, source) in sourceIndex.enumerated() where copyToNew || !isNew[target] {
            for a in 0..<width { result[target * width + a] = values[source * width + a] }
        }
        return result
    }
}

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
