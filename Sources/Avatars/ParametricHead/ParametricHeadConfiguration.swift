/// Sizes of GPHM's networks and latent codes (Xu et al., 3D Gaussian Parametric Head Model, §3.2).
///
/// The paper names the networks (f_inj, f_id, f_exp "tiny MLPs", f_col with 32 channels) but gives
/// no widths, code dimensions or code initialisation; the defaults here are our documented choice
/// (docs/gphm.md "Open values"): codes of 64 (identity) and 32 (expression) dimensions drawn from
/// N(0, 0.01²) as in DeepSDF's auto-decoder, a per-point feature Γ of 64, an injected feature H of
/// 64, one hidden layer of 128 per tiny MLP. `cpu` narrows everything for the 2-core preset.
public struct ParametricHeadConfiguration: Codable, Sendable, Equatable {
    /// Dimension of an identity code z^id.
    public var identityWidth: Int
    /// Dimension of an expression code z^exp.
    public var expressionWidth: Int
    /// Width of the per-point feature Γ (f_mean's feature output in stage 1, Γ0 in stage 2).
    public var featureWidth: Int
    /// Width of the injected feature H = f_inj(z^id, Γ).
    public var injectedWidth: Int
    /// Channels of the colour C = f_col(H, z^exp) (paper 32; the first three are RGB).
    public var colorChannels: Int
    /// Hidden widths of f_inj.
    public var injectionHidden: [Int]
    /// Hidden widths of f_id.
    public var identityHidden: [Int]
    /// Hidden widths of f_exp.
    public var expressionHidden: [Int]
    /// Hidden widths of f_col.
    public var colorHidden: [Int]
    /// Bound of each displacement component after f_id's and f_exp's tanh, canonical units.
    public var deformationScale: Float
    /// Standard deviation of the initial codes (auto-decoder initialisation).
    public var codeStandardDeviation: Float

    enum CodingKeys: String, CodingKey {
        case identityWidth = "identity_width"
        case expressionWidth = "expression_width"
        case featureWidth = "feature_width"
        case injectedWidth = "injected_width"
        case colorChannels = "color_channels"
        case injectionHidden = "injection_hidden"
        case identityHidden = "identity_hidden"
        case expressionHidden = "expression_hidden"
        case colorHidden = "color_hidden"
        case deformationScale = "deformation_scale"
        case codeStandardDeviation = "code_standard_deviation"
    }

    /// Creates a configuration; the defaults are our full-size choice (the paper states none).
    public init(
        identityWidth: Int = 64, expressionWidth: Int = 32, featureWidth: Int = 64, injectedWidth: Int = 64, colorChannels: Int = 32,
        injectionHidden: [Int] = [128], identityHidden: [Int] = [128], expressionHidden: [Int] = [128], colorHidden: [Int] = [128],
        deformationScale: Float = 0.3, codeStandardDeviation: Float = 0.01
    ) {
        self.identityWidth = identityWidth
        self.expressionWidth = expressionWidth
        self.featureWidth = featureWidth
        self.injectedWidth = injectedWidth
        self.colorChannels = colorChannels
        self.injectionHidden = injectionHidden
        self.identityHidden = identityHidden
        self.expressionHidden = expressionHidden
        self.colorHidden = colorHidden
        self.deformationScale = deformationScale
        self.codeStandardDeviation = codeStandardDeviation
    }

    /// The 2-core preset: codes 16/16, Γ and H 32, hidden 64, 32 colour channels kept.
    public static let cpu = ParametricHeadConfiguration(
        identityWidth: 16, expressionWidth: 16, featureWidth: 32, injectedWidth: 32, injectionHidden: [64], identityHidden: [64],
        expressionHidden: [64], colorHidden: [64])

    /// Checks every width is positive and the colour has at least RGB.
    /// - Throws: `AvatarError` naming the offending field.
    public func validate() throws {
        let widths: [(String, Int)] = [
            ("identity_width", identityWidth), ("expression_width", expressionWidth), ("feature_width", featureWidth),
            ("injected_width", injectedWidth),
        ]
        for (name, value) in widths where value < 1 {
            throw AvatarError("parametric head: \(name) is \(value); it must be at least 1")
        }
        guard colorChannels >= 3 else {
            throw AvatarError("parametric head: color_channels is \(colorChannels); it must be at least 3 (RGB first)")
        }
        for (name, hidden) in [
            ("injection_hidden", injectionHidden), ("identity_hidden", identityHidden), ("expression_hidden", expressionHidden),
            ("color_hidden", colorHidden),
        ] where hidden.contains(where: { $0 < 1 }) {
            throw AvatarError("parametric head: \(name) \(hidden) has a width below 1")
        }
        guard deformationScale > 0, codeStandardDeviation >= 0 else {
            throw AvatarError("parametric head: deformation_scale must be > 0 and code_standard_deviation ≥ 0")
        }
    }
}
