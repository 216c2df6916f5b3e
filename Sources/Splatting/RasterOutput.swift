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
