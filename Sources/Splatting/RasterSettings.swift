/// Constants of the splatting model. The defaults are those of 3DGS (graphdeco); tests of
/// smoothness may lower the thresholds, which changes the rendered function only in tails.
public struct RasterSettings: Sendable, Equatable {
    /// Background value per rendered channel, composited with the final transmittance.
    /// Empty means zero for every channel.
    public var background: [Float]
    /// Fragments with α below this are skipped (3DGS: 1/255); also sets the opacity-aware
    /// screen extent, since a Gaussian only matters where `dᵀΣ'⁻¹d ≤ 2·ln(o/threshold)`.
    public var alphaThreshold: Float
    /// Compositing stops before the fragment that would bring transmittance below this (3DGS: 1e-4).
    public var transmittanceThreshold: Float
    /// Per-fragment α is clamped to this (3DGS: 0.99), so transmittance never reaches 0.
    public var maxAlpha: Float
    /// Low-pass dilation added to the projected covariance's diagonal, in pixels² (3DGS: 0.3).
    public var dilation: Float
    /// The EWA Jacobian clamps the view-space ratios `tx/tz`, `ty/tz` to the image extent widened by
    /// this fraction of the image on each side (graphdeco: 1.3·tan(fov/2), i.e. 0.15 of the width).
    public var jacobianClampMargin: Float
    /// Gaussians whose centre has camera depth `tz ≤ nearPlane` are culled (world units, e.g. metres;
    /// graphdeco: 0.2 in its scenes' units, 0.01 here for heads a metre from the camera).
    public var nearPlane: Float

    /// Creates settings with 3DGS defaults.
    public init(
        background: [Float] = [], alphaThreshold: Float = 1.0 / 255.0, transmittanceThreshold: Float = 1e-4,
        maxAlpha: Float = 0.99, dilation: Float = 0.3, jacobianClampMargin: Float = 0.15, nearPlane: Float = 0.01
    ) {
        self.background = background
        self.alphaThreshold = alphaThreshold
        self.transmittanceThreshold = transmittanceThreshold
        self.maxAlpha = maxAlpha
        self.dilation = dilation
        self.jacobianClampMargin = jacobianClampMargin
        self.nearPlane = nearPlane
    }
}
