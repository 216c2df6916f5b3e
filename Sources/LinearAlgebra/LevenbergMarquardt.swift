/// Levenberg–Marquardt minimisation of a sum of squared residuals, C(x) = Σᵢ rᵢ(x)², over a small
/// dense parameter vector x (Double).
///
/// Each iteration linearises r around x with the Jacobian J (one column ∂r/∂xⱼ per parameter),
/// forms the normal equations and solves the damped system
///   (JᵀJ + λ·diag(max(JᵀJ, floor)) + shift·I)·δ = −Jᵀr
/// by Cholesky (`DenseLinearAlgebra.solveSymmetric`). The scaled (Marquardt) damping makes the
/// step invariant to the units of each parameter. A candidate x + δ (passed through `project`,
/// e.g. a clamp into bounds) is accepted only when it lowers C; then λ shrinks, otherwise λ grows
/// and the system is solved again, up to `Damping.attempts` times per iteration. The solver stops
/// after `iterations` iterations, when an accepted step lowers C by no more than
/// `minimumRelativeDecrease` of C, or when no attempt lowers C; it returns the best point found.
///
/// Parameters whose `active` flag is false keep their start value: their Jacobian column is
/// zeroed and their row of the damped system replaced by the identity, so δⱼ = 0.
///
/// This is the solver of the head-model fitter (FaceTracking); its defaults are the schedule that
/// fitter was tuned with.
public struct LevenbergMarquardt: Sendable {
    /// How the damping λ evolves (the "trust region" of the Gauss–Newton step).
    public struct Damping: Sendable, Equatable {
        /// λ at the first iteration (1e-3: close to Gauss–Newton from a good start).
        public var initial = 1e-3
        /// After an accepted step λ ← max(λ / decrease, minimum): trust the linear model more.
        public var decrease = 3.0
        /// After a rejected step (higher cost) λ ← λ · increase.
        public var increase = 4.0
        /// After a failed Cholesky factorisation (damped system not positive definite) λ ← λ · this.
        public var factorizationFailureIncrease = 10.0
        /// Lower bound of λ after decreases.
        public var minimum = 1e-9
        /// Floor of the diagonal entries of JᵀJ that scale the damping, so parameters the
        /// residuals do not see (zero column) are still damped.
        public var diagonalFloor = 1e-9
        /// Constant added to every diagonal entry of the damped system (keeps it positive definite).
        public var shift = 1e-12
        /// Damped solves tried per iteration before giving up on finding a lower cost.
        public var attempts = 8

        /// The schedule with the documented defaults, adjusted by the arguments.
        public init(
            initial: Double = 1e-3, decrease: Double = 3, increase: Double = 4, factorizationFailureIncrease: Double = 10,
            minimum: Double = 1e-9, diagonalFloor: Double = 1e-9, shift: Double = 1e-12, attempts: Int = 8
        ) {
            self.initial = initial
            self.decrease = decrease
            self.increase = increase
            self.factorizationFailureIncrease = factorizationFailureIncrease
            self.minimum = minimum
            self.diagonalFloor = diagonalFloor
            self.shift = shift
            self.attempts = attempts
        }
    }

    /// Why the solver stopped.
    public enum Stop: Sendable, Equatable {
        /// It ran `iterations` iterations, each lowering the cost by more than the threshold.
        case iterationLimit
        /// An accepted step lowered the cost by no more than `minimumRelativeDecrease` of it.
        case converged
        /// No damped step in `Damping.attempts` tries lowered the cost (a local minimum to
        /// working precision, or a start the linear model cannot improve).
        case noDecrease
    }

    /// The outcome of a minimisation.
    public struct Result: Sendable {
        /// The best parameters found (the start when nothing lowered the cost).
        public var parameters: [Double]
        /// C = Σ r² at `parameters` (no ½ factor).
        public var cost: Double
        /// Iterations performed (Jacobian evaluations).
        public var iterations: Int
        /// Why it stopped.
        public var stop: Stop
    }

    /// Maximum number of iterations (Jacobian evaluations); 0 returns the start.
    public var iterations: Int
    /// The damping schedule.
    public var damping: Damping
    /// Stopping rule: an accepted step whose relative cost decrease (C_old − C_new) / max(C_old, 1e-12)
    /// is at most this ends the minimisation.
    public var minimumRelativeDecrease: Double

    /// A solver running at most `iterations` iterations.
    public init(iterations: Int, damping: Damping = Damping(), minimumRelativeDecrease: Double = 1e-9) {
        self.iterations = iterations
        self.damping = damping
        self.minimumRelativeDecrease = minimumRelativeDecrease
    }

    /// Minimises Σ r(x)² from `start` with a Jacobian supplied by the caller.
    ///
    /// - Parameters:
    ///   - start: initial parameters (n values).
    ///   - active: which parameters may move (all when nil); n flags.
    ///   - project: maps a candidate onto the feasible set (identity by default), e.g. clamps bounded
    ///     parameters; applied to every candidate x + δ before its cost is evaluated.
    ///   - residuals: r(x), any fixed length m.
    ///   - jacobian: the Jacobian at x given r(x), as n columns of m entries: `columns[j][i] = ∂rᵢ/∂xⱼ`.
    ///     Columns of inactive parameters are ignored (treated as zero).
    public func minimize(
        start: [Double], active: [Bool]? = nil, project: ([Double]) -> [Double] = { $0 },
        residuals: ([Double]) -> [Double], jacobian: (_ x: [Double], _ residuals: [Double]) -> [[Double]]
    ) -> Result {
        var x = start
        var r = residuals(x)
        var cost = r.reduce(0) { $0 + $1 * $1 }
        var lambda = damping.initial
        let n = x.count
        var performed = 0
        var stop = Stop.iterationLimit
        for _ in 0..<iterations {
            performed += 1
            var columns = jacobian(x, r)
            precondition(columns.count == n, "the Jacobian needs one column per parameter")
            if let active { for j in 0..<n where !active[j] { columns[j] = [Double](repeating: 0, count: r.count) } }
            var normal = [Double](repeating: 0, count: n * n), gradient = [Double](repeating: 0, count: n)
            for i in 0..<n {
                gradient[i] = zip(columns[i], r).reduce(0) { $0 + $1.0 * $1.1 }
                for j in i..<n {
                    let value = zip(columns[i], columns[j]).reduce(0) { $0 + $1.0 * $1.1 }
                    normal[i * n + j] = value
                    normal[j * n + i] = value
                }
            }
            var improved = false
            var accepted = false
            for _ in 0..<damping.attempts {
                var damped = normal
                for i in 0..<n { damped[i * n + i] += lambda * max(normal[i * n + i], damping.diagonalFloor) + damping.shift }
                if let active { for i in 0..<n where !active[i] { damped[i * n + i] = 1 } }
                guard let delta = DenseLinearAlgebra.solveSymmetric(damped, gradient.map { -$0 }, n: n) else {
                    lambda *= damping.factorizationFailureIncrease
                    continue
                }
                let candidate = project(zip(x, delta).map(+))
                let candidateResiduals = residuals(candidate)
                let candidateCost = candidateResiduals.reduce(0) { $0 + $1 * $1 }
                if candidateCost < cost {
                    x = candidate
                    r = candidateResiduals
                    let relative = (cost - candidateCost) / max(cost, 1e-12)
                    cost = candidateCost
                    lambda = max(lambda / damping.decrease, damping.minimum)
                    improved = relative > minimumRelativeDecrease
                    accepted = true
                    break
                }
                lambda *= damping.increase
            }
            if !improved {
                stop = accepted ? .converged : .noDecrease
                break
            }
        }
        return Result(parameters: x, cost: cost, iterations: performed, stop: stop)
    }

    /// Minimises Σ r(x)² from `start` with forward-difference Jacobians
    /// (`forwardDifferenceJacobian`, one extra residual evaluation per active parameter and iteration).
    ///
    /// - Parameters:
    ///   - steps: the finite-difference step of each parameter, in that parameter's units; pick
    ///     about √ε_machine × its typical magnitude (1e-6…1e-5 for unit-scale parameters).
    ///   - active, project, residuals: as in `minimize(start:active:project:residuals:jacobian:)`.
    public func minimize(
        start: [Double], steps: [Double], active: [Bool]? = nil, project: ([Double]) -> [Double] = { $0 },
        residuals: ([Double]) -> [Double]
    ) -> Result {
        minimize(start: start, active: active, project: project, residuals: residuals) { x, r in
            Self.forwardDifferenceJacobian(at: x, residuals: r, steps: steps, active: active, project: project, function: residuals)
        }
    }

    /// The forward-difference Jacobian of `function` at x: column j is (r(x + hⱼeⱼ) − r(x)) / hⱼ.
    ///
    /// When the projection moves the shifted point (x at an upper bound), the step is taken
    /// backwards instead, (r(x) − r(x − hⱼeⱼ)) / hⱼ, so the difference stays inside the feasible
    /// set. Columns of inactive parameters are zero and cost no evaluation.
    ///
    /// - Parameters:
    ///   - x: the point; `r` must be `function(x)`.
    ///   - steps: hⱼ per parameter.
    public static func forwardDifferenceJacobian(
        at x: [Double], residuals r: [Double], steps: [Double], active: [Bool]? = nil,
        project: ([Double]) -> [Double] = { $0 },
        function: ([Double]) -> [Double]
    ) -> [[Double]] {
        var columns = [[Double]](repeating: [], count: x.count)
        for j in 0..<x.count {
            if let active, !active[j] {
                columns[j] = [Double](repeating: 0, count: r.count)
                continue
            }
            var shifted = x
            shifted[j] += steps[j]
            if project(shifted)[j] != shifted[j] { shifted[j] = x[j] - steps[j] }
            let rj = function(shifted)
            let step = shifted[j] - x[j]
            columns[j] = zip(rj, r).map { ($0 - $1) / step }
        }
        return columns
    }
}
