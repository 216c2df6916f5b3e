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
