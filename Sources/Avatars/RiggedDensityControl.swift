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
    public static func densifyAndPrune(_ gaussians: inout RiggedGaussians, triangleScales: [Float],
                                       statistics: DensificationStatistics, settings: DensityControlSettings,
                                       generator: inout Tensors.SplitMix64) -> BindingDensityEdit {
        let n = gaussians.count
        precondition(statistics.gradientNormSum.count == n, "statistics describe a different number of Gaussians")
        let gradient = statistics.averageGradientNorm
        let sizeLimit = settings.percentDense * settings.sceneExtent
        func worldLargest(_ g: RiggedGaussians, _ i: Int) -> Float {
            triangleScales[Int(g.binding[i])] * exp(max(g.logScales[3 * i], g.logScales[3 * i + 1], g.logScales[3 * i + 2]))
        }
        var keep: [Int] = [], cloneSet: [Int] = [], splitSet: [Int] = []
        for i in 0..<n {
            let densify = gradient[i] >= settings.gradientThreshold
            if densify && worldLargest(gaussians, i) > sizeLimit {
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
        var edited = gaussians.gathered(sources)
        let firstSample = keep.count + cloneSet.count
        for offset in 0..<splitSources.count {
            let i = firstSample + offset
            let scale = SIMD3(exp(edited.logScales[3 * i]), exp(edited.logScales[3 * i + 1]), exp(edited.logScales[3 * i + 2]))
            let local = SIMD3(standardNormal(&generator), standardNormal(&generator), standardNormal(&generator)) * scale
            let rotated = rotate(local, by: SIMD4(edited.rotations[4 * i], edited.rotations[4 * i + 1],
                                                  edited.rotations[4 * i + 2], edited.rotations[4 * i + 3]))
            for a in 0..<3 {
                edited.means[3 * i + a] += rotated[a]
                edited.logScales[3 * i + a] = log(scale[a] / settings.splitScaleDivisor)
            }
        }
        let worldLimit = settings.maxWorldScaleFraction * settings.sceneExtent
        var prune = [Bool](repeating: false, count: edited.count)
        for i in 0..<edited.count {
            let opacity = 1 / (1 + exp(-edited.opacityLogits[i]))
            prune[i] = opacity < settings.minOpacity || worldLargest(edited, i) > worldLimit
            if let screenLimit = settings.maxScreenRadius, !isNew[i], statistics.maxScreenRadius[sources[i]] > screenLimit {
                prune[i] = true
            }
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
        return BindingDensityEdit(sourceIndex: sources, isNew: isNew, cloned: cloneSet.count, split: splitSet.count,
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

    /// `v` rotated by the (not necessarily unit) quaternion q = (w, x, y, z).
    static func rotate(_ v: SIMD3<Float>, by q: SIMD4<Float>) -> SIMD3<Float> {
        let norm = (q * q).sum().squareRoot()
        let u = norm > 0 ? q / norm : SIMD4<Float>(1, 0, 0, 0)
        let axis = SIMD3(u[1], u[2], u[3])
        let t = 2 * cross(axis, v)
        return v + u[0] * t + cross(axis, t)
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
        return RiggedGaussians(means: rows(means, 3), rotations: rows(rotations, 4), logScales: rows(logScales, 3),
                               opacityLogits: rows(opacityLogits, 1), features: rows(features, RiggedGaussianAvatar.storedFeatureWidth),
                               binding: indices.map { binding[$0] })
    }
}
