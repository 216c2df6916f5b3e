import Foundation

/// Elementwise nonlinearities. Each backward uses the saved input or output, whichever is cheaper.
extension Variable {
    /// Records an elementwise op whose derivative is `derivative(input, output)`.
    @inline(__always) func unary(_ f: (Float) -> Float,
                                 derivative: @escaping (_ input: Float, _ output: Float) -> Float) -> Variable {
        let input = value
        let output = Kernels.map(input, f)
        return Tape.record(inputs: [self], output: output) { g in
            let local = Kernels.zip(input, output, derivative)
            return [Kernels.zip(g, local, *)]
        }
    }

    /// e^x.
    public func exp() -> Variable { unary({ Foundation.exp($0) }, derivative: { _, y in y }) }

    /// Natural logarithm (inputs must be positive).
    public func log() -> Variable { unary({ Foundation.log($0) }, derivative: { x, _ in 1 / x }) }

    /// Logistic sigmoid 1 / (1 + e^-x).
    public func sigmoid() -> Variable {
        unary({ 1 / (1 + Foundation.exp(-$0)) }, derivative: { _, y in y * (1 - y) })
    }

    /// Hyperbolic tangent.
    public func tanh() -> Variable { unary({ Foundation.tanh($0) }, derivative: { _, y in 1 - y * y }) }

    /// max(x, 0).
    public func relu() -> Variable { unary({ max($0, 0) }, derivative: { x, _ in x > 0 ? 1 : 0 }) }

    /// x for x > 0, `slope`·x otherwise (PyTorch's default slope is 0.01).
    public func leakyReLU(slope: Float = 0.01) -> Variable {
        unary({ $0 > 0 ? $0 : slope * $0 }, derivative: { x, _ in x > 0 ? 1 : slope })
    }

    /// log(1 + e^(βx)) / β, linear above βx > `threshold` (PyTorch's `softplus` convention).
    public func softplus(beta: Float = 1, threshold: Float = 20) -> Variable {
        unary({ x in
            let bx = beta * x
            return bx > threshold ? x : Foundation.log1p(Foundation.exp(bx)) / beta
        }, derivative: { x, _ in
            let bx = beta * x
            return bx > threshold ? 1 : 1 / (1 + Foundation.exp(-bx))
        })
    }

    /// Sine (radians).
    public func sin() -> Variable { unary({ Foundation.sin($0) }, derivative: { x, _ in Foundation.cos(x) }) }

    /// Cosine (radians).
    public func cos() -> Variable { unary({ Foundation.cos($0) }, derivative: { x, _ in -Foundation.sin(x) }) }

    /// |x| (subgradient 0 at 0).
    public func abs() -> Variable {
        unary({ Swift.abs($0) }, derivative: { x, _ in x > 0 ? 1 : (x < 0 ? -1 : 0) })
    }

    /// x².
    public func square() -> Variable { unary({ $0 * $0 }, derivative: { x, _ in 2 * x }) }

    /// √x (inputs must be positive for a finite gradient).
    public func squareRoot() -> Variable { unary({ $0.squareRoot() }, derivative: { _, y in 0.5 / y }) }

    /// x clamped to [lower, upper]; the gradient is 1 strictly inside, 0 outside.
    public func clamped(lower: Float = -.infinity, upper: Float = .infinity) -> Variable {
        unary({ Swift.min(Swift.max($0, lower), upper) }, derivative: { x, _ in x > lower && x < upper ? 1 : 0 })
    }

    /// Elementwise selection: `a` where `condition` is nonzero, else `b` (all three the same shape).
    /// The condition is not differentiable.
    public static func select(_ condition: Tensor, _ a: Variable, _ b: Variable) -> Variable {
        precondition(condition.shape == a.shape && a.shape == b.shape,
                     "select needs equal shapes, got \(condition.shape), \(a.shape), \(b.shape)")
        let output = Kernels.zip3(condition, a.value, b.value) { c, x, y in c != 0 ? x : y }
        return Tape.record(inputs: [a, b], output: output) { g in
            [Kernels.zip(condition, g) { c, d in c != 0 ? d : 0 }, Kernels.zip(condition, g) { c, d in c != 0 ? 0 : d }]
        }
    }
}
