import Foundation
import Splatting
import Tensors
import Testing

@testable import Avatars

struct RiggedDensityControlTests {
    /// Six Gaussians on three triangles: 0 and 1 are big with a high gradient (split), 2 is small with
    /// a high gradient (clone), 3 and 4 are transparent (pruned), 5 is the only Gaussian of triangle 2
    /// and transparent (kept: its triangle would be empty).
    func fixture() -> (RiggedGaussians, DensificationStatistics) {
        var rng = Tensors.SplitMix64(seed: 1)
        var gaussians = RiggedGaussians.onePerTriangle(triangleCount: 3, generator: &rng).gathered([0, 0, 1, 1, 1, 2])
        gaussians.logScales = [0, 0, 0, 0, 0, 0, -6, -6, -6, 0, 0, 0, -6, -6, -6, -6, -6, -6]
        gaussians.opacityLogits = [2, 2, 2, -8, -8, -8]
        var statistics = DensificationStatistics(count: 6)
        statistics.gradientNormSum = [1e-3, 1e-3, 1e-3, 0, 0, 0]
        statistics.visibleViews = [1, 1, 1, 1, 1, 1]
        return (gaussians, statistics)
    }

    @Test func newGaussiansInheritTheirParentsTriangle() {
        var (gaussians, statistics) = fixture()
        let before = gaussians
        var rng = Tensors.SplitMix64(seed: 2)
        let edit = RiggedDensityControl.densifyAndPrune(
            &gaussians, triangleScales: [0.05, 0.05, 0.05], statistics: statistics,
            settings: DensityControlSettings(sceneExtent: 1), generator: &rng)
        #expect(edit.split == 2 && edit.cloned == 1)
        #expect(gaussians.count == edit.sourceIndex.count)
        for (target, source) in edit.sourceIndex.enumerated() {
            #expect(gaussians.binding[target] == before.binding[source])
        }
        // Split samples are 1.6× smaller than their parent.
        for (target, source) in edit.sourceIndex.enumerated() where edit.isNew[target] && source < 2 {
            #expect(Swift.abs(gaussians.logScales[3 * target] - (before.logScales[3 * source] - log(1.6))) < 1e-5)
        }
    }

    @Test func pruningNeverEmptiesATriangle() {
        var (gaussians, statistics) = fixture()
        var rng = Tensors.SplitMix64(seed: 2)
        let edit = RiggedDensityControl.densifyAndPrune(
            &gaussians, triangleScales: [0.05, 0.05, 0.05], statistics: statistics,
            settings: DensityControlSettings(sceneExtent: 1), generator: &rng)
        #expect(edit.pruned == 2)
        #expect(edit.protected == 1)
        #expect(Set(gaussians.binding) == [0, 1, 2])
    }

    @Test func keptOriginalsComeFirstInTheirOldOrder() {
        var (gaussians, statistics) = fixture()
        var rng = Tensors.SplitMix64(seed: 2)
        let edit = RiggedDensityControl.densifyAndPrune(
            &gaussians, triangleScales: [0.05, 0.05, 0.05], statistics: statistics,
            settings: DensityControlSettings(sceneExtent: 1), generator: &rng)
        let originals = edit.sourceIndex.enumerated().filter { !edit.isNew[$0.offset] }
        #expect(originals.map(\.offset) == Array(0..<originals.count))
        #expect(originals.map(\.element) == originals.map(\.element).sorted())
        #expect(edit.keptOriginals(previousCount: 6) == [false, false, true, false, false, true])
    }
}
