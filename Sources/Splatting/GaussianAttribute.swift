/// A per-Gaussian payload carried alongside the splatting parameters (a triangle binding, a hair
/// label, optimiser moments…): `width` values per Gaussian, row-major. Density control keeps it
/// aligned with the Gaussians through every clone, split and prune, and PLY stores it as extra
/// named properties.
public struct GaussianAttribute: Sendable, Equatable {
    /// The stored values, `count × width`, Gaussian-major.
    public enum Values: Sendable, Equatable {
        /// 32-bit floats (PLY `float`).
        case float([Float])
        /// 32-bit signed integers (PLY `int`), e.g. triangle indices or labels.
        case int32([Int32])

        var count: Int {
            switch self {
            case .float(let v): return v.count
            case .int32(let v): return v.count
            }
        }
    }

    /// Values per Gaussian.
    public var width: Int
    /// The values of all Gaussians.
    public var values: Values

    /// Creates a payload of `width` values per Gaussian.
    public init(width: Int, values: Values) {
        precondition(width > 0, "attribute width must be positive")
        self.width = width
        self.values = values
    }

    /// Number of Gaussians the payload describes.
    public var gaussianCount: Int { values.count / width }

    /// The payload of the Gaussians at `indices`, in that order (an index may repeat).
    func gathered(_ indices: [Int]) -> GaussianAttribute {
        switch values {
        case .float(let v): return GaussianAttribute(width: width, values: .float(gather(v, width: width, indices: indices)))
        case .int32(let v): return GaussianAttribute(width: width, values: .int32(gather(v, width: width, indices: indices)))
        }
    }
}

/// Rows `indices` of a row-major `? × width` array.
func gather<T>(_ values: [T], width: Int, indices: [Int]) -> [T] {
    var result = [T]()
    result.reserveCapacity(indices.count * width)
    values.withUnsafeBufferPointer { source in
        for index in indices {
            result.append(contentsOf: source[(index * width)..<((index + 1) * width)])
        }
    }
    return result
}
