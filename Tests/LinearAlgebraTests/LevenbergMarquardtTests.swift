import Foundation
import LinearAlgebra
import Testing

@Suite struct LevenbergMarquardtTests {
    /// Rosenbrock's function as least squares: r = (10(x₁ − x₀²), 1 − x₀), minimum 0 at (1, 1).
    static func rosenbrock(_ x: [Double]) -> [Double] { [10 * (x[1] - x[0] * x[0]), 1 - x[0]] }
    static func rosenbrockJacobian(_ x: [Double], _ r: [Double]) -> [[Double]] { [[-20 * x[0], -1], [10, 0]] }

    @Test func rosenbrockWithAnAnalyticJacobianReachesTheMinimum() {
        let result = LevenbergMarquardt(iterations: 200).minimize(start: [-1.2, 1], residuals: Self.rosenbrock, jacobian: Self.rosenbrockJacobian)
        #expect(abs(result.parameters[0] - 1) < 1e-6 && abs(result.parameters[1] - 1) < 1e-6, "\(result.parameters)")
        #expect(result.cost < 1e-12)
        #expect(result.stop != .iterationLimit, "it stops by the convergence rule, \(result.iterations) iterations")
    }

    @Test func rosenbrockWithForwardDifferencesReachesTheMinimum() {
        let result = LevenbergMarquardt(iterations: 200).minimize(start: [-1.2, 1], steps: [1e-7, 1e-7], residuals: Self.rosenbrock)
        #expect(abs(result.parameters[0] - 1) < 1e-5 && abs(result.parameters[1] - 1) < 1e-5, "\(result.parameters)")
        #expect(result.cost < 1e-10)
    }

    @Test func forwardDifferenceJacobianMatchesTheAnalyticOne() {
        // f(x) = (sin x₀ · x₁, x₀² + exp(x₁), x₀·x₁³): the columns agree to O(h).
        func f(_ x: [Double]) -> [Double] { [sin(x[0]) * x[1], x[0] * x[0] + exp(x[1]), x[0] * x[1] * x[1] * x[1]] }
        let x: [Double] = [0.7, -0.4]
        let analytic: [[Double]] = [[cos(x[0]) * x[1], 2 * x[0], x[1] * x[1] * x[1]], [sin(x[0]), exp(x[1]), 3 * x[0] * x[1] * x[1]]]
        let numeric = LevenbergMarquardt.forwardDifferenceJacobian(at: x, residuals: f(x), steps: [1e-7, 1e-7], function: f)
        for j in 0..<2 { for i in 0..<3 { #expect(abs(numeric[j][i] - analytic[j][i]) < 1e-6, "∂r\(i)/∂x\(j)") } }
        // At an upper bound the difference is taken backwards, inside the feasible set.
        let clamped = LevenbergMarquardt.forwardDifferenceJacobian(
            at: x, residuals: f(x), steps: [1e-7, 1e-7],
            project: { [min($0[0], 0.7), $0[1]] }, function: f)
        for i in 0..<3 { #expect(abs(clamped[0][i] - analytic[0][i]) < 1e-6) }
    }

    @Test func exponentialCurveFitRecoversKnownParameters() {
        // y = a·exp(b·t) + c sampled without noise; the fit from a rough start recovers (a, b, c).
        let truth: [Double] = [2.5, -1.3, 0.4]
        let times = (0..<25).map { Double($0) * 0.2 }
        let observed = times.map { truth[0] * exp(truth[1] * $0) + truth[2] }
        let result = LevenbergMarquardt(iterations: 100).minimize(start: [1, -0.5, 0], steps: [1e-6, 1e-6, 1e-6]) { p in
            zip(times, observed).map { p[0] * exp(p[1] * $0) + p[2] - $1 }
        }
        for (found, expected) in zip(result.parameters, truth) { #expect(abs(found - expected) < 1e-5, "\(result.parameters)") }
    }

    @Test func linearLeastSquaresMatchesTheNormalEquations() throws {
        // r = A·x − b (4 equations, 2 unknowns): the minimiser is (AᵀA)⁻¹Aᵀb = (3.5, 1.4) for these values.
        let a: [[Double]] = [[1, 1], [1, 2], [1, 3], [1, 4]]
        let b: [Double] = [6, 5, 7, 10]
        let result = LevenbergMarquardt(iterations: 50).minimize(
            start: [0, 0], residuals: { x in zip(a, b).map { $0[0] * x[0] + $0[1] * x[1] - $1 } },
            jacobian: { _, _ in [a.map { $0[0] }, a.map { $0[1] }] })
        #expect(abs(result.parameters[0] - 3.5) < 1e-8 && abs(result.parameters[1] - 1.4) < 1e-8, "\(result.parameters)")
        #expect(abs(result.cost - 4.2) < 1e-8, "the residual sum of squares of the fit")
    }

    @Test func inactiveParametersKeepTheirStartAndProjectionHoldsBounds() {
        // Minimise (x₀ − 3)² + (x₁ + 2)² + (x₂ − 5)² with x₁ frozen and x₂ ≤ 4.
        let result = LevenbergMarquardt(iterations: 50).minimize(
            start: [0, 1, 0], steps: [1e-6, 1e-6, 1e-6], active: [true, false, true],
            project: { [$0[0], $0[1], min($0[2], 4)] }
        ) { x in [x[0] - 3, x[1] + 2, x[2] - 5] }
        #expect(abs(result.parameters[0] - 3) < 1e-6)
        #expect(result.parameters[1] == 1, "frozen")
        #expect(result.parameters[2] <= 4 && abs(result.parameters[2] - 4) < 1e-6, "held at its bound")
    }

    @Test func theIterationLimitAndTheStartAreRespected() {
        let none = LevenbergMarquardt(iterations: 0).minimize(start: [-1.2, 1], residuals: Self.rosenbrock, jacobian: Self.rosenbrockJacobian)
        #expect(none.parameters == [-1.2, 1] && none.iterations == 0 && none.stop == .iterationLimit)
        let two = LevenbergMarquardt(iterations: 2).minimize(start: [-1.2, 1], residuals: Self.rosenbrock, jacobian: Self.rosenbrockJacobian)
        #expect(two.iterations == 2)
        #expect(two.cost < none.cost, "every accepted step lowers the cost")
        // At the minimum no step lowers the cost.
        let atMinimum = LevenbergMarquardt(iterations: 10).minimize(start: [1, 1], residuals: Self.rosenbrock, jacobian: Self.rosenbrockJacobian)
        #expect(atMinimum.parameters == [1, 1] && atMinimum.stop == .noDecrease && atMinimum.iterations == 1)
    }
}
