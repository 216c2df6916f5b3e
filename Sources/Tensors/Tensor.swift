/// A Float32 N-dimensional array, contiguous and row-major (last axis fastest).
///
/// `Tensor` is a value type with copy-on-write storage: copies are cheap, and mutation copies the
/// buffer only when it is shared. `reshaped(_:)` and `rows(_:)` are views that share the buffer
/// without copying (row-major contiguity is always preserved, so every view is contiguous too).
/// Tensors carry no gradient information; wrap them in a `Variable` to differentiate.
public struct Tensor: Sendable, CustomStringConvertible {
    /// Extent of each axis, outermost first. `[]` is a scalar (one element).
    public private(set) var shape: [Int]
    /// Number of scalars (product of `shape`).
    public private(set) var count: Int
    @usableFromInline var storage: TensorStorage
    @usableFromInline var offset: Int

    /// Allocates a tensor without initialising its scalars; callers must write every element.
    @usableFromInline init(uninitializedShape shape: [Int]) {
        let n = Tensor.elementCount(shape)
        self.shape = shape
        self.count = n
        self.storage = TensorStorage(capacity: n)
        self.offset = 0
    }

    init(shape: [Int], storage: TensorStorage, offset: Int) {
        self.shape = shape
        self.count = Tensor.elementCount(shape)
        self.storage = storage
        self.offset = offset
    }

    /// A tensor of the given shape filled with zeros.
    public init(zeros shape: [Int]) {
        self.init(shape: shape, repeating: 0)
    }

    /// A tensor of the given shape with every scalar equal to `value`.
    public init(shape: [Int], repeating value: Float) {
        self.init(uninitializedShape: shape)
        storage.pointer.initialize(repeating: value, count: max(count, 1))
    }

    /// A tensor of the given shape holding `scalars` in row-major order.
    /// - Precondition: `scalars.count` equals the product of `shape` (a programmer error otherwise).
    public init(shape: [Int], scalars: [Float]) {
        self.init(uninitializedShape: shape)
        precondition(scalars.count == count, "Tensor(shape: \(shape)) needs \(count) scalars, got \(scalars.count)")
        scalars.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { storage.pointer.update(from: base, count: count) }
        }
    }

    /// A rank-0 tensor holding one scalar.
    public init(_ scalar: Float) {
        self.init(shape: [], scalars: [scalar])
    }

    /// A tensor whose scalar at each flat (row-major) index is `scalarAt(index)`, called in order.
    public init(shape: [Int], scalarAt: (Int) -> Float) {
        self.init(uninitializedShape: shape)
        let p = storage.pointer
        for i in 0..<count { p[i] = scalarAt(i) }
    }

    /// Product of the extents (1 for a scalar shape).
    @inlinable public static func elementCount(_ shape: [Int]) -> Int {
        var n = 1
        for extent in shape {
            precondition(extent >= 0, "negative extent in shape \(shape)")
            n *= extent
        }
        return n
    }

    /// Number of axes.
    public var rank: Int { shape.count }

    /// The scalars in row-major order, copied into an array.
    public var scalars: [Float] {
        Array(UnsafeBufferPointer(start: storage.pointer + offset, count: count))
    }

    /// The single scalar of a one-element tensor.
    public var scalar: Float {
        precondition(count == 1, "scalar requires a one-element tensor, shape is \(shape)")
        return storage.pointer[offset]
    }

    /// Read-only access to the contiguous scalars.
    @inlinable public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer + offset, count: count))
    }

    /// Mutable access to the contiguous scalars; copies the buffer first if it is shared.
    @inlinable public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        makeUnique()
        return try body(UnsafeMutableBufferPointer(start: storage.pointer + offset, count: count))
    }

    /// Read-only base pointer; valid while `self` is alive. For hot loops inside this module.
    @usableFromInline var basePointer: UnsafeMutablePointer<Float> { storage.pointer + offset }

    @usableFromInline mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) {
            let copy = TensorStorage(capacity: count)
            copy.pointer.update(from: storage.pointer + offset, count: count)
            storage = copy
            offset = 0
        }
    }

    /// Flat (row-major) element access.
    public subscript(flat index: Int) -> Float {
        get {
            precondition(index >= 0 && index < count, "flat index \(index) out of range 0..<\(count)")
            return storage.pointer[offset + index]
        }
        set {
            precondition(index >= 0 && index < count, "flat index \(index) out of range 0..<\(count)")
            makeUnique()
            storage.pointer[offset + index] = newValue
        }
    }

    /// Multi-index element access, one index per axis.
    public subscript(indices: Int...) -> Float {
        get { self[flat: flatIndex(indices)] }
        set { self[flat: flatIndex(indices)] = newValue }
    }

    func flatIndex(_ indices: [Int]) -> Int {
        precondition(indices.count == shape.count, "expected \(shape.count) indices for shape \(shape), got \(indices.count)")
        var flat = 0
        for (axis, index) in indices.enumerated() {
            precondition(index >= 0 && index < shape[axis], "index \(index) out of range for axis \(axis) of shape \(shape)")
            flat = flat * shape[axis] + index
        }
        return flat
    }

    /// The same scalars viewed with another shape (no copy). One extent may be -1 (inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: Tensor.resolve(newShape, count: count), storage: storage, offset: offset)
    }

    static func resolve(_ newShape: [Int], count: Int) -> [Int] {
        var resolved = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().reduce(1) { $1.offset == inferred ? $0 : $0 * $1.element }
            precondition(known > 0 && count % known == 0, "cannot reshape \(count) scalars to \(newShape)")
            resolved[inferred] = count / known
        }
        precondition(elementCount(resolved) == count, "cannot reshape \(count) scalars to \(newShape)")
        return resolved
    }

    /// Rows `range` along axis 0, as a view sharing this tensor's buffer (no copy).
    public func rows(_ range: Range<Int>) -> Tensor {
        precondition(rank >= 1 && range.lowerBound >= 0 && range.upperBound <= shape[0], "rows \(range) out of range for shape \(shape)")
        let rowSize = shape[0] == 0 ? 0 : count / shape[0]
        var newShape = shape
        newShape[0] = range.count
        return Tensor(shape: newShape, storage: storage, offset: offset + range.lowerBound * rowSize)
    }

    /// A tensor with the same shape whose scalars are `transform` of this tensor's scalars.
    public func map(_ transform: (Float) -> Float) -> Tensor {
        Kernels.map(self, transform)
    }

    /// A uniform random tensor in `[low, high)` drawn from `generator` (deterministic for a seed).
    public static func uniform(shape: [Int], low: Float = 0, high: Float = 1, generator: inout SplitMix64) -> Tensor {
        Tensor(shape: shape) { _ in low + (high - low) * generator.nextUniform() }
    }

    /// A normal random tensor with the given mean and standard deviation (deterministic for a seed).
    public static func normal(shape: [Int], mean: Float = 0, standardDeviation: Float = 1, generator: inout SplitMix64) -> Tensor {
        Tensor(shape: shape) { _ in mean + standardDeviation * generator.nextNormal() }
    }

    /// Shape and the first few scalars, for debugging.
    public var description: String {
        let preview = scalars.prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(preview)\(count > 8 ? ", ..." : "")])"
    }
}
