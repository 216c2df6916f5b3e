/// Closed-form matting (Levin, Lischinski, Weiss, CVPR 2006 / TPAMI 2008): solves
/// (L + λD)·α = λ·D·b, where L is the matting Laplacian over 3×3 windows,
///   L_ij = Σ_{k: i,j ∈ w_k} [δ_ij − (1/9)(1 + (I_i − μ_k)ᵀ (Σ_k + ε/9·U)⁻¹ (I_j − μ_k))],
/// D marks the pixels the trimap fixes and b their alpha. L is never formed: L·x is evaluated
/// window by window and the system is solved with conjugate gradients. The difference-matting
/// stage uses it at reduced resolution to refine the uncertain band of its matte.
public struct ClosedFormMatting: Sendable {
    /// Regulariser ε of the window covariance (1e-7 in the paper).
    public var epsilon: Float = 1e-7
    /// Weight λ of the trimap constraints (100 in the paper).
    public var lambda: Float = 100
    /// Conjugate-gradient iterations.
    public var iterations = 300

    /// The paper's settings, adjusted by the arguments.
    public init(epsilon: Float = 1e-7, lambda: Float = 100, iterations: Int = 300) {
        self.epsilon = epsilon
        self.lambda = lambda
        self.iterations = iterations
    }

    /// Per-window statistics: mean colour and the inverse regularised covariance (row-major 3×3).
    private struct Window {
        var mean: SIMD3<Float>
        var inverse: (SIMD3<Float>, SIMD3<Float>, SIMD3<Float>)
    }

    /// Solves for alpha given the colour image as three planes (R, G, B in [0, 1]). `known[i]`
    /// marks constrained pixels whose alpha is `target[i]`; `target` also starts the conjugate
    /// gradients. Returns alpha clamped to [0, 1]; images smaller than 3×3 return `target`.
    public func solve(image: [Plane], known: [Bool], target: [Float]) -> Plane {
        let width = image[0].width, height = image[0].height
        guard width >= 3, height >= 3 else { return Plane(width: width, height: height, values: target) }
        let colour = (0..<(width * height)).map { SIMD3(image[0].values[$0], image[1].values[$0], image[2].values[$0]) }
        var windows: [Window] = []
        windows.reserveCapacity((width - 2) * (height - 2))
        for cy in 1..<(height - 1) {
            for cx in 1..<(width - 1) {
                var mean = SIMD3<Float>.zero
                for dy in -1...1 { for dx in -1...1 { mean += colour[(cy + dy) * width + cx + dx] } }
                mean /= 9
                var c = [Float](repeating: 0, count: 9)
                for dy in -1...1 {
                    for dx in -1...1 {
                        let d = colour[(cy + dy) * width + cx + dx] - mean
                        let v = [d.x, d.y, d.z]
                        for r in 0..<3 { for s in 0..<3 { c[r * 3 + s] += v[r] * v[s] / 9 } }
                    }
                }
                for r in 0..<3 { c[r * 3 + r] += epsilon / 9 }
                windows.append(Window(mean: mean, inverse: Self.invert(c)))
            }
        }
        func apply(_ x: [Float]) -> [Float] {
            var y = [Float](repeating: 0, count: x.count)
            for i in 0..<x.count where known[i] { y[i] = lambda * x[i] }
            var index = 0
            for cy in 1..<(height - 1) {
                for cx in 1..<(width - 1) {
                    let window = windows[index]
                    index += 1
                    var sum: Float = 0
                    var weighted = SIMD3<Float>.zero
                    for dy in -1...1 {
                        for dx in -1...1 {
                            let p = (cy + dy) * width + cx + dx
                            sum += x[p]
                            weighted += (colour[p] - window.mean) * x[p]
                        }
                    }
                    let m = SIMD3((window.inverse.0 * weighted).sum(), (window.inverse.1 * weighted).sum(), (window.inverse.2 * weighted).sum())
                    for dy in -1...1 {
                        for dx in -1...1 {
                            let p = (cy + dy) * width + cx + dx
                            y[p] += x[p] - (sum + ((colour[p] - window.mean) * m).sum()) / 9
                        }
                    }
                }
            }
            return y
        }
        // Conjugate gradients from the target (a good start), on A x = λ D b.
        var x = target
        let rightHandSide = (0..<x.count).map { known[$0] ? lambda * target[$0] : 0 }
        var residual = zip(rightHandSide, apply(x)).map { $0 - $1 }
        var direction = residual
        var residualNorm = residual.reduce(0) { $0 + $1 * $1 }
        let stop = residualNorm * 1e-10
        for _ in 0..<iterations where residualNorm > stop {
            let ad = apply(direction)
            let curvature = zip(direction, ad).reduce(0) { $0 + $1.0 * $1.1 }
            guard curvature > 0 else { break }
            let step = residualNorm / curvature
            for i in x.indices {
                x[i] += step * direction[i]
                residual[i] -= step * ad[i]
            }
            let next = residual.reduce(0) { $0 + $1 * $1 }
            let beta = next / residualNorm
            residualNorm = next
            for i in direction.indices { direction[i] = residual[i] + beta * direction[i] }
        }
        return Plane(width: width, height: height, values: x.map { min(1, max(0, $0)) })
    }

    /// Inverse of a symmetric positive-definite 3×3 matrix (row-major), by cofactors.
    private static func invert(_ c: [Float]) -> (SIMD3<Float>, SIMD3<Float>, SIMD3<Float>) {
        let c00 = c[4] * c[8] - c[5] * c[7], c01 = c[2] * c[7] - c[1] * c[8], c02 = c[1] * c[5] - c[2] * c[4]
        let c11 = c[0] * c[8] - c[2] * c[6], c12 = c[2] * c[3] - c[0] * c[5], c22 = c[0] * c[4] - c[1] * c[3]
        let determinant = c[0] * c00 + c[1] * (c[5] * c[6] - c[3] * c[8]) + c[2] * (c[3] * c[7] - c[4] * c[6])
        let inverse = determinant != 0 ? 1 / determinant : 0
        return (SIMD3(c00, c01, c02) * inverse, SIMD3(c01, c11, c12) * inverse, SIMD3(c02, c12, c22) * inverse)
    }
}
