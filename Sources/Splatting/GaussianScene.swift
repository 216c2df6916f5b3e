/// A set of 3D Gaussians as a struct of arrays (Float32, Gaussian-major, contiguous), in the
/// parametrisation the optimiser sees (3DGS, Kerbl et al. 2023):
/// - `means`: centre μ in world units, 3 per Gaussian;
/// - `rotations`: quaternion (w, x, y, z), 4 per Gaussian, normalised before use;
/// - `logScales`: log of the standard deviations along the rotated axes, 3 per Gaussian (`exp` activation);
/// - `opacityLogits`: opacity before the sigmoid, 1 per Gaussian;
/// - `features`: colour or feature vector laid out as `appearance` says;
/// - `attributes`: extra named per-Gaussian payloads that follow every density-control edit.
public struct GaussianScene: Sendable, Equatable {
    /// Centres, `count × 3`.
    public var means: [Float]
    /// Rotation quaternions (w, x, y, z), `count × 4`.
    public var rotations: [Float]
    /// Log standard deviations, `count × 3`.
    public var logScales: [Float]
    /// Opacity logits, `count`.
    public var opacityLogits: [Float]
    /// Feature vectors or SH coefficients, `count × appearance.storedValuesPerGaussian`.
    public var features: [Float]
    /// How `features` is interpreted.
    public var appearance: GaussianAppearance
    /// Extra per-Gaussian payloads by name (PLY property prefix).
    public var attributes: [String: GaussianAttribute]

    /// Creates a scene; all arrays must describe the same number of Gaussians.
    public init(
        means: [Float], rotations: [Float], logScales: [Float], opacityLogits: [Float],
        features: [Float], appearance: GaussianAppearance, attributes: [String: GaussianAttribute] = [:]
    ) {
        self.means = means
        self.rotations = rotations
        self.logScales = logScales
        self.opacityLogits = opacityLogits
        self.features = features
        self.appearance = appearance
        self.attributes = attributes
    }

    /// An empty scene with the given appearance.
    public init(appearance: GaussianAppearance) {
        self.init(means: [], rotations: [], logScales: [], opacityLogits: [], features: [], appearance: appearance)
    }

    /// Number of Gaussians.
    public var count: Int { opacityLogits.count }

    /// Checks that every array has `count` rows; a mismatch is reported with the field name.
    public func validateShapes() throws(SplattingError) {
        let n = count
        let expected: [(String, Int, Int)] = [
            ("means", means.count, 3), ("rotations", rotations.count, 4), ("logScales", logScales.count, 3),
            ("features", features.count, appearance.storedValuesPerGaussian),
        ]
        for (name, actual, width) in expected where actual != n * width {
            throw SplattingError("GaussianScene.\(name) holds \(actual) values but \(n) Gaussians need \(n * width) (\(width) each)")
        }
        if case .sphericalHarmonics(let degree) = appearance, !(0...3).contains(degree) {
            throw SplattingError("spherical-harmonics degree \(degree) is unsupported; use 0…3")
        }
        if case .features(let channels) = appearance, channels <= 0 {
            throw SplattingError("feature channel count \(channels) must be positive")
        }
        for (name, attribute) in attributes where attribute.values.count != n * attribute.width {
            throw SplattingError("attribute '\(name)' holds \(attribute.values.count) values but \(n) Gaussians need \(n * attribute.width)")
        }
    }

    /// Checks that every parameter is finite; the first NaN/Inf is reported with its Gaussian
    /// index and field, so a diverged optimisation is never rendered silently.
    public func validateFinite() throws(SplattingError) {
        let fields: [(String, [Float], Int)] = [
            ("means", means, 3), ("rotations", rotations, 4), ("logScales", logScales, 3),
            ("opacityLogits", opacityLogits, 1), ("features", features, appearance.storedValuesPerGaussian),
        ]
        for (name, values, width) in fields {
            let bad = values.withUnsafeBufferPointer { $0.firstNonFiniteIndex() }
            if let bad {
                throw SplattingError.nonFinite(field: name, gaussian: bad / width, component: bad % width, value: values[bad])
            }
        }
    }

    /// The Gaussians at `indices` in that order (indices may repeat), with every payload.
    public func gathered(_ indices: [Int]) -> GaussianScene {
        GaussianScene(
            means: gather(means, width: 3, indices: indices),
            rotations: gather(rotations, width: 4, indices: indices),
            logScales: gather(logScales, width: 3, indices: indices),
            opacityLogits: gather(opacityLogits, width: 1, indices: indices),
            features: gather(features, width: appearance.storedValuesPerGaussian, indices: indices),
            appearance: appearance,
            attributes: attributes.mapValues { $0.gathered(indices) })
    }
}
