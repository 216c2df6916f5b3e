/// The output of `GaussianRasterizer.render` together with everything its backward pass needs
/// (the autodiff "saved tensors"): projected Gaussians, tile lists, final transmittance and the
/// last contributor of every pixel.
public struct RasterResult: Sendable {
    /// The rendered images.
    public let output: RasterOutput
    /// Per Gaussian, the screen radius in pixels (the larger half-extent of its opacity-aware
    /// support box), 0 if culled; densification prunes on its maximum over views.
    public let screenRadius: [Float]

    /// Number of (Gaussian, tile) pairs binned in this render (memory and work diagnostics).
    public var tileEntryCount: Int { binning.list.count }

    let scene: GaussianScene
    let camera: PinholeCamera
    let settings: RasterSettings
    /// Rendered per-Gaussian features (`count × channels`): the scene's features, or the SH colour of this view.
    let colors: [Float]
    /// Tile lists and the depth-sorted projected records of the visible Gaussians.
    let binning: TileBinning
    let finalTransmittance: [Float]
    /// Per pixel, 1 + the position within its tile's list of the last composited Gaussian (0: none).
    let lastContributor: [Int32]
}
