import Foundation

/// How a parameter group's learning rate evolves with the optimiser step t (t = 0 for the first step).
public enum LearningRateSchedule: Sendable, Equatable {
    /// lr(t) = lr₀.
    case constant
    /// lr(t) = lr₀ · γ^t (PyTorch `ExponentialLR` stepped every iteration).
    case exponential(gamma: Float)
    /// Log-linear interpolation from lr₀ to `finalLearningRate` over `steps`, constant afterwards
    /// (3DGS's `expon_lr` for positions).
    case logLinear(finalLearningRate: Float, steps: Int)
    /// lr(t) = lr₀ · γ^⌊t / interval⌋ (PyTorch `StepLR`).
    case step(interval: Int, gamma: Float)

    /// The learning rate at step `t` for base rate `base`.
    public func learningRate(base: Float, step t: Int) -> Float {
        switch self {
        case .constant:
            return base
        case .exponential(let gamma):
            return base * Float(Foundation.pow(Double(gamma), Double(t)))
        case .logLinear(let final, let steps):
            let fraction = steps > 0 ? min(1, Double(t) / Double(steps)) : 1
            return Float(Foundation.exp(Foundation.log(Double(base)) * (1 - fraction) + Foundation.log(Double(final)) * fraction))
        case .step(let interval, let gamma):
            return base * Float(Foundation.pow(Double(gamma), Double(t / max(interval, 1))))
        }
    }
}
