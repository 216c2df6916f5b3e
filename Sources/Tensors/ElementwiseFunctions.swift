import Foundation

/// A scalar function with its derivative, applied elementwise by generic (specialised, inlined)
/// kernels: no per-element indirect calls. `vector` may provide a SIMD16 implementation.
protocol ElementwiseUnary {
    /// f(x).
    func value(_ x: Float) -> Float
    /// f'(x), given x and y = f(x) (whichever is cheaper).
    func derivative(input x: Float, output y: Float) -> Float
    /// f on 16 lanes; the default applies `value` per lane (LLVM vectorises simple bodies).
    func vector(_ x: SIMD16<Float>) -> SIMD16<Float>
    /// g · f'(x) on 16 lanes; the default applies `derivative` per lane.
    func vectorGradient(_ g: SIMD16<Float>, input x: SIMD16<Float>, output y: SIMD16<Float>) -> SIMD16<Float>
}

extension ElementwiseUnary {
    @inline(__always) func vector(_ x: SIMD16<Float>) -> SIMD16<Float> {
        var y = SIMD16<Float>()
        for lane in 0..<16 { y[lane] = value(x[lane]) }
        return y
    }

    @inline(__always) func vectorGradient(_ g: SIMD16<Float>, input x: SIMD16<Float>, output y: SIMD16<Float>) -> SIMD16<Float> {
        var result = SIMD16<Float>()
        for lane in 0..<16 { result[lane] = g[lane] * derivative(input: x[lane], output: y[lane]) }
        return result
    }
}

/// A binary scalar function for broadcasting kernels.
protocol ElementwiseBinary {
    /// f(a, b).
    static func apply(_ a: Float, _ b: Float) -> Float
}

enum AddFunction: ElementwiseBinary {
    @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a + b }
}

enum SubtractFunction: ElementwiseBinary {
    @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a - b }
}

enum MultiplyFunction: ElementwiseBinary {
    @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a * b }
}

enum DivideFunction: ElementwiseBinary {
    @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a / b }
}

/// Vectorised e^x (Cephes `expf` scheme: range reduction by ln 2, degree-6 polynomial, exponent bits);
/// relative error ≈ 2e-7, inputs clamped to [-86.9, 88.72] (so tiny results saturate at ≈2e-38 rather
/// than flushing to zero, and the largest finite floats are still reached). Uses only operations the standard library
/// lowers to vector instructions (the generic `clamped`/`rounded`/int conversions are scalar loops).
@inline(__always) func fastExp(_ input: SIMD16<Float>) -> SIMD16<Float> {
    let low = SIMD16<Float>(repeating: -86.9), high = SIMD16<Float>(repeating: 88.72)
    var x = input.replacing(with: low, where: input .< low)
    x.replace(with: high, where: x .> high)
    // Adding 1.5·2²³ rounds to the nearest integer n, which then sits in the low mantissa bits.
    let magic = SIMD16<Float>(repeating: 12_582_912)
    let shifted = x * 1.442_695_04 + magic
    let n = shifted - magic
    x -= n * 0.693_359_375
    x += n * 2.121_944_4e-4
    let z = x * x
    var y = SIMD16<Float>(repeating: 1.987_569_15e-4)
    y = y * x + 1.398_199_95e-3
    y = y * x + 8.333_451_9e-3
    y = y * x + 4.166_579_59e-2
    y = y * x + 1.666_666_55e-1
    y = y * x + 5.000_000_1e-1
    y = y * z + x + 1
    let integer = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- unsafeBitCast(magic, to: SIMD16<Int32>.self)
    // 2y · 2^(n−1) keeps the exponent field inside 1...254 for n in −125...128.
    let exponent = (integer &+ 126) &* 8_388_608
    return (y + y) * unsafeBitCast(exponent, to: SIMD16<Float>.self)
}

/// Vectorised tanh: odd polynomial for |x| < 0.625 (Cephes `tanhf`), 1 − 2/(e^{2x} + 1) beyond.
@inline(__always) func fastTanh(_ x: SIMD16<Float>) -> SIMD16<Float> {
    let z = x * x
    var p = SIMD16<Float>(repeating: -5.704_988_72e-3)
    p = p * z + 2.063_908_87e-2
    p = p * z - 5.373_971_55e-2
    p = p * z + 1.333_144_22e-1
    p = p * z - 3.333_328_19e-1
    let small = p * z * x + x
    let large = 1 - 2 / (fastExp(x * 2) + 1)
    return small.replacing(with: large, where: z .>= 0.390_625)
}

struct ExpFunction: ElementwiseUnary {
    @inline(__always) func value(_ x: Float) -> Float { Foundation.exp(x) }
    @inline(__always) func derivative(input x: Float, output y: Float) -> Float { y }
    @inline(__always) func vector(_ x: SIMD16<Float>) -> SIMD16<Float> { fastExp(x) }
}

struct LogFunction: ElementwiseUnary {
    @inline(__always) func value(_ x: Float) -> Float { Foundation.log(x) }
    @inline(__always) func derivative(input x: Float, output y: Float) -> Float { 1 / x }
}

struct SigmoidFunction: ElementwiseUnary {
    @inline(__always) func value(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) }
    @inline(__always) func derivative(input x: Float, output y: Float) -> Float { y * (1 - y) }
    @inline(__always) func vector(_ x: SIMD16<Float>) -> SIMD16<Float> { 1 / (1 + fastExp(-x)) }
}

struct TanhFunction: ElementwiseUnary {
    @inline(__always) func value(_ x: Float) -> Float { Foundation.tanh(x) }
    @inline(__always) func derivative(input x: Float, output y: Float) -> Float { 1 - y * y }
    @inline(__always) func vector(_ x: SIMD16<Float>) -> SIMD16<Float> { fastTanh(x) }
}

struct LeakyReLUFunction: ElementwiseUnary {
    /// 0 gives the plain ReLU.
    let slope: Float
    @inline(__always) func value(_ x: Float) -> Float { x > 0 ? x : slope * x }
    @inline(__always) func derivative(input x: Float, output y: Float) -> Float { x > 0 ? 1 : slope }
    @inline(__always) func vector(_ x: SIMD16<Float>) -> SIMD16<Float> { x.replacing(with: x * slope, where: x .<= 0) }
    /// A select on the input alone (the output is not read).
    @inline(__always) func vectorGradient(_ g: SIMD16<Float>, input x: SIMD16<Float>, output y: SIMD16<Float>) -> SIMD16<Float> {
        g.replacing(with: g * slope, where: x .<= 0)
    }
}

struct SoftplusFunction: ElementwiseUnary {
    let beta: Float, threshold: Float
    @inline(__always) func value(_ x: Float) -> Float {
        let bx = beta * x
        return bx > threshold ? x : Foundation.log1p(Foundation.exp(bx)) / beta
    }
    @inline(__always) func derivative(input x: Float, output y: Float) -> Float {
        let bx = beta * x
        return bx > threshold ? 1 : 1 / (1 + Foundation.exp(-bx))
    }
}

struct SineFunction: ElementwiseUnary {
    @inline(__always) func value(_ x: Float) -> Float { Foundation.sin(x) }
    @inline(__always) func derivative(input x: Float, output y: Float) -> Float { Foundation.cos(x) }
}

struct CosineFunction: ElementwiseUnary {
    @inline(__always) func value(_ x: Float) -> Float { Foundation.cos(x) }
    @inline(__always) func derivative(input x: Float, output y: Float) -> Float { -Foundation.sin(x) }
}

struct AbsoluteFunction: ElementwiseUnary {
    @inline(__always) func value(_ x: Float) -> Float { Swift.abs(x) }
    @inline(__always) func derivative(input x: Float, output y: Float) -> Float { x > 0 ? 1 : (x < 0 ? -1 : 0) }
}

struct SquareFunction: ElementwiseUnary {
    @inline(__always) func value(_ x: Float) -> Float { x * x }
    @inline(__always) func derivative(input x: Float, output y: Float) -> Float { 2 * x }
    @inline(__always) func vector(_ x: SIMD16<Float>) -> SIMD16<Float> { x * x }
}

struct SquareRootFunction: ElementwiseUnary {
    @inline(__always) func value(_ x: Float) -> Float { x.squareRoot() }
    @inline(__always) func derivative(input x: Float, output y: Float) -> Float { 0.5 / y }
}

struct ClampFunction: ElementwiseUnary {
    let lower: Float, upper: Float
    @inline(__always) func value(_ x: Float) -> Float { Swift.min(Swift.max(x, lower), upper) }
    @inline(__always) func derivative(input x: Float, output y: Float) -> Float { x > lower && x < upper ? 1 : 0 }
}

/// a·x + b (scaling, shifting, negation, reversed subtraction).
struct AffineFunction: ElementwiseUnary {
    let scale: Float, shift: Float
    @inline(__always) func value(_ x: Float) -> Float { scale * x + shift }
    @inline(__always) func derivative(input x: Float, output y: Float) -> Float { scale }
    @inline(__always) func vector(_ x: SIMD16<Float>) -> SIMD16<Float> { x * scale + shift }
}

struct HuberFunction: ElementwiseUnary {
    let delta: Float
    @inline(__always) func value(_ d: Float) -> Float {
        let a = Swift.abs(d)
        return a < delta ? 0.5 * d * d : delta * (a - 0.5 * delta)
    }
    @inline(__always) func derivative(input d: Float, output y: Float) -> Float {
        Swift.abs(d) < delta ? d : (d > 0 ? delta : -delta)
    }
}

extension Kernels {
    /// f applied to every scalar, SIMD16 at a time (specialised per function type).
    @inline(__always) static func map<F: ElementwiseUnary>(_ x: Tensor, _ f: F) -> Tensor {
        let result = Tensor(uninitializedShape: x.shape)
        let source = x.basePointer, destination = result.basePointer
        forChunks(x.count) { range in
            var i = range.lowerBound
            while i + 16 <= range.upperBound {
                let v = UnsafeRawPointer(source + i).loadUnaligned(as: SIMD16<Float>.self)
                UnsafeMutableRawPointer(destination + i).storeBytes(of: f.vector(v), as: SIMD16<Float>.self)
                i += 16
            }
            while i < range.upperBound {
                destination[i] = f.value(source[i])
                i += 1
            }
        }
        return result
    }

    /// Upstream gradient times f'(x): `g[i] · f.derivative(x[i], y[i])`.
    @inline(__always) static func unaryBackward<F: ElementwiseUnary>(_ g: Tensor, input: Tensor, output: Tensor, _ f: F) -> Tensor {
        let result = Tensor(uninitializedShape: g.shape)
        let pg = g.basePointer, px = input.basePointer, py = output.basePointer, destination = result.basePointer
        forChunks(g.count) { range in
            var i = range.lowerBound
            while i + 16 <= range.upperBound {
                let gradient = f.vectorGradient(
                    UnsafeRawPointer(pg + i).loadUnaligned(as: SIMD16<Float>.self),
                    input: UnsafeRawPointer(px + i).loadUnaligned(as: SIMD16<Float>.self),
                    output: UnsafeRawPointer(py + i).loadUnaligned(as: SIMD16<Float>.self))
                UnsafeMutableRawPointer(destination + i).storeBytes(of: gradient, as: SIMD16<Float>.self)
                i += 16
            }
            while i < range.upperBound {
                destination[i] = pg[i] * f.derivative(input: px[i], output: py[i])
                i += 1
            }
        }
        return result
    }

    /// F(a[i], b[i]) for same-shape tensors.
    @inline(__always) static func zip<F: ElementwiseBinary>(_ a: Tensor, _ b: Tensor, _: F.Type) -> Tensor {
        precondition(a.count == b.count, "elementwise shapes \(a.shape) and \(b.shape) differ")
        let result = Tensor(uninitializedShape: a.shape)
        let pa = a.basePointer, pb = b.basePointer, destination = result.basePointer
        forChunks(a.count) { range in
            for i in range { destination[i] = F.apply(pa[i], pb[i]) }
        }
        return result
    }
}
