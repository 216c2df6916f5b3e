/// How a Gaussian's colour (or feature vector) is stored in `GaussianScene.features`.
public enum GaussianAppearance: Sendable, Equatable {
    /// A view-independent feature vector of `channels` values per Gaussian (3 for RGB,
    /// 32 for the feature images of the GHA family); rendered as is.
    case features(channels: Int)
    /// Real spherical harmonics of degree 0…3 for RGB, `(degree+1)²` coefficients × 3 channels
    /// per Gaussian stored coefficient-major (`[k][c]`, as graphdeco's `(N, K, 3)` tensor),
    /// evaluated per view as `max(0, Σ_k SH_k(d)·c_k + 0.5)` with `d` the unit direction from
    /// the camera centre to the Gaussian (3DGS convention).
    case sphericalHarmonics(degree: Int)

    /// Number of stored floats per Gaussian.
    public var storedValuesPerGaussian: Int {
        switch self {
        case .features(let channels): return channels
        case .sphericalHarmonics(let degree): return (degree + 1) * (degree + 1) * 3
        }
    }

    /// Number of rendered channels per pixel.
    public var renderedChannels: Int {
        switch self {
        case .features(let channels): return channels
        case .sphericalHarmonics: return 3
        }
    }
}
