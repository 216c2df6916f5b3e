import Foundation
import Splatting
import Tensors

/// Adaptive density control of 3DGS (Kerbl et al. 2023, §5) for Gaussians rigged to triangles,
/// with GaussianAvatars' binding inheritance (§3.3): clones and split samples keep their parent's
/// triangle, and pruning never leaves a triangle without a Gaussian.
///
/// Sizes are judged in world units (local scale × the triangle's k), as the paper does with the
/// posed Gaussians; split samples are drawn in the triangle's local frame, which is the same
/// distribution as drawing in world space (μ′ = kRμ + T is affine with s′ = ks).
public enum RiggedDensityControl {
    /// Clones small Gaussians and splits large ones whose average view-space gradient reaches
    /// `settings.gradientThreshold`, then prunes transparent, oversized (world) or screen-filling ones
    /// unless that would empty their triangle. `triangleScales` are the current k per triangle.
    public static func densifyAndPrune(
        _ gaussians: inout RiggedGaussians, triangleScales: [Float],
        statistics: DensificationStatistics, settings: DensityControlSettings,
        generator: inout Tensors.SplitMix64
    ) -> BindingDensityEdit {
        let n = gaussians.count
        precondition(statistics.gradientNormSum.count == n, "statistics describe a different number of Gaussians")
        let gradient = statistics.averageGradientNorm
        func worldLargest(_ g: RiggedGaussians, _ i: Int) -> Float {
            triangleScales[Int(g.binding[i])] * exp(max(g.logScales[3 * i], g.logScales[3 * i + 1], g.logScales[3 * i + 2]))
        }
        let plan = DensificationPlan(count: n, averageGradient: gradient, settings: settings) { worldLargest(gaussians, $0) }
        var sources = plan.sources, isNew = plan.isNew
        var edited = gaussians.gathered(sources)
        for i in plan.firstSplitSample..<edited.count {
            // Drawn in the triangle's local frame: the same distribution as in world space (μ′ = kRμ + T, s′ = ks).
            let normal = SIMD3(standardNormal(&generator), standardNormal(&generator), standardNormal(&generator))
            let sample = DensityControl.splitSample(
                logScales: SIMD3(edited.logScales[3 * i], edited.logScales[3 * i + 1], edited.logScales[3 * i + 2]),
                rotation: SIMD4(edited.rotations[4 * i], edited.rotations[4 * i + 1], edited.rotations[4 * i + 2], edited.rotations[4 * i + 3]),
                normal: normal, divisor: settings.splitScaleDivisor)
            for a in 0..<3 {
                edited.means[3 * i + a] += sample.offset[a]
                edited.logScales[3 * i + a] = sample.logScales[a]
            }
        }
        var prune = (0..<edited.count).map { i in
            DensityControl.shouldPrune(
                opacityLogit: edited.opacityLogits[i], largestWorldScale: worldLargest(edited, i), isNew: isNew[i],
                source: sources[i], statistics: statistics, settings: settings)
        }
        // Binding inheritance: a triangle whose every Gaussian would go keeps them all (as GaussianAvatars does).
        var survivorsPerTriangle = [Int32](repeating: 0, count: triangleScales.count)
        for i in 0..<edited.count where !prune[i] { survivorsPerTriangle[Int(edited.binding[i])] += 1 }
        var protected = 0
        for i in 0..<edited.count where prune[i] && survivorsPerTriangle[Int(edited.binding[i])] == 0 {
            prune[i] = false
            protected += 1
        }
        let survivors = (0..<edited.count).filter { !prune[$0] }
        let pruned = edited.count - survivors.count
        if pruned > 0 {
            edited = edited.gathered(survivors)
            sources = survivors.map { sources[$0] }
            isNew = survivors.map { isNew[$0] }
        }
        gaussians = edited
        return BindingDensityEdit(
            sourceIndex: sources, isNew: isNew, cloned: plan.clone.count, split: plan.split.count,
            pruned: pruned, protected: protected)
    }

    /// Opacity reset (3DGS): clamps every opacity to at most `maximum`.
    public static func resetOpacity(_ gaussians: inout RiggedGaussians, maximum: Float = 0.01) {
        let logit = log(maximum / (1 - maximum))
        for i in 0..<gaussians.count { gaussians.opacityLogits[i] = min(gaussians.opacityLogits[i], logit) }
    }

    /// A standard normal sample from two uniforms (Box–Muller, nothing cached), so the generator's
    /// state alone determines the rest of the sequence (exact checkpoint resume).
    static func standardNormal(_ generator: inout Tensors.SplitMix64) -> Float {
        let u1 = (Double(generator.next() >> 11) + 1) * (1.0 / 9_007_199_254_740_993.0)
        let u2 = Double(generator.next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return Float((-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2))
    }
}

extension RiggedGaussians {
    /// The Gaussians at `indices` in that order (indices may repeat).
    public func gathered(_ indices: [Int]) -> RiggedGaussians {
        func rows(_ values: [Float], _ width: Int) -> [Float] {
            var result = [Float]()
            result.reserveCapacity(indices.count * width)
            for i in indices { result.append(contentsOf: values[(i * width)..<((i + 1) * width)]) }
            return result
        }
        return RiggedGaussians(
            means: rows(means, 3), rotations: rows(rotations, 4), logScales: rows(logScales, 3),
            opacityLogits: rows(opacityLogits, 1), features: rows(features, RiggedGaussianAvatar.storedFeatureWidth),
            binding: indices.map { binding[$0] })
    }
}
