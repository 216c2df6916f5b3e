/// Thresholds of adaptive density control; defaults are the 3DGS ones.
public struct DensityControlSettings: Sendable, Equatable {
    /// Average view-space gradient norm above which a Gaussian is densified (3DGS: 2e-4).
    public var gradientThreshold: Float = 2e-4
    /// Gaussians with largest scale ≤ `percentDense · sceneExtent` are cloned, larger ones split.
    public var percentDense: Float = 0.01
    /// Radius of the scene in world units (3DGS: 1.1 × the camera spread).
    public var sceneExtent: Float
    /// Gaussians with opacity below this are pruned (3DGS: 0.005).
    public var minOpacity: Float = 0.005
    /// Gaussians whose screen radius exceeded this many pixels are pruned (3DGS: 20 after the first
    /// opacity reset); nil disables the test.
    public var maxScreenRadius: Float? = nil
    /// Gaussians whose largest scale exceeds this fraction of `sceneExtent` are pruned (3DGS: 0.1).
    public var maxWorldScaleFraction: Float = 0.1
    /// Samples drawn per split Gaussian (3DGS: 2).
    public var splitSamples: Int = 2
    /// Split samples get scales divided by this (3DGS: 0.8 · 2 = 1.6).
    public var splitScaleDivisor: Float = 1.6

    /// Settings for a scene of the given extent with 3DGS defaults otherwise.
    public init(sceneExtent: Float) { self.sceneExtent = sceneExtent }
}
