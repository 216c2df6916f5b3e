import Foundation
import HeadModel
import LinearAlgebra
import Tensors

/// How a GPHM avatar is driven by a head-model tracking: a linear map from a frame's expression
/// coefficients and jaw rotation to an auto-decoded expression code z^exp,
/// `z = [ψ, jaw, 1] · W`, fitted by ridge least squares on the training frames, whose true
/// head-model parameters the synthetic population records (`groundtruth/training/expression.f32`
/// and the jaw of `pose.f32`) and whose codes stage 1–2 learnt.
///
/// The paper drives GPHM by codes only (§3.4); a linear map is our choice: the codes are
/// auto-decoded per frame, so the map is the best linear predictor of them, and frames of the same
/// expression (one per training subject) regress to their mean code. The ridge term keeps the
/// normal equations solvable when there are fewer distinct expressions than inputs (the bias row is
/// not penalised). The root rotation and translation of a frame are applied rigidly afterwards.
public struct ExpressionCodeRegression: Sendable {
    /// W, `[expressionCount + 3 + 1, codeWidth]`: rows for ψ, the jaw axis-angle (radians), the bias.
    public var weights: Tensor
    /// Head-model expression coefficients the map reads.
    public var expressionCount: Int
    /// Root-mean-square residual of the fit over the training codes (per code value).
    public var rmsResidual: Double

    /// Number of code values per frame.
    public var codeWidth: Int { weights.shape[1] }

    /// A map from its weights.
    /// - Throws: `AvatarError` when `weights` is not `[expressionCount + 4, Z]`.
    public init(weights: Tensor, expressionCount: Int, rmsResidual: Double = 0) throws {
        guard weights.rank == 2, weights.shape[0] == expressionCount + 4, weights.shape[1] >= 1 else {
            throw AvatarError(
                "expression-code regression weights have shape \(weights.shape), expected [\(expressionCount + 4), Z] for \(expressionCount) expression coefficients; re-run gphm.fit-image"
            )
        }
        self.weights = weights
        self.expressionCount = expressionCount
        self.rmsResidual = rmsResidual
    }

    /// The inputs of one frame: ψ, the jaw axis-angle, 1.
    /// - Throws: `AvatarError` when the frame has another number of expression coefficients.
    public static func inputs(of frame: HeadTracking.Frame, expressionCount: Int) throws -> [Double] {
        guard frame.expression.count == expressionCount, frame.jaw.count == 3 else {
            throw AvatarError(
                "the driving frame has \(frame.expression.count) expression coefficients and \(frame.jaw.count) jaw values; this GPHM avatar is driven by \(expressionCount) and 3 (the population's head model)"
            )
        }
        return frame.expression + frame.jaw + [1]
    }

    /// Ridge least squares `W = (XᵀX + λ·D)⁻¹ XᵀY` on `frames` and their codes `[F, Z]`
    /// (D = identity without the bias entry).
    /// - Throws: `AvatarError` for no frames, a count mismatch or a singular system.
    public static func fit(frames: [HeadTracking.Frame], codes: Tensor, ridge: Double) throws -> ExpressionCodeRegression {
        guard let first = frames.first, codes.rank == 2, codes.shape[0] == frames.count else {
            throw AvatarError("the expression-code regression needs one code row per frame: \(frames.count) frames, codes \(codes.shape)")
        }
        let expressionCount = first.expression.count, n = expressionCount + 4, z = codes.shape[1]
        let x = try frames.map { try inputs(of: $0, expressionCount: expressionCount) }
        var normal = [Double](repeating: 0, count: n * n)
        for row in x {
            for i in 0..<n where row[i] != 0 {
                for j in 0..<n { normal[i * n + j] += row[i] * row[j] }
            }
        }
        for i in 0..<(n - 1) { normal[i * n + i] += ridge }
        var weights = [Float](repeating: 0, count: n * z)
        for k in 0..<z {
            var rhs = [Double](repeating: 0, count: n)
            for (f, row) in x.enumerated() {
                let y = Double(codes[flat: f * z + k])
                for i in 0..<n { rhs[i] += row[i] * y }
            }
            guard let solution = DenseLinearAlgebra.solveSymmetric(normal, rhs, n: n) else {
                throw AvatarError("the expression-code regression is singular for \(frames.count) frames; raise `ridge` above \(ridge)")
            }
            for i in 0..<n { weights[i * z + k] = Float(solution[i]) }
        }
        var map = try ExpressionCodeRegression(weights: Tensor(shape: [n, z], scalars: weights), expressionCount: expressionCount)
        var squared = 0.0
        for (f, frame) in frames.enumerated() {
            let predicted = try map.code(for: frame)
            for k in 0..<z { squared += pow(Double(predicted[flat: k] - codes[flat: f * z + k]), 2) }
        }
        map.rmsResidual = (squared / Double(frames.count * z)).squareRoot()
        return map
    }

    /// The map with its bias shifted so that `frame` gives `code` `[1, Z]` exactly; other frames
    /// keep their differences from it (`z(f) = code + W·(x(f) − x(frame))`). A fitted person's
    /// driving then starts from the code fitted on its image instead of the population's.
    /// - Throws: `AvatarError` when `frame` or `code` do not fit the map.
    public func anchored(at frame: HeadTracking.Frame, code: Tensor) throws -> ExpressionCodeRegression {
        guard code.shape == [1, codeWidth] else { throw AvatarError("the anchor code has shape \(code.shape), expected [1, \(codeWidth)]") }
        let predicted = try self.code(for: frame)
        var scalars = weights.scalars
        let bias = (expressionCount + 3) * codeWidth
        for k in 0..<codeWidth { scalars[bias + k] += code[flat: k] - predicted[flat: k] }
        return try ExpressionCodeRegression(
            weights: Tensor(shape: weights.shape, scalars: scalars), expressionCount: expressionCount, rmsResidual: rmsResidual)
    }

    /// z^exp of one driving frame, `[1, Z]`.
    public func code(for frame: HeadTracking.Frame) throws -> Tensor {
        let x = try Self.inputs(of: frame, expressionCount: expressionCount)
        let z = codeWidth
        var code = [Float](repeating: 0, count: z)
        for (i, value) in x.enumerated() where value != 0 {
            for k in 0..<z { code[k] += Float(value) * weights[flat: i * z + k] }
        }
        return Tensor(shape: [1, z], scalars: code)
    }
}
