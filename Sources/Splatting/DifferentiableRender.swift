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
    public init(means: Variable, rotations: Variable, logScales: Variable, opacityLogits: Variable,
                features: Variable, appearance: GaussianAppearance) {
        self.means = means
        self.rotations = rotations
        self.logScales = logScales
        self.opacityLogits = opacityLogits
        self.features = features
        self.appearance = appearance
    }

    /// The current values as a plain scene.
    public var scene: GaussianScene {
        GaussianScene(means: means.value.scalars, rotations: rotations.value.scalars, logScales: logScales.value.scalars,
                      opacityLogits: opacityLogits.value.scalars, features: features.value.scalars, appearance: appearance)
    }
}

/// Receives the full parameter gradients (including the view-space gradient norm used by
/// densification and the pose gradient) when the tape runs the rasteriser's backward.
/// A reference type because the tape calls the backward later; used on one thread.
public final class RasterGradientSink {
    /// Set by the backward pass; nil until `Tape.backward` reaches the render.
    public internal(set) var gradients: GaussianGradients?
}

/// A render recorded on a tape: outputs as variables plus the plain forward result.
public struct DifferentiableRender {
    /// Composited features, `[height, width, channels]`.
    public let image: Variable
    /// Accumulated opacity, `[height, width]`.
    public let alpha: Variable
    /// Alpha-weighted depth, `[height, width]`.
    public let depth: Variable
    /// The forward result (screen radii, contributor counts).
    public let result: RasterResult
    /// Filled with all parameter gradients when the tape back-propagates through this render.
    public let gradientSink: RasterGradientSink
}

extension GaussianRasterizer {
    /// Renders on the inputs' tape as one custom operation (Tensors `Tape.record`): the backward
    /// receives dL/d(image, alpha, depth) and returns the gradients of all five inputs.
    public func render(_ gaussians: GaussianVariables, camera: PinholeCamera,
                       settings: RasterSettings = RasterSettings()) throws(SplattingError) -> DifferentiableRender {
        let n = gaussians.opacityLogits.value.count
        let expected: [(String, Variable, Int)] = [
            ("means", gaussians.means, 3), ("rotations", gaussians.rotations, 4), ("logScales", gaussians.logScales, 3),
            ("features", gaussians.features, gaussians.appearance.storedValuesPerGaussian),
        ]
        for (name, variable, width) in expected where variable.shape != [n, width] {
            throw SplattingError("\(name) has shape \(variable.shape), expected [\(n), \(width)]")
        }
        let result = try render(scene: gaussians.scene, camera: camera, settings: settings)
        let output = result.output
        let sink = RasterGradientSink()
        let inputs = [gaussians.means, gaussians.rotations, gaussians.logScales, gaussians.opacityLogits, gaussians.features]
        let inputShapes = inputs.map(\.shape)
        let outputs = Tape.record(
            inputs: inputs,
            outputs: [Tensor(shape: [output.height, output.width, output.channels], scalars: output.image),
                      Tensor(shape: [output.height, output.width], scalars: output.alpha),
                      Tensor(shape: [output.height, output.width], scalars: output.depth)]
        ) { outputGradients in
            let gradients = self.backwardValidated(result, outputGradient: RasterOutputGradient(
                image: outputGradients[0].scalars, alpha: outputGradients[1].scalars, depth: outputGradients[2].scalars))
            sink.gradients = gradients
            let values = [gradients.means, gradients.rotations, gradients.logScales, gradients.opacityLogits, gradients.features]
            return zip(values, inputShapes).map { Tensor(shape: $1, scalars: $0) }
        }
        return DifferentiableRender(image: outputs[0], alpha: outputs[1], depth: outputs[2], result: result, gradientSink: sink)
    }
}
