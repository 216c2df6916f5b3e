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
