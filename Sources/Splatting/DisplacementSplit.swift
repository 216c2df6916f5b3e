import Foundation

/// Settings of a two-way split that keeps the rendered image (nearly) unchanged.
public struct TwoWaySplitSettings: Sendable, Equatable {
    /// The children sit at μ ± `offset`·s·u, u the largest axis and s its standard deviation.
    /// Along u their standard deviation becomes s·√(1 − offset²), so the pair has the parent's
    /// mean and covariance (moment matching); the other axes keep theirs. In [0, 1).
    public var offset: Float
    /// The edited set never exceeds this many Gaussians (each split adds one).
    public var maximumCount: Int

    /// Creates settings.
    public init(offset: Float, maximumCount: Int) {
        self.offset = offset
        self.maximumCount = maximumCount
    }
}

extension DensityControl {
    /// Splits each Gaussian of `candidates` (in priority order, e.g. largest displacement first) into
    /// two children and removes the parent, as EAvatar's displacement-driven splitting does (§3.2),
    /// until the set would exceed `settings.maximumCount`.
    ///
    /// The children inherit every payload; they sit on the parent's largest axis at ±offset·s with
    /// that axis shrunk to s·√(1 − offset²) (same mean and covariance as the parent), and get opacity
    /// α_c = 1 − √(1 − α), so two coincident layers composite to the parent's α: the rendered image
    /// hardly changes at the moment of splitting. Rows: the kept Gaussians in order, then two children
    /// per split Gaussian (`DensityEdit.isNew` true: their optimiser state starts from zero).
    public static func splitInTwo(_ scene: inout GaussianScene, candidates: [Int], settings: TwoWaySplitSettings) -> DensityEdit {
        let n = scene.count
        let room = max(0, settings.maximumCount - n)
        var seen = Set<Int>()
        let chosen = Array(candidates.filter { (0..<n).contains($0) && seen.insert($0).inserted }.prefix(room))
        guard !chosen.isEmpty else {
            return DensityEdit(sourceIndex: Array(0..<n), isNew: [Bool](repeating: false, count: n), cloned: 0, split: 0, pruned: 0)
        }
        let split = Set(chosen)
        let keep = (0..<n).filter { !split.contains($0) }
        let sources = keep + chosen.flatMap { [$0, $0] }
        var edited = scene.gathered(sources)
        let shrink = log((1 - settings.offset * settings.offset).squareRoot())
        for (k, parent) in chosen.enumerated() {
            let ls = SIMD3(scene.logScales[3 * parent], scene.logScales[3 * parent + 1], scene.logScales[3 * parent + 2])
            let q = SIMD4(scene.rotations[4 * parent], scene.rotations[4 * parent + 1], scene.rotations[4 * parent + 2], scene.rotations[4 * parent + 3])
            let norm = (q * q).sum().squareRoot()
            let rows = rotationRows(norm > 0 ? q / norm : SIMD4(1, 0, 0, 0))
            let axis = ls.x >= ls.y && ls.x >= ls.z ? 0 : ls.y >= ls.z ? 1 : 2
            var unit = SIMD3<Float>.zero
            unit[axis] = exp(ls[axis])
            let step = settings.offset * multiply(rows, unit)
            let alpha = 1 / (1 + exp(-scene.opacityLogits[parent]))
            let childAlpha = max(1e-6, 1 - (1 - alpha).squareRoot())
            for (child, sign) in [(keep.count + 2 * k, Float(1)), (keep.count + 2 * k + 1, Float(-1))] {
                for a in 0..<3 { edited.means[3 * child + a] += sign * step[a] }
                edited.logScales[3 * child + axis] += shrink
                edited.opacityLogits[child] = log(childAlpha / (1 - childAlpha))
            }
        }
        scene = edited
        return DensityEdit(
            sourceIndex: sources, isNew: [Bool](repeating: false, count: keep.count) + [Bool](repeating: true, count: 2 * chosen.count),
            cloned: 0, split: chosen.count, pruned: 0)
    }
}
