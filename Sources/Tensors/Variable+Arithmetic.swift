/// Broadcasting arithmetic (NumPy rules: shapes aligned from the right, extents equal or 1).
/// Gradients of broadcast operands are summed back to the operand's shape.
extension Variable {
    /// Elementwise sum with broadcasting.
    public static func + (a: Variable, b: Variable) -> Variable {
        let shapeA = a.shape, shapeB = b.shape
        let needA = a.isDifferentiable, needB = b.isDifferentiable
        return Tape.record(inputs: [a, b], output: Kernels.broadcast(a.value, b.value, +)) { g in
            [needA ? Kernels.sumToShape(g, shapeA) : nil, needB ? Kernels.sumToShape(g, shapeB) : nil]
        }
    }

    /// Elementwise difference with broadcasting.
    public static func - (a: Variable, b: Variable) -> Variable {
        let shapeA = a.shape, shapeB = b.shape
        let needA = a.isDifferentiable, needB = b.isDifferentiable
        return Tape.record(inputs: [a, b], output: Kernels.broadcast(a.value, b.value, -)) { g in
            [needA ? Kernels.sumToShape(g, shapeA) : nil,
             needB ? Kernels.sumToShape(Kernels.map(g) { -$0 }, shapeB) : nil]
        }
    }

    /// Elementwise product with broadcasting.
    public static func * (a: Variable, b: Variable) -> Variable {
        let va = a.value, vb = b.value
        let needA = a.isDifferentiable, needB = b.isDifferentiable
        return Tape.record(inputs: [a, b], output: Kernels.broadcast(va, vb, *)) { g in
            [needA ? Kernels.sumToShape(Kernels.broadcast(g, vb, *), va.shape) : nil,
             needB ? Kernels.sumToShape(Kernels.broadcast(g, va, *), vb.shape) : nil]
        }
    }

    /// Elementwise quotient with broadcasting.
    public static func / (a: Variable, b: Variable) -> Variable {
        let va = a.value, vb = b.value
        let needA = a.isDifferentiable, needB = b.isDifferentiable
        let quotient = Kernels.broadcast(va, vb, /)
        return Tape.record(inputs: [a, b], output: quotient) { g in
            let gOverB = Kernels.broadcast(g, vb, /)
            return [needA ? Kernels.sumToShape(gOverB, va.shape) : nil,
                    needB ? Kernels.sumToShape(Kernels.zip(gOverB, quotient) { -$0 * $1 }, vb.shape) : nil]
        }
    }

    /// Negation.
    public static prefix func - (x: Variable) -> Variable {
        Tape.record(inputs: [x], output: Kernels.map(x.value) { -$0 }) { g in [Kernels.map(g) { -$0 }] }
    }

    /// Adds a constant to every element.
    public static func + (x: Variable, c: Float) -> Variable {
        Tape.record(inputs: [x], output: Kernels.map(x.value) { $0 + c }) { g in [g] }
    }

    /// Adds a constant to every element.
    public static func + (c: Float, x: Variable) -> Variable { x + c }

    /// Subtracts a constant from every element.
    public static func - (x: Variable, c: Float) -> Variable { x + (-c) }

    /// A constant minus every element.
    public static func - (c: Float, x: Variable) -> Variable {
        Tape.record(inputs: [x], output: Kernels.map(x.value) { c - $0 }) { g in [Kernels.map(g) { -$0 }] }
    }

    /// Multiplies every element by a constant.
    public static func * (x: Variable, c: Float) -> Variable {
        Tape.record(inputs: [x], output: Kernels.map(x.value) { $0 * c }) { g in [Kernels.map(g) { $0 * c }] }
    }

    /// Multiplies every element by a constant.
    public static func * (c: Float, x: Variable) -> Variable { x * c }

    /// Divides every element by a constant.
    public static func / (x: Variable, c: Float) -> Variable { x * (1 / c) }
}
