/// Sizes of GHA's dynamic-generator networks (§4.1), shared by the mesh guidance (§4.3), which
/// trains the deformation and colour MLPs first, and the dynamic Gaussians, which inherit them.
///
/// Official widths (reference/method-settings.md): exp_deform [27 + E, 256×5, 3], pose_deform
/// [27 + 54, 256, 256, 3], exp_color [128 + E, 256, 256, 32], pose_color [128 + 54, 128, 32];
/// deformation heads end in tanh × 0.3; LeakyReLU; the input re-enters at the middle of deep MLPs.
/// A CPU preset narrows the hidden widths and the feature width.
public struct DynamicHeadNetworkConfiguration: Codable, Sendable, Equatable {
    /// Width of the per-point feature vector F0 (paper 128).
    public var featureWidth: Int
    /// Channels of the rendered colour C (paper 32; the first three are RGB).
    public var colorChannels: Int
    /// Width of the expression condition θ: the head model's expression count + 3 (jaw).
    public var expressionWidth: Int
    /// Octaves of the positional encoding of points and pose (paper 4: 3 → 27, 6 → 54).
    public var frequencies: Int
    /// Hidden widths of f_def^exp (paper [256, 256, 256, 256, 256]).
    public var expressionDeformationHidden: [Int]
    /// Hidden widths of f_def^pose (paper [256, 256]).
    public var poseDeformationHidden: [Int]
    /// Hidden widths of f_col^exp (paper [256, 256]).
    public var expressionColorHidden: [Int]
    /// Hidden widths of f_col^pose (paper [128]).
    public var poseColorHidden: [Int]
    /// Factor after the deformation heads' tanh, canonical units (official 0.3… of a unit-length head).
    public var deformationScale: Float

    enum CodingKeys: String, CodingKey {
        case frequencies
        case featureWidth = "feature_width"
        case colorChannels = "color_channels"
        case expressionWidth = "expression_width"
        case expressionDeformationHidden = "expression_deformation_hidden"
        case poseDeformationHidden = "pose_deformation_hidden"
        case expressionColorHidden = "expression_color_hidden"
        case poseColorHidden = "pose_color_hidden"
        case deformationScale = "deformation_scale"
    }

    /// Creates a configuration; defaults are the paper's widths.
    public init(
        featureWidth: Int = 128, colorChannels: Int = 32, expressionWidth: Int, frequencies: Int = 4,
        expressionDeformationHidden: [Int] = [256, 256, 256, 256, 256], poseDeformationHidden: [Int] = [256, 256],
        expressionColorHidden: [Int] = [256, 256], poseColorHidden: [Int] = [128], deformationScale: Float = 0.3
    ) {
        self.featureWidth = featureWidth
        self.colorChannels = colorChannels
        self.expressionWidth = expressionWidth
        self.frequencies = frequencies
        self.expressionDeformationHidden = expressionDeformationHidden
        self.poseDeformationHidden = poseDeformationHidden
        self.expressionColorHidden = expressionColorHidden
        self.poseColorHidden = poseColorHidden
        self.deformationScale = deformationScale
    }

    /// The paper's widths with every hidden width and the feature width set to `width`
    /// (a CPU preset: e.g. 64), keeping the layer counts.
    public static func uniform(width: Int, featureWidth: Int, colorChannels: Int, expressionWidth: Int) -> Self {
        DynamicHeadNetworkConfiguration(
            featureWidth: featureWidth, colorChannels: colorChannels, expressionWidth: expressionWidth,
            expressionDeformationHidden: Array(repeating: width, count: 5),
            poseDeformationHidden: [width, width], expressionColorHidden: [width, width],
            poseColorHidden: [max(1, width / 2)])
    }
}
