extension UnsafeBufferPointer where Element == Float {
    /// The index of the first NaN or ±Inf, nil when every value is finite. The common case (all
    /// finite) costs one pass of 16-lane adds: x − x is 0 for a finite x and NaN otherwise, and NaN
    /// survives the sums; only then is the culprit searched for. Trainers run this on millions of
    /// parameters after every step.
    public func firstNonFiniteIndex() -> Int? {
        guard let base = baseAddress else { return nil }
        var lanes = SIMD16<Float>()
        var index = 0
        while index + 16 <= count {
            let values = UnsafeRawPointer(base + index).loadUnaligned(as: SIMD16<Float>.self)
            lanes += values - values
            index += 16
        }
        var probe = lanes.sum()
        while index < count {
            probe += base[index] - base[index]
            index += 1
        }
        return probe == 0 ? nil : firstIndex { !$0.isFinite }
    }
}
