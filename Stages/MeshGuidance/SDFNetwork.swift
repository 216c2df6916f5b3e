import Tensors

/// GHA's geometry network f_sdf (eq. 9): positionally encoded canonical point → SDF value s,
/// DMTet grid-vertex offset and feature vector η (official widths [27, 256×5, 1 + 3 + 128],
/// LeakyReLU, the input re-entering at the middle layer).
struct SDFNetwork: Layer {
    let mlp: MLP
    let encoding: PositionalEncoding
    let featureWidth: Int

    init(hidden: [Int], featureWidth: Int, frequencies: Int, generator: inout SplitMix64) {
        encoding = PositionalEncoding(frequencies: frequencies)
        self.featureWidth = featureWidth
        mlp = MLP(
            widths: [encoding.outputWidth(inputWidth: 3)] + hidden + [1 + 3 + featureWidth], activation: .leakyReLU(slope: 0.01),
            inputSkipLayers: hidden.count >= 4 ? [hidden.count / 2 + 1] : [], generator: &generator)
    }

    var namedParameters: [(name: String, parameter: Parameter)] { mlp.namedParameters }

    /// SDF `[N, 1]`, raw offsets `[N, 3]` (squashed by the caller) and features `[N, F]` at canonical `points [N, 3]`.
    func callAsFunction(_ points: Variable, on tape: Tape?) -> (sdf: Variable, offsets: Variable, features: Variable) {
        let parts = mlp(encoding(points), on: tape).split(extents: [1, 3, featureWidth], axis: 1)
        return (parts[0], parts[1], parts[2])
    }

    /// SDF and raw offsets of many points without a tape, in row chunks (the full grid each step).
    func evaluateWithoutTape(_ points: [SIMD3<Float>], chunk: Int = 16_384) -> (sdf: [Float], offsets: [SIMD3<Float>]) {
        var sdf = [Float](repeating: 0, count: points.count)
        var offsets = [SIMD3<Float>](repeating: .zero, count: points.count)
        var start = 0
        while start < points.count {
            let end = min(points.count, start + chunk)
            let input = Tensor(shape: [end - start, 3], scalars: points[start..<end].flatMap { [$0.x, $0.y, $0.z] })
            let output = mlp(encoding(Variable(input)), on: nil).value
            let width = output.shape[1]
            output.withUnsafeBufferPointer { values in
                for row in 0..<(end - start) {
                    sdf[start + row] = values[row * width]
                    offsets[start + row] = SIMD3(values[row * width + 1], values[row * width + 2], values[row * width + 3])
                }
            }
            start = end
        }
        return (sdf, offsets)
    }
}
