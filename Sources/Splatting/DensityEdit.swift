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
