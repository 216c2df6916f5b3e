/// The result of a binding-aware density-control edit (`RiggedDensityControl`): where each
/// Gaussian of the new set came from, so optimiser moments can be remapped (kept originals come
/// first in their old order, then the new clones and split samples).
public struct BindingDensityEdit: Sendable, Equatable {
    /// For each Gaussian of the edited set, the index of its source in the previous set.
    public var sourceIndex: [Int]
    /// For each Gaussian of the edited set, true if it is a new clone or split sample.
    public var isNew: [Bool]
    /// Gaussians cloned.
    public var cloned: Int
    /// Gaussians split (each replaced by `splitSamples` samples).
    public var split: Int
    /// Gaussians pruned.
    public var pruned: Int
    /// Gaussians that met a pruning criterion but were kept because their triangle would otherwise be empty.
    public var protected: Int

    /// Per Gaussian of the previous set, whether it survives as an original (Adam `keepRows` mask).
    public func keptOriginals(previousCount: Int) -> [Bool] {
        var kept = [Bool](repeating: false, count: previousCount)
        for (target, source) in sourceIndex.enumerated() where !isNew[target] { kept[source] = true }
        return kept
    }
}
