import Tensors

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
    public func render(
        _ gaussians: GaussianVariables, camera: PinholeCamera,
        settings: RasterSettings = RasterSettings()
    ) throws(SplattingError) -> DifferentiableRender {
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
            outputs: [
                Tensor(shape: [output.height, output.width, output.channels], scalars: output.image),
                Tensor(shape: [output.height, output.width], scalars: output.alpha),
                Tensor(shape: [output.height, output.width], scalars: output.depth),
            ]
        ) { outputGradients in
            let gradients = self.backwardValidated(
                result,
                outputGradient: RasterOutputGradient(
                    image: outputGradients[0].scalars, alpha: outputGradients[1].scalars, depth: outputGradients[2].scalars))
            sink.gradients = gradients
            let values = [gradients.means, gradients.rotations, gradients.logScales, gradients.opacityLogits, gradients.features]
            return zip(values, inputShapes).map { Tensor(shape: $1, scalars: $0) }
        }
        return DifferentiableRender(image: outputs[0], alpha: outputs[1], depth: outputs[2], result: result, gradientSink: sink)
    }
}
