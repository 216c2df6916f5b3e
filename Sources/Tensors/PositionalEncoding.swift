/// NeRF-style positional encoding as used by Gaussian Head Avatar:
/// γ(x) = [x, sin(2⁰x), cos(2⁰x), …, sin(2^(k−1)x), cos(2^(k−1)x)] along the last axis
/// (no π factor, as in GHA's embedder). `[N, D]` → `[N, D·(2k + 1)]` with the input included,
/// e.g. 3 → 27 and 6 → 54 with k = 4.
public struct PositionalEncoding: Sendable {
    /// Number of octaves k.
    public let frequencies: Int
    /// Whether x itself is the first block.
    public let includeInput: Bool

    /// An encoding with `frequencies` octaves.
    public init(frequencies: Int, includeInput: Bool = true) {
        self.frequencies = frequencies
        self.includeInput = includeInput
    }

    /// Encoded width for an input of width `dimension`.
    public func outputWidth(inputWidth dimension: Int) -> Int {
        dimension * (2 * frequencies + (includeInput ? 1 : 0))
    }

    /// Encodes `[N, D]`.
    public func callAsFunction(_ x: Variable) -> Variable {
        var blocks: [Variable] = includeInput ? [x] : []
        var frequency: Float = 1
        for _ in 0..<frequencies {
            let scaled = x * frequency
            blocks.append(scaled.sin())
            blocks.append(scaled.cos())
            frequency *= 2
        }
        return Variable.concat(blocks, axis: x.rank - 1)
    }
}
