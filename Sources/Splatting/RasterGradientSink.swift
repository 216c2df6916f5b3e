/// Receives the full parameter gradients (including the view-space gradient norm used by
/// densification and the pose gradient) when the tape runs the rasteriser's backward.
/// A reference type because the tape calls the backward later; used on one thread.
public final class RasterGradientSink {
    /// Set by the backward pass; nil until `Tape.backward` reaches the render.
    public internal(set) var gradients: GaussianGradients?
}
