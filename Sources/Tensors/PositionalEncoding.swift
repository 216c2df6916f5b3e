import Foundation

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

    /// Encodes `[N, D]` (any rank: the last axis is encoded). One op: the backward reuses the
    /// forward's sines and cosines (d sin(fx)/dx = f·cos(fx)), so no sine or cosine is evaluated twice.
    public func callAsFunction(_ x: Variable) -> Variable {
        let width = x.shape.last ?? 1
        let blocks = 2 * frequencies + (includeInput ? 1 : 0)
        var shape = x.shape
        shape[shape.count - 1] = width * blocks
        let output = Tensor(uninitializedShape: shape)
        let rows = width == 0 ? 0 : x.value.count / width
        let first = includeInput ? 1 : 0
        let source = x.value.basePointer, encoded = output.basePointer
        let octaves = frequencies
        Kernels.forRows(rows, rowSize: width * blocks) { range in
            for row in range {
                let input = source + row * width, out = encoded + row * width * blocks
                if first == 1 { out.update(from: input, count: width) }
                var frequency: Float = 1
                for octave in 0..<octaves {
                    let sines = out + (first + 2 * octave) * width, cosines = sines + width
                    for j in 0..<width {
                        let scaled = input[j] * frequency
                        sines[j] = Foundation.sin(scaled)
                        cosines[j] = Foundation.cos(scaled)
                    }
                    frequency *= 2
                }
            }
        }
        let inputShape = x.shape
        return Tape.record(inputs: [x], output: output) { gradient in
            let result = Tensor(uninitializedShape: inputShape)
            let upstream = gradient.basePointer, values = output.basePointer, target = result.basePointer
            Kernels.forRows(rows, rowSize: width * blocks) { range in
                for row in range {
                    let g = upstream + row * width * blocks, y = values + row * width * blocks, dx = target + row * width
                    for j in 0..<width {
                        var sum: Float = first == 1 ? g[j] : 0
                        var frequency: Float = 1
                        for octave in 0..<octaves {
                            let sine = (first + 2 * octave) * width + j, cosine = sine + width
                            sum += frequency * (y[cosine] * g[sine] - y[sine] * g[cosine])
                            frequency *= 2
                        }
                        dx[j] = sum
                    }
                }
            }
            return [result]
        }
    }
}
