import Tensors

/// GHA's geometry network f_sdf (eq. 9): positionally encoded canonical point → SDF value s,
/// DMTet grid-vertex offset and feature vector η (official widths [27, 256×5, 1 + 3 + 128],
/// LeakyReLU, the input re-entering at the middle layer).
///
/// Points are in canonical head space (`CanonicalHeadSpace`); the SDF is negative inside the
/// surface, in canonical units. The mesh guidance trains it and extracts its zero level set with
/// deformable marching tetrahedra; GHA-like methods that start from an SDF (GPHM, HHAvatar) share
/// it, hence its place in the Avatars library beside the conditioned MLPs.
public struct SDFNetwork: Layer {
    /// The MLP [γ(x)] → [s, Δv (3), η (F)].
    public let mlp: MLP
    /// γ, the positional encoding of the points.
    public let encoding: PositionalEncoding
    /// F, the width of the feature vector η.
    public let featureWidth: Int

    /// A randomly initialised network with hidden widths `hidden`, feature width F = `featureWidth`
    /// and `frequencies` octaves of positional encoding (paper: [256×5], 128, 4). With four or more
    /// hidden layers the encoded input re-enters after the middle one.
    public init(hidden: [Int], featureWidth: Int, frequencies: Int, generator: inout SplitMix64) {
        encoding = PositionalEncoding(frequencies: frequencies)
        self.featureWidth = featureWidth
        mlp = MLP(
            widths: [encoding.outputWidth(inputWidth: 3)] + hidden + [1 + 3 + featureWidth], activation: .leakyReLU(slope: 0.01),
            inputSkipLayers: hidden.count >= 4 ? [hidden.count / 2 + 1] : [], generator: &generator)
    }

    /// The MLP's parameters, named as in `MLP` (checkpoints prefix them with `sdf.`).
    public var namedParameters: [(name: String, parameter: Parameter)] { mlp.namedParameters }

    /// SDF `[N, 1]`, raw offsets `[N, 3]` (squashed by the caller) and features `[N, F]` at canonical `points [N, 3]`.
    public func callAsFunction(_ points: Variable, on tape: Tape?) -> (sdf: Variable, offsets: Variable, features: Variable) {
        let parts = mlp(encoding(points), on: tape).split(extents: [1, 3, featureWidth], axis: 1)
        return (parts[0], parts[1], parts[2])
    }

    /// SDF and raw offsets of many points without a tape, in row chunks (the full grid each step);
    /// the same values as `callAsFunction` without the features.
    public func evaluateWithoutTape(_ points: [SIMD3<Float>], chunk: Int = 16_384) -> (sdf: [Float], offsets: [SIMD3<Float>]) {
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
