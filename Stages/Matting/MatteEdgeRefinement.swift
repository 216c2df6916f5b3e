import AvatarFlow

/// The guided-filter refinement of a hard matte's boundary band, shared by `matting.grabcut` and
/// `matting.difference`. Inlined, so both stages keep the pipeline names `band_radius`,
/// `guided_radius` and `guided_epsilon` (and their cache keys).
public struct MatteEdgeRefinement: InlinedParameterGroup {
    @Param("Half-width in pixels of the boundary band refined by the guided filter.", range: 0...20)
    public var bandRadius: Int = 2
    @Param("Guided filter window radius in pixels (scale with resolution: ~1% of the width).", range: 1...30)
    public var guidedRadius: Int = 3
    @Param("Guided filter regulariser ε (larger = smoother alpha).", range: 1e-8...1)
    public var guidedEpsilon: Double = 1e-3

    /// Every parameter at its default.
    public init() {}
}
