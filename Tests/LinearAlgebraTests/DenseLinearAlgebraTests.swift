import LinearAlgebra
import TestSupport
import Testing

@Suite struct DenseLinearAlgebraTests {
    /// A·x for a row-major n×n A.
    func multiply(_ a: [Double], _ x: [Double], n: Int) -> [Double] {
        (0..<n).map { i in (0..<n).reduce(0.0) { $0 + a[i * n + $1] * x[$1] } }
    }

    @Test func choleskySolvesAKnownSystem() throws {
        // A = [[4, 12, −16], [12, 37, −43], [−16, −43, 98]] = L·Lᵀ with L = [[2, 0, 0], [6, 1, 0], [−8, 5, 3]];
        // x = (1, −2, 3) gives b = A·x.
        let a: [Double] = [4, 12, -16, 12, 37, -43, -16, -43, 98]
        let truth: [Double] = [1, -2, 3]
        let b = multiply(a, truth, n: 3)
        #expect(b == [-68, -191, 364])
        let x = try #require(DenseLinearAlgebra.solveSymmetric(a, b, n: 3))
        for (found, expected) in zip(x, truth) { #expect(abs(found - expected) < 1e-12) }
    }

    @Test func choleskyMatchesTheResidualOfARandomSPDSystem() throws {
        // A = MᵀM + I (SPD) of size 12 from a fixed pseudo-random M; the residual |A·x − b| must vanish.
        let n = 12
        var generator = LinearCongruentialGenerator(seed: 7)
        func next() -> Double { generator.nextUnitDouble() * 2 - 1 }
        let m = (0..<(n * n)).map { _ in next() }
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { a[i * n + j] = (0..<n).reduce(0.0) { $0 + m[$1 * n + i] * m[$1 * n + j] } + (i == j ? 1 : 0) } }
        let b = (0..<n).map { _ in next() }
        let x = try #require(DenseLinearAlgebra.solveSymmetric(a, b, n: n))
        for (ax, bi) in zip(multiply(a, x, n: n), b) { #expect(abs(ax - bi) < 1e-10) }
    }

    @Test func choleskyRefusesAMatrixThatIsNotPositiveDefinite() {
        #expect(DenseLinearAlgebra.solveSymmetric([1, 2, 2, 1], [1, 1], n: 2) == nil, "eigenvalues 3 and −1")
        #expect(DenseLinearAlgebra.solveSymmetric([0, 0, 0, 1], [1, 1], n: 2) == nil, "singular")
    }

    @Test func jacobiEigenOfAKnownMatrix() {
        // [[2, 1], [1, 2]]: eigenvalues 1 and 3, eigenvectors (1, −1)/√2 and (1, 1)/√2.
        let (values, vectors) = DenseLinearAlgebra.symmetricEigen([2, 1, 1, 2], n: 2)
        #expect(abs(values.min()! - 1) < 1e-12 && abs(values.max()! - 3) < 1e-12)
        let largest = values[0] > values[1] ? 0 : 1
        #expect(abs(abs(vectors[0 * 2 + largest]) - 0.5.squareRoot()) < 1e-12)
        #expect(abs(vectors[0 * 2 + largest] - vectors[1 * 2 + largest]) < 1e-12, "the eigenvector of 3 is along (1, 1)")
    }

    @Test func jacobiEigenDecomposesASymmetricMatrix() {
        // A·vₖ = λₖ·vₖ for every column, and the columns are orthonormal.
        let n = 5
        let a: [Double] = [
            4, 1, -2, 0.5, 0,
            1, 3, 0, 1, -1,
            -2, 0, 5, 0.3, 2,
            0.5, 1, 0.3, 2, 0.7,
            0, -1, 2, 0.7, 6,
        ]
        let (values, vectors) = DenseLinearAlgebra.symmetricEigen(a, n: n)
        #expect(abs(values.reduce(0, +) - 20) < 1e-10, "the trace is kept")
        for k in 0..<n {
            let v = (0..<n).map { vectors[$0 * n + k] }
            let av = multiply(a, v, n: n)
            for i in 0..<n { #expect(abs(av[i] - values[k] * v[i]) < 1e-9) }
            for l in 0..<n {
                let dot = (0..<n).reduce(0.0) { $0 + vectors[$1 * n + k] * vectors[$1 * n + l] }
                #expect(abs(dot - (k == l ? 1 : 0)) < 1e-10)
            }
        }
    }
}
