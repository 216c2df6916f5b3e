/// The images produced by one forward rasterisation.
public struct RasterOutput: Sendable {
    /// Image width in pixels.
    public var width: Int
    /// Image height in pixels.
    public var height: Int
    /// Channels per pixel of `image`.
    public var channels: Int
    /// Composited features `Σ f_i·α_i·T_i + T_final·background`, `height × width × channels`
    /// (row-major, channels last).
    public var image: [Float]
    /// Accumulated opacity `1 − T_final` per pixel (a soft mask), `height × width`.
    public var alpha: [Float]
    /// Alpha-weighted camera depth `Σ tz_i·α_i·T_i` per pixel (not divided by `alpha`), `height × width`.
    public var depth: [Float]
    /// Number of Gaussians composited into each pixel, `height × width`.
    public var contributorCount: [Int32]
}

/// Gradients of a loss with respect to the forward outputs; `alpha` and `depth` may be empty
/// when the loss does not depend on them.
public struct RasterOutputGradient: Sendable {
    /// dL/d`image`, same layout as `RasterOutput.image`.
    public var image: [Float]
    /// dL/d`alpha`, `height × width`, or empty.
    public var alpha: [Float]
    /// dL/d`depth`, `height × width`, or empty.
    public var depth: [Float]

    /// Creates an output gradient.
    public init(image: [Float], alpha: [Float] = [], depth: [Float] = []) {
        self.image = image
        self.alpha = alpha
        self.depth = depth
    }
}

/// Gradients of a loss with respect to the scene parameters (same layouts as `GaussianScene`)
/// and the camera pose, plus the densification statistic.
public struct GaussianGradients: Sendable {
    /// dL/d`means`, `count × 3`.
    public var means: [Float]
    /// dL/d`rotations` (through the normalisation), `count × 4`.
    public var rotations: [Float]
    /// dL/d`logScales`, `count × 3`.
    public var logScales: [Float]
    /// dL/d`opacityLogits`, `count`.
    public var opacityLogits: [Float]
    /// dL/d`features` (feature vectors or SH coefficients), same layout as `features`.
    public var features: [Float]
    /// dL/d of the top three rows of `worldToCamera` (row-major 3×4, treating its 12 entries
    /// as free; project onto the rotation manifold to optimise a pose).
    public var worldToCamera: [Float]
    /// Per Gaussian, the norm of dL/d(projected 2D mean) in normalised device units
    /// (pixels scaled by width/2 and height/2), the quantity 3DGS thresholds (2e-4) for densification.
    /// Zero for Gaussians that were not visible.
    public var viewSpaceGradientNorm: [Float]
}
