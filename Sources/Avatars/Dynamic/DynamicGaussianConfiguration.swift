import Foundation

/// Everything besides the parameters that a Gaussian Head Avatar needs to be rebuilt and driven:
/// the canonical head space and λ thresholds inherited from the Guidance, the network sizes and
/// the rendering background. Stored as `gaussian-head-avatar.json` in the AvatarModel artifact.
public struct DynamicGaussianConfiguration: Codable, Sendable, Equatable {
    /// Head-size normalisation and pose reference (from the Guidance).
    public var canonicalSpace: CanonicalHeadSpace
    /// λ_exp thresholds (eq. 3, from the Guidance).
    public var blend: ExpressionBlend
    /// Sizes of the four inherited MLPs and of the features F0 and colours C.
    public var networks: DynamicHeadNetworkConfiguration
    /// Hidden widths of f_att^exp (paper [256, 256, 256]).
    public var attributeExpressionHidden: [Int]
    /// Hidden widths of f_att^pose (paper [128, 128]).
    public var attributePoseHidden: [Int]
    /// Factor on the attribute shifts (official 0.2).
    public var attributeScale: Float
    /// Sizes of the super-resolution network Ψ.
    public var superResolution: SuperResolutionConfiguration
    /// RGB background in [0, 1]: the first three feature channels render over it, the rest over 0.
    public var background: [Float]
    /// EAvatar's control Gaussians (eq. 9–13), or nil for a plain Gaussian Head Avatar (key absent).
    public var control: ControlGaussianSettings?

    enum CodingKeys: String, CodingKey {
        case blend, networks, background, control
        case canonicalSpace = "canonical_space"
        case attributeExpressionHidden = "attribute_expression_hidden"
        case attributePoseHidden = "attribute_pose_hidden"
        case attributeScale = "attribute_scale"
        case superResolution = "super_resolution"
    }

    /// Creates a configuration.
    public init(
        canonicalSpace: CanonicalHeadSpace, blend: ExpressionBlend, networks: DynamicHeadNetworkConfiguration,
        attributeExpressionHidden: [Int], attributePoseHidden: [Int], attributeScale: Float = 0.2,
        superResolution: SuperResolutionConfiguration, background: [Float], control: ControlGaussianSettings? = nil
    ) {
        self.canonicalSpace = canonicalSpace
        self.blend = blend
        self.networks = networks
        self.attributeExpressionHidden = attributeExpressionHidden
        self.attributePoseHidden = attributePoseHidden
        self.attributeScale = attributeScale
        self.superResolution = superResolution
        self.background = background
        self.control = control
    }

    /// File name inside an AvatarModel artifact directory.
    public static let fileName = "gaussian-head-avatar.json"

    /// Background of every rendered feature channel: RGB, then zeros.
    public var featureBackground: [Float] {
        background + [Float](repeating: 0, count: max(0, networks.colorChannels - background.count))
    }

    /// Writes the configuration into `directory`.
    public func write(to directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: directory.appendingPathComponent(Self.fileName), options: .atomic)
    }

    /// Reads the configuration from an AvatarModel artifact directory.
    public static func read(from directory: URL) throws -> DynamicGaussianConfiguration {
        let url = directory.appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw AvatarError("\(url.path) is missing; the Gaussian Head Avatar artifact is incomplete (re-run gaussians.dynamic)")
        }
        do {
            let configuration = try JSONDecoder().decode(DynamicGaussianConfiguration.self, from: data)
            try configuration.superResolution.validate()
            return configuration
        } catch let error as AvatarError {
            throw AvatarError("\(url.path): \(error.description)")
        } catch {
            throw AvatarError("\(url.path): cannot parse the Gaussian Head Avatar configuration (\(error)); re-run gaussians.dynamic")
        }
    }
}
