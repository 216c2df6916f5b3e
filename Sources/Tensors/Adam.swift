/// Adam (Kingma & Ba 2015, Algorithm 1) with per-group learning rates, ε and schedules, and row
/// editing of parameters together with their moments (for Gaussian densification and pruning).
///
/// Update per parameter with its own step count t (like PyTorch): m ← β₁m + (1−β₁)g,
/// v ← β₂v + (1−β₂)g², p ← p − lr · (m / (1−β₁ᵗ)) / (√(v / (1−β₂ᵗ)) + ε).
/// Parameters without a gradient are skipped (their moments do not decay), as in PyTorch.
public final class Adam {
    /// Parameters sharing a base learning rate, ε and schedule (e.g. "xyz", "opacity", "mlp").
    public struct Group {
        /// Name for logs and diagnostics.
        public var name: String
        /// Members of the group.
        public var parameters: [Parameter]
        /// Base learning rate lr₀.
        public var learningRate: Float
        /// Denominator guard ε (3DGS uses 1e-15, PyTorch defaults to 1e-8).
        public var epsilon: Float
        /// Evolution of the learning rate with the step.
        public var schedule: LearningRateSchedule

        /// A group with the given settings.
        public init(
            name: String, parameters: [Parameter], learningRate: Float, epsilon: Float = 1e-8,
            schedule: LearningRateSchedule = .constant
        ) {
            self.name = name
            self.parameters = parameters
            self.learningRate = learningRate
            self.epsilon = epsilon
            self.schedule = schedule
        }
    }

    /// First and second moments of one parameter, with its step count.
    struct Moments {
        var first: Tensor
        var second: Tensor
        var step: Int
    }

    /// The parameter groups (editable, e.g. to change a base rate).
    public var groups: [Group]
    /// Decay of the first moment β₁.
    public let beta1: Float
    /// Decay of the second moment β₂.
    public let beta2: Float
    /// Number of `step()` calls so far (drives the schedules).
    public internal(set) var iteration = 0
    var moments: [ObjectIdentifier: Moments] = [:]

    /// An optimiser over `groups`.
    public init(groups: [Group], beta1: Float = 0.9, beta2: Float = 0.999) {
        self.groups = groups
        self.beta1 = beta1
        self.beta2 = beta2
    }

    /// The current (scheduled) learning rate of the group named `name`, nil if there is none.
    public func learningRate(ofGroup name: String) -> Float? {
        groups.first { $0.name == name }.map { $0.schedule.learningRate(base: $0.learningRate, step: iteration) }
    }

    /// Forgets every parameter's accumulated gradient.
    public func zeroGradients() {
        for group in groups { for parameter in group.parameters { parameter.zeroGradient() } }
    }

    /// Applies one Adam update to every parameter that has a gradient, then advances the schedules.
    public func step() {
        for group in groups {
            let rate = group.schedule.learningRate(base: group.learningRate, step: iteration)
            for parameter in group.parameters {
                guard let gradient = parameter.gradient else { continue }
                update(parameter, gradient: gradient, learningRate: rate, epsilon: group.epsilon)
            }
        }
        iteration += 1
    }

    private func update(_ parameter: Parameter, gradient: Tensor, learningRate: Float, epsilon: Float) {
        let key = ObjectIdentifier(parameter)
        var state = moments[key] ?? Moments(first: Tensor(zeros: parameter.shape), second: Tensor(zeros: parameter.shape), step: 0)
        moments[key] = nil
        state.step += 1
        let b1 = beta1, b2 = beta2
        let correction1 = 1 - Float(Double(b1).power(state.step)), correction2 = 1 - Float(Double(b2).power(state.step))
        let stepSize = learningRate / correction1, rootCorrection2 = correction2.squareRoot()
        state.first.makeUnique()
        state.second.makeUnique()
        parameter.value.makeUnique()
        let m = state.first.basePointer, v = state.second.basePointer, p = parameter.value.basePointer, g = gradient.basePointer
        Kernels.forChunks(parameter.value.count) { range in
            var i = range.lowerBound
            // 16 lanes at a time, then the tail one by one: the same operations in the same order,
            // so every lane rounds exactly as the scalar formula (the compiler does not vectorise
            // the scalar loop itself: the pointers may alias and `sqrtf` may set errno).
            while i + 16 <= range.upperBound {
                let gi = Self.load(g + i), previousM = Self.load(m + i), previousV = Self.load(v + i)
                // With g = m = v = 0 the update is exactly p ← p (and m, v stay 0): skip the block.
                // Whole blocks of such entries are common: SH bands not yet switched on, Gaussians
                // not seen since they were added.
                if all((gi .== 0) .& (previousM .== 0) .& (previousV .== 0)) {
                    i += 16
                    continue
                }
                let mi = b1 * previousM + (1 - b1) * gi
                let vi = b2 * previousV + (1 - b2) * gi * gi
                Self.store(mi, m + i)
                Self.store(vi, v + i)
                Self.store(Self.load(p + i) - stepSize * mi / (vi.squareRoot() / rootCorrection2 + epsilon), p + i)
                i += 16
            }
            while i < range.upperBound {
                let gi = g[i]
                let mi = b1 * m[i] + (1 - b1) * gi
                let vi = b2 * v[i] + (1 - b2) * gi * gi
                m[i] = mi
                v[i] = vi
                p[i] -= stepSize * mi / (vi.squareRoot() / rootCorrection2 + epsilon)
                i += 1
            }
        }
        moments[key] = state
    }

    @inline(__always) private static func load(_ pointer: UnsafeMutablePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD16<Float>.self)
    }

    @inline(__always) private static func store(_ value: SIMD16<Float>, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD16<Float>.self)
    }

    /// Appends rows to `parameter` (axis 0) with zero Adam moments and zero gradient for them
    /// (densification: cloned or split Gaussians start fresh).
    public func appendRows(to parameter: Parameter, values: Tensor) {
        parameter.value = parameter.value.appendingRows(values)
        let zeros = Tensor(zeros: values.shape)
        if let gradient = parameter.gradient { parameter.gradient = gradient.appendingRows(zeros) }
        if var state = moments[ObjectIdentifier(parameter)] {
            state.first = state.first.appendingRows(zeros)
            state.second = state.second.appendingRows(zeros)
            moments[ObjectIdentifier(parameter)] = state
        }
    }

    /// Keeps only the rows of `parameter` whose `mask` entry is true, with their moments and gradient
    /// (pruning). `mask.count` must equal the parameter's row count.
    public func keepRows(of parameter: Parameter, mask: [Bool]) {
        parameter.value = parameter.value.keepingRows(mask)
        if let gradient = parameter.gradient { parameter.gradient = gradient.keepingRows(mask) }
        if var state = moments[ObjectIdentifier(parameter)] {
            state.first = state.first.keepingRows(mask)
            state.second = state.second.keepingRows(mask)
            moments[ObjectIdentifier(parameter)] = state
        }
    }

    /// The first and second moments of `parameter` (nil before its first update); for checkpoints and tests.
    public func moments(of parameter: Parameter) -> (first: Tensor, second: Tensor, step: Int)? {
        moments[ObjectIdentifier(parameter)].map { ($0.first, $0.second, $0.step) }
    }
}

extension Adam {
    /// Optimiser state for a checkpoint: tensors `<name>.adam_m` and `<name>.adam_v` for every named
    /// parameter that has moments, plus metadata with the global iteration and per-parameter step
    /// counts. Save it next to the parameters (e.g. in the same safetensors file) to resume exactly.
    public func stateTensors(for named: [(name: String, parameter: Parameter)]) -> (tensors: [String: Tensor], metadata: [String: String]) {
        var tensors: [String: Tensor] = [:]
        var metadata = ["adam.iteration": String(iteration)]
        for (name, parameter) in named {
            guard let state = moments(of: parameter) else { continue }
            tensors["\(name).adam_m"] = state.first
            tensors["\(name).adam_v"] = state.second
            metadata["\(name).adam_step"] = String(state.step)
        }
        return (tensors, metadata)
    }

    /// Restores state written by `stateTensors(for:)`; parameters without saved moments start fresh.
    /// - Throws: `TensorsError` if the iteration is missing or a moment's shape differs from its parameter.
    public func loadState(_ tensors: [String: Tensor], metadata: [String: String], for named: [(name: String, parameter: Parameter)]) throws {
        guard let iteration = metadata["adam.iteration"].flatMap(Int.init) else {
            throw TensorsError("optimiser checkpoint lacks the \"adam.iteration\" metadata entry; it was not written by Adam.stateTensors")
        }
        var restored: [ObjectIdentifier: Moments] = [:]
        for (name, parameter) in named {
            guard let first = tensors["\(name).adam_m"], let second = tensors["\(name).adam_v"],
                let step = metadata["\(name).adam_step"].flatMap(Int.init)
            else { continue }
            guard first.shape == parameter.shape, second.shape == parameter.shape else {
                throw TensorsError("optimiser checkpoint moments of \"\(name)\" have shape \(first.shape), the parameter has \(parameter.shape)")
            }
            restored[ObjectIdentifier(parameter)] = Moments(first: first, second: second, step: step)
        }
        self.iteration = iteration
        moments = restored
    }
}

extension Double {
    /// self raised to a non-negative integer power.
    fileprivate func power(_ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<exponent { result *= self }
        return result
    }
}
