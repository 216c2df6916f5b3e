/// Broadcasting arithmetic (NumPy rules: shapes aligned from the right, extents equal or 1).
/// Gradients of broadcast operands are summed back to the operand's shape.
extension Variable {
    /// Elementwise sum with broadcasting.
    public static func + (a: Variable, b: Variable) -> Variable {
        let shapeA = a.shape, shapeB = b.shape
        let needA = a.isDifferentiable, needB = b.isDifferentiable
        return Tape.record(inputs: [a, b], output: Kernels.broadcast(a.value, b.value, AddFunction.self)) { g in
            [needA ? Kernels.sumToShape(g, shapeA) : nil, needB ? Kernels.sumToShape(g, shapeB) : nil]
        }
    }

    /// Elementwise difference with broadcasting.
    public static func - (a: Variable, b: Variable) -> Variable {
        let shapeA = a.shape, shapeB = b.shape
        let needA = a.isDifferentiable, needB = b.isDifferentiable
        return Tape.record(inputs: [a, b], output: Kernels.broadcast(a.value, b.value, SubtractFunction.self)) { g in
            [
                needA ? Kernels.sumToShape(g, shapeA) : nil,
                needB ? Kernels.sumToShape(Kernels.map(g, AffineFunction(scale: -1, shift: 0)), shapeB) : nil,
            ]
        }
    }

    /// Elementwise product with broadcasting.
    public static func * (a: Variable, b: Variable) -> Variable {
        let va = a.value, vb = b.value
        let needA = a.isDifferentiable, needB = b.isDifferentiable
        return Tape.record(inputs: [a, b], output: Kernels.broadcast(va, vb, MultiplyFunction.self)) { g in
            [
                needA ? Kernels.sumToShape(Kernels.broadcast(g, vb, MultiplyFunction.self), va.shape) : nil,
                needB ? Kernels.sumToShape(Kernels.broadcast(g, va, MultiplyFunction.self), vb.shape) : nil,
            ]
        }
    }

    /// Elementwise quotient with broadcasting.
    public static func / (a: Variable, b: Variable) -> Variable {
        let va = a.value, vb = b.value
        let needA = a.isDifferentiable, needB = b.isDifferentiable
        let quotient = Kernels.broadcast(va, vb, DivideFunction.self)
        return Tape.record(inputs: [a, b], output: quotient) { g in
            let gOverB = Kernels.broadcast(g, vb, DivideFunction.self)
            return [
                needA ? Kernels.sumToShape(gOverB, va.shape) : nil,
                needB
                    ? Kernels.sumToShape(
                        Kernels.map(
                            Kernels.zip(gOverB, quotient, MultiplyFunction.self),
                            AffineFunction(scale: -1, shift: 0)), vb.shape) : nil,
            ]
        }
    }

    /// a·x + b elementwise, recorded once.
    func affine(scale: Float, shift: Float) -> Variable {
        unary(AffineFunction(scale: scale, shift: shift))
    }

    /// Negation.
    public static prefix func - (x: Variable) -> Variable { x.affine(scale: -1, shift: 0) }

    /// Adds a constant to every element.
    public static func + (x: Variable, c: Float) -> Variable { x.affine(scale: 1, shift: c) }

    /// Adds a constant to every element.
    public static func + (c: Float, x: Variable) -> Variable { x.affine(scale: 1, shift: c) }

    /// Subtracts a constant from every element.
    public static func - (x: Variable, c: Float) -> Variable { x.affine(scale: 1, shift: -c) }

    /// A constant minus every element.
    public static func - (c: Float, x: Variable) -> Variable { x.affine(scale: -1, shift: c) }

    /// Multiplies every element by a constant.
    public static func * (x: Variable, c: Float) -> Variable { x.affine(scale: c, shift: 0) }

    /// Multiplies every element by a constant.
    public static func * (c: Float, x: Variable) -> Variable { x.affine(scale: c, shift: 0) }

    /// Divides every element by a constant.
    public static func / (x: Variable, c: Float) -> Variable { x.affine(scale: 1 / c, shift: 0) }
}
