import Foundation
import Testing

@testable import Splatting

struct DensityControlTests {
    /// Four Gaussians: 0 small + high gradient (clone), 1 large + high gradient (split),
    /// 2 low gradient (kept), 3 nearly transparent (pruned). Payloads tag each Gaussian.
    private func fixture() -> (GaussianScene, DensificationStatistics) {
        var scene = TestScenes.scene(count: 4, appearance: .features(channels: 3), seed: 31)
        scene.logScales = [-6, -6, -6, -1.5, -2, -2.5, -6, -6, -6, -6, -6, -6]
        scene.opacityLogits = [0, 1, 2, -8]
        scene.attributes["triangle"] = GaussianAttribute(width: 1, values: .int32([10, 11, 12, 13]))
        scene.attributes["label"] = GaussianAttribute(width: 2, values: .float([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5]))
        var statistics = DensificationStatistics(count: 4)
        statistics.gradientNormSum = [6e-4, 9e-4, 1e-4, 3e-4]
        statistics.visibleViews = [2, 3, 1, 3]
        return (scene, statistics)
    }

    @Test func cloneSplitAndPruneCarryEveryPayload() throws {
        var (scene, statistics) = fixture()
        let original = scene
        var rng = SeededGenerator(seed: 1)
        let edit = DensityControl.densifyAndPrune(
            &scene, statistics: statistics,
            settings: DensityControlSettings(sceneExtent: 10), using: &rng)
        #expect(edit.cloned == 1 && edit.split == 1 && edit.pruned == 1)
        #expect(edit.sourceIndex == [0, 2, 0, 1, 1])
        #expect(edit.isNew == [false, false, true, true, true])
        #expect(scene.count == 5)
        #expect(scene.attributes["triangle"]!.values == .int32([10, 12, 10, 11, 11]))
        #expect(scene.attributes["label"]!.values == .float([0, 0.5, 2, 2.5, 0, 0.5, 1, 1.5, 1, 1.5]))
        for (target, source) in edit.sourceIndex.enumerated() {
            #expect(Array(scene.features[(3 * target)..<(3 * target + 3)]) == Array(original.features[(3 * source)..<(3 * source + 3)]))
            #expect(scene.opacityLogits[target] == original.opacityLogits[source])
        }
        // The clone is an exact copy; split samples have scales / 1.6 and moved means.
        #expect(Array(scene.means[6..<9]) == Array(original.means[0..<3]))
        for sample in [3, 4] {
            for a in 0..<3 {
                #expect(abs(exp(scene.logScales[3 * sample + a]) - exp(original.logScales[3 + a]) / 1.6) < 1e-6)
            }
            #expect(Array(scene.means[(3 * sample)..<(3 * sample + 3)]) != Array(original.means[3..<6]))
        }
    }

    @Test func splitSamplesFollowTheParentGaussian() throws {
        var scene = GaussianScene(
            means: [1, 2, 3], rotations: [0.9, 0.1, -0.3, 0.2], logScales: [log(0.5), log(0.1), log(0.02)],
            opacityLogits: [1], features: [0.5, 0.5, 0.5], appearance: .features(channels: 3))
        var statistics = DensificationStatistics(count: 1)
        statistics.gradientNormSum = [1]
        statistics.visibleViews = [1]
        var settings = DensityControlSettings(sceneExtent: 10)
        settings.splitSamples = 4000
        var rng = SeededGenerator(seed: 2)
        _ = DensityControl.densifyAndPrune(&scene, statistics: statistics, settings: settings, using: &rng)
        // Sample covariance in the parent's frame ≈ diag(s²).
        let q = SIMD4<Float>(0.9, 0.1, -0.3, 0.2)
        let rows = rotationRows(q / (q * q).sum().squareRoot())
        var second = SIMD3<Float>()
        for i in 0..<scene.count {
            let d = SIMD3(scene.means[3 * i] - 1, scene.means[3 * i + 1] - 2, scene.means[3 * i + 2] - 3)
            let local = SIMD3(
                (SIMD3(rows.0.x, rows.1.x, rows.2.x) * d).sum(),
                (SIMD3(rows.0.y, rows.1.y, rows.2.y) * d).sum(),
                (SIMD3(rows.0.z, rows.1.z, rows.2.z) * d).sum())
            second += local * local
        }
        let std = (second / Float(scene.count)).squareRoot()
        #expect(abs(std.x - 0.5) < 0.03 && abs(std.y - 0.1) < 0.006 && abs(std.z - 0.02) < 0.0012)
    }

    @Test func pruneBySizeUsesScreenAndWorldLimits() throws {
        var (scene, statistics) = fixture()
        statistics.gradientNormSum = [0, 0, 0, 0]
        statistics.maxScreenRadius = [5, 50, 5, 5]
        var settings = DensityControlSettings(sceneExtent: 10)
        settings.maxScreenRadius = 20
        settings.minOpacity = 0
        var rng = SeededGenerator(seed: 3)
        let edit = DensityControl.densifyAndPrune(&scene, statistics: statistics, settings: settings, using: &rng)
        #expect(edit.sourceIndex == [0, 2, 3])
        var small = fixture().0
        settings.maxScreenRadius = nil
        settings.maxWorldScaleFraction = 0.01  // limit 0.1: Gaussian 1 (scale e^-1.5 ≈ 0.22) goes
        let worldEdit = DensityControl.densifyAndPrune(&small, statistics: DensificationStatistics(count: 4), settings: settings, using: &rng)
        #expect(worldEdit.sourceIndex == [0, 2, 3])
    }

    @Test func opacityResetClampsOnlyOpaqueGaussians() throws {
        var (scene, _) = fixture()
        DensityControl.resetOpacity(&scene, maximum: 0.01)
        let opacities = scene.opacityLogits.map { 1 / (1 + exp(-$0)) }
        #expect(abs(opacities[0] - 0.01) < 1e-6 && abs(opacities[2] - 0.01) < 1e-6)
        #expect(abs(scene.opacityLogits[3] - -8) < 1e-6)
    }

    @Test func editRemapsExternalOptimiserState() throws {
        var (scene, statistics) = fixture()
        var rng = SeededGenerator(seed: 4)
        let edit = DensityControl.densifyAndPrune(
            &scene, statistics: statistics,
            settings: DensityControlSettings(sceneExtent: 10), using: &rng)
        let moments: [Float] = [1, 1, 2, 2, 3, 3, 4, 4]
        #expect(edit.remap(moments, width: 2) == [1, 1, 3, 3, 0, 0, 0, 0, 0, 0])
        #expect(edit.remap(moments, width: 2, copyToNew: true) == [1, 1, 3, 3, 1, 1, 2, 2, 2, 2])
    }
}
