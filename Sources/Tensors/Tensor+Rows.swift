/// Row-level editing used by densification (append new points, prune old ones).
extension Tensor {
    /// This tensor with `other`'s rows appended along axis 0 (trailing extents must agree).
    public func appendingRows(_ other: Tensor) -> Tensor {
        precondition(
            rank >= 1 && other.rank == rank && Array(shape.dropFirst()) == Array(other.shape.dropFirst()),
            "appendingRows: \(other.shape) does not extend \(shape)")
        return Kernels.concat([self, other], axis: 0)
    }

    /// The rows whose `mask` entry is true, in order (`mask.count` must equal `shape[0]`).
    public func keepingRows(_ mask: [Bool]) -> Tensor {
        precondition(rank >= 1 && mask.count == shape[0], "keepingRows: mask of \(mask.count) for \(shape[0]) rows")
        let kept = mask.enumerated().compactMap { $0.element ? Int32($0.offset) : nil }
        return Kernels.gatherRows(self, kept)
    }
}
