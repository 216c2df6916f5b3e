import Foundation

/// Small dense linear algebra in Double for least-squares solvers and multi-view geometry:
/// Cholesky solves of normal equations and the symmetric eigenproblem (cyclic Jacobi).
///
/// Matrices are row-major `[Double]` of `n * n` entries; the sizes are small (up to a few hundred
/// unknowns), so the O(n³) textbook algorithms are used without blocking or pivoting.
public enum DenseLinearAlgebra {
    /// Solves A·x = b for a symmetric positive-definite A (row-major n×n) by Cholesky
    /// factorisation A = L·Lᵀ and forward/back substitution.
    ///
    /// Only the lower triangle of `a` is read. Returns nil when A is not (numerically) positive
    /// definite, i.e. when a pivot of the factorisation is ≤ 0; a damped solver reacts to that by
    /// raising its damping.
    public static func solveSymmetric(_ a: [Double], _ b: [Double], n: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = a[i * n + j]
                for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    guard sum > 0 else { return nil }
                    l[i * n + i] = sum.squareRoot()
                } else {
                    l[i * n + j] = sum / l[j * n + j]
                }
            }
        }
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var sum = b[i]
            for k in 0..<i { sum -= l[i * n + k] * y[k] }
            y[i] = sum / l[i * n + i]
        }
        var x = [Double](repeating: 0, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) {
            var sum = y[i]
            for k in (i + 1)..<n { sum -= l[k * n + i] * x[k] }
            x[i] = sum / l[i * n + i]
        }
        return x
    }

    /// Eigen-decomposition A = V·diag(λ)·Vᵀ of a symmetric n×n matrix (row-major) by cyclic
    /// Jacobi rotations.
    ///
    /// Sweeps (at most 60) rotate away every off-diagonal entry until the sum of their squares is
    /// below 1e-22. Returns the eigenvalues λ in diagonal order (not sorted) and the eigenvectors as
    /// the columns of a row-major n×n matrix: eigenvector k is `vectors[i * n + k]` for i in 0..<n,
    /// unit length, mutually orthogonal.
    public static func symmetricEigen(_ matrix: [Double], n: Int) -> (values: [Double], vectors: [Double]) {
        var a = matrix
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        for _ in 0..<60 {
            var offDiagonal = 0.0
            for p in 0..<n { for q in (p + 1)..<n { offDiagonal += a[p * n + q] * a[p * n + q] } }
            if offDiagonal < 1e-22 { break }
            for p in 0..<n {
                for q in (p + 1)..<n where abs(a[p * n + q]) > 1e-300 {
                    let theta = (a[q * n + q] - a[p * n + p]) / (2 * a[p * n + q])
                    let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {
                        let akp = a[k * n + p], akq = a[k * n + q]
                        a[k * n + p] = c * akp - s * akq
                        a[k * n + q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let apk = a[p * n + k], aqk = a[q * n + k]
                        a[p * n + k] = c * apk - s * aqk
                        a[q * n + k] = s * apk + c * aqk
                    }
                    for k in 0..<n {
                        let vkp = v[k * n + p], vkq = v[k * n + q]
                        v[k * n + p] = c * vkp - s * vkq
                        v[k * n + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        return ((0..<n).map { a[$0 * n + $0] }, v)
    }
}
