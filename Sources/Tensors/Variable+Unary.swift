/// Elementwise nonlinearities, computed by specialised SIMD kernels (see ElementwiseFunctions.swift).
extension Variable {
    /// Records `f` applied elementwise; the backward multiplies by f'(x) from the saved input/output.
    @inline(__always) func unary<F: ElementwiseUnary>(_ f: F) -> Variable {
        let input = value
        let output = Kernels.map(input, f)
        return Tape.record(inputs: [self], output: output) { g in
            [Kernels.unaryBackward(g, input: input, output: output, f)]
        }
    }

    /// e^x (vectorised; relative error ≈ 2e-7).
    public func exp() -> Variable { unary(ExpFunction()) }

    /// Natural logarithm (inputs must be positive).
    public func log() -> Variable { unary(LogFunction()) }

    /// Logistic sigmoid 1 / (1 + e^-x).
    public func sigmoid() -> Variable { unary(SigmoidFunction()) }

    /// Hyperbolic tangent (vectorised; absolute error ≈ 1e-7).
    public func tanh() -> Variable { unary(TanhFunction()) }

    /// max(x, 0).
    public func relu() -> Variable { unary(LeakyReLUFunction(slope: 0)) }

    /// x for x > 0, `slope`·x otherwise (PyTorch's default slope is 0.01).
    public func leakyReLU(slope: Float = 0.01) -> Variable { unary(LeakyReLUFunction(slope: slope)) }

    /// log(1 + e^(βx)) / β, linear above βx > `threshold` (PyTorch's `softplus` convention).
    public func softplus(beta: Float = 1, threshold: Float = 20) -> Variable {
        unary(SoftplusFunction(beta: beta, threshold: threshold))
    }

    /// Sine (radians).
    public func sin() -> Variable { unary(SineFunction()) }

    /// Cosine (radians).
    public func cos() -> Variable { unary(CosineFunction()) }

    /// |x| (subgradient 0 at 0).
    public func abs() -> Variable { unary(AbsoluteFunction()) }

    /// x².
    public func square() -> Variable { unary(SquareFunction()) }

    /// √x (inputs must be positive for a finite gradient).
    public func squareRoot() -> Variable { unary(SquareRootFunction()) }

    /// x clamped to [lower, upper]; the gradient is 1 strictly inside, 0 outside.
    public func clamped(lower: Float = -.infinity, upper: Float = .infinity) -> Variable {
        unary(ClampFunction(lower: lower, upper: upper))
    }

    /// Elementwise selection: `a` where `condition` is nonzero, else `b` (all three the same shape).
    /// The condition is not differentiable.
    public static func select(_ condition: Tensor, _ a: Variable, _ b: Variable) -> Variable {
        precondition(
            condition.shape == a.shape && a.shape == b.shape,
            "select needs equal shapes, got \(condition.shape), \(a.shape), \(b.shape)")
        let output = Kernels.zip3(condition, a.value, b.value) { c, x, y in c != 0 ? x : y }
        return Tape.record(inputs: [a, b], output: output) { g in
            [Kernels.zip(condition, g) { c, d in c != 0 ? d : 0 }, Kernels.zip(condition, g) { c, d in c != 0 ? 0 : d }]
        }
    }
}
