import Foundation
import Splatting
import Tensors

/// GPHM's single-image fitting (§3.4): a new person's identity and expression codes found by
/// inverse rendering of one image through the trained Gaussian model (200 steps on the codes at
/// lr 1e-3 with L_hr + λ_lr·L_lr), then, codes fixed, f_col and the canonical positions X_can
/// refined (100 steps at lr 1e-4).
///
/// The codes start at the mean of the training codes (our choice; the paper does not say).
/// Phase two changes `model`'s f_col in place (the model is the fitted person's from then on)
/// and returns per-point offsets added to X_can.
public struct ParametricHeadFitting {
    /// Steps on the codes (paper 200).
    public var codeIterations: Int
    /// Adam learning rate of the codes (paper 1e-3).
    public var codeLearningRate: Float
    /// Steps on f_col and X_can (paper 100).
    public var refineIterations: Int
    /// Adam learning rate of f_col and X_can (paper 1e-4).
    public var refineLearningRate: Float
    /// λ_lr of the fitting loss (eq. 10's 0.1).
    public var lowWeight: Float

    /// Settings; the defaults are the paper's.
    public init(
        codeIterations: Int = 200, codeLearningRate: Float = 1e-3, refineIterations: Int = 100, refineLearningRate: Float = 1e-4, lowWeight: Float = 0.1
    ) {
        self.codeIterations = codeIterations
        self.codeLearningRate = codeLearningRate
        self.refineIterations = refineIterations
        self.refineLearningRate = refineLearningRate
        self.lowWeight = lowWeight
    }

    /// What a fit found.
    public struct Result {
        /// z^id, `[1, Zid]`.
        public var identity: Tensor
        /// z^exp, `[1, Zexp]`.
        public var expression: Tensor
        /// Offsets added to X_can, `[N, 3]` canonical units.
        public var positionOffsets: Tensor
        /// L_hr after the code phase and after the refinement.
        public var codeLoss: Float
        public var refinedLoss: Float
    }

    /// Fits `model` to `view` (RGB over white at the capture size, its half-size camera), the codes
    /// starting from `start` (e.g. the previous video frame's, a warm start) or, without it, from
    /// the mean training codes.
    public func fit(
        model: ParametricGaussianModel, view: PopulationView, rasterizer: GaussianRasterizer, start: (identity: Tensor, expression: Tensor)? = nil
    ) throws -> Result {
        let identity = Parameter(start?.identity ?? Variable(model.head.identities.codes.value).mean(axis: 0, keepingAxis: true).value)
        let expression = Parameter(start?.expression ?? Variable(model.head.expressions.codes.value).mean(axis: 0, keepingAxis: true).value)
        let offsets = Parameter(Tensor(zeros: [model.count, 3]))
        func loss(_ tape: Tape) throws -> (total: Variable, high: Float) {
            let posed = model.gaussians(
                identity: identity.variable(on: tape), expression: expression.variable(on: tape), canonicalOffsets: offsets.variable(on: tape),
                on: tape)
            let r = try model.render(posed.gaussians, featureCamera: view.lowCamera, rasterizer: rasterizer, on: tape)
            let high = Losses.l1(r.high, Variable(view.high))
            return (high + lowWeight * Losses.l1(r.low, Variable(view.low)), high.value.scalar)
        }
        let codes = Adam(groups: [Adam.Group(name: "codes", parameters: [identity, expression], learningRate: codeLearningRate)])
        var codeLoss: Float = .nan
        for _ in 0..<codeIterations {
            let tape = Tape()
            let (total, high) = try loss(tape)
            tape.backward(from: total)
            codes.step()
            codes.zeroGradients()
            // The network parameters joined the tape too; their gradients are not applied in this phase.
            for parameter in model.namedParameters.map(\.parameter) { parameter.zeroGradient() }
            codeLoss = high
        }
        let refine = Adam(groups: [
            Adam.Group(name: "refine", parameters: model.head.networks.color.parameters + [offsets], learningRate: refineLearningRate)
        ])
        var refinedLoss = codeLoss
        for _ in 0..<refineIterations {
            let tape = Tape()
            let (total, high) = try loss(tape)
            tape.backward(from: total)
            refine.step()
            refine.zeroGradients()
            for parameter in model.namedParameters.map(\.parameter) + [identity, expression] { parameter.zeroGradient() }
            refinedLoss = high
        }
        return Result(identity: identity.value, expression: expression.value, positionOffsets: offsets.value, codeLoss: codeLoss, refinedLoss: refinedLoss)
    }
}
