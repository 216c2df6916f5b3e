import Tensors

/// The Gaussian parameters as variables of a Tensors tape (same layouts as `GaussianScene`):
/// means `[N, 3]`, rotations `[N, 4]` (w x y z), log-scales `[N, 3]`, opacity logits `[N]` or
/// `[N, 1]`, features `[N, appearance.storedValuesPerGaussian]`.
public struct GaussianVariables {
    /// Centres, `[N, 3]`.
    public var means: Variable
    /// Quaternions (w, x, y, z), `[N, 4]`.
    public var rotations: Variable
    /// Log standard deviations, `[N, 3]`.
    public var logScales: Variable
    /// Opacity logits, `[N]` or `[N, 1]`.
    public var opacityLogits: Variable
    /// Feature vectors or SH coefficients, `[N, K]`.
    public var features: Variable
    /// How `features` is interpreted.
    public var appearance: GaussianAppearance

    /// Groups the variables of one differentiable render.
    public init(
        means: Variable, rotations: Variable, logScales: Variable, opacityLogits: Variable,
        features: Variable, appearance: GaussianAppearance
    ) {
        self.means = means
        self.rotations = rotations
        self.logScales = logScales
        self.opacityLogits = opacityLogits
        self.features = features
        self.appearance = appearance
    }

    /// The current values as a plain scene.
    public var scene: GaussianScene {
        GaussianScene(
            means: means.value.scalars, rotations: rotations.value.scalars, logScales: logScales.value.scalars,
            opacityLogits: opacityLogits.value.scalars, features: features.value.scalars, appearance: appearance)
    }
}
