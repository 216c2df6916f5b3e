import Geometry
import HeadModel
import Tensors

/// The tracked head mesh of one frame as a differentiable function of that frame's expression
/// coefficients ψ and jaw rotation θ_jaw — the path GaussianAvatars' per-timestep FLAME fine-tuning
/// (§3.4, "expression lr 1e-3, pose lr 1e-5") back-propagates through:
///
///     T(ψ)  = T̄ + Σ β_k S_k + Σ ψ_k E_k          (identity part fixed, precomputed)
///     J(ψ)  = 𝒥 T(ψ)                              (joint rest positions move with ψ too)
///     G_j   = G_parent ∘ [x ↦ R(θ_j)(x − J_j) + J_j]
///     v_i   = s · Σ_j w_ij G_j(T_i) + t            (scale and translation of the Tracking)
///
/// In `pose(expression:jaw:…)` every joint rotation other than the jaw's is a constant of the frame
/// (root and neck from the tracking; the head's rigid fine-tuning is `RigidOffset`, applied to the
/// Gaussians); `pose(expression:jointRotations:translation:)` puts every joint rotation and the
/// translation on the tape (photometric tracking refinement).
///
/// Backward (with u_i = s·∂L/∂v_i, G_j(x) = A_j x + b_j): ∂L/∂T_i = Σ_j w_ij A_jᵀ u_i,
/// ∂L/∂A_j = Σ_i w_ij u_i T_iᵀ, ∂L/∂b_j = Σ_i w_ij u_i, then through the kinematic chain in reverse
/// (A_j = A_p R_j, b_j = A_p (I − R_j) J_j + b_p), ∂L/∂T_v += Σ_j 𝒥[j, v] ∂L/∂J_j,
/// ∂L/∂ψ_k = ⟨E_k, ∂L/∂T⟩ and ∂L/∂θ_jaw = J_r(θ)ᵀ·vee(R(θ)ᵀ ∂L/∂R_jaw − (·)ᵀ) (J_r: right Jacobian of SO(3)).
public struct HeadMeshRig: Sendable {
    /// The head model.
    public let model: HeadModel
    /// The identity-shaped template T̄ + Σ β_k S_k, V × 3 flat.
    let identityShaped: [Float]
    /// Uniform scale s of the Tracking.
    public let scale: Float
    /// Index of the joint whose rotation is differentiable (the jaw), nil if the model has none.
    public let jawJoint: Int?

    /// A rig for `model` with the tracking's identity coefficients and scale.
    /// - Throws: `HeadModelError` if there are more identity coefficients than the model has.
    public init(model: HeadModel, identity: [Float], scale: Float) throws {
        self.model = model
        let shaped = try model.shapedVertices(identity: identity, expression: [])
        identityShaped = shaped.flatMap { [$0.x, $0.y, $0.z] }
        self.scale = scale
        jawJoint = model.jointIndex("jaw")
    }

    /// The posed world-space mesh of one frame.
    public struct Posed {
        /// World vertices `[V, 3]` (on the tape when expression or jaw are).
        public var vertices: Variable
        /// World position of the root joint, s·J_root + t (the pivot of `RigidOffset`).
        public var root: SIMD3<Float>
    }

    /// World vertices for `expression` `[1, K]` (K ≤ the model's count; missing ones are 0), `jaw`
    /// `[1, 3]` (axis-angle, radians), the frame's other joint rotations `jointRotations` (the jaw
    /// entry is ignored) and its translation.
    public func pose(expression: Variable, jaw: Variable, jointRotations: [SIMD3<Float>], translation: SIMD3<Float>) -> Posed {
        precondition(jaw.shape == [1, 3] && jointRotations.count == model.jointCount, "head mesh rig inputs do not match the model")
        var rotations = jointRotations
        let theta = SIMD3(jaw.value[flat: 0], jaw.value[flat: 1], jaw.value[flat: 2])
        if let jawJoint { rotations[jawJoint] = theta }
        let forward = posedForward(expression: expression, rotations: rotations, translation: translation)
        let headModel = model, s = scale, k = expression.value.count, differentiableJoint = jawJoint
        let vertices = Tape.record(inputs: [expression, jaw], outputs: [forward.world]) { gradients in
            let back = Self.backward(
                gradient: gradients[0], model: headModel, shaped: forward.shaped, rest: forward.rest, matrices: forward.matrices,
                linear: forward.linear, scale: s, expressionCount: k)
            var jawGradient = Tensor(zeros: [1, 3])
            if let differentiableJoint {
                let g = Self.axisAngleGradient(back.rotations[differentiableJoint], rotation: forward.matrices[differentiableJoint], theta: theta)
                jawGradient = Tensor(shape: [1, 3], scalars: [g.x, g.y, g.z])
            }
            return [back.expression, jawGradient]
        }[0]
        return Posed(vertices: vertices, root: forward.root)
    }

    /// World vertices with the whole pose on the tape — the path the photometric tracking
    /// refinement (`face.refine-photometric`) back-propagates through: `expression` `[1, K]`,
    /// `jointRotations` `[J, 3]` (every joint's axis-angle rotation, radians, in the model's joint
    /// order: root, neck, jaw and eyes alike) and `translation` `[1, 3]` (world units).
    /// ∂L/∂t = Σ_i ∂L/∂v_i; the rotations' gradients are those of the jaw in `pose(expression:jaw:…)`
    /// for every joint.
    public func pose(expression: Variable, jointRotations: Variable, translation: Variable) -> Posed {
        let jointCount = model.jointCount
        precondition(
            jointRotations.shape == [jointCount, 3] && translation.shape == [1, 3], "head mesh rig inputs do not match the model")
        let thetas = (0..<jointCount).map { j in
            SIMD3(jointRotations.value[flat: 3 * j], jointRotations.value[flat: 3 * j + 1], jointRotations.value[flat: 3 * j + 2])
        }
        let t = SIMD3(translation.value[flat: 0], translation.value[flat: 1], translation.value[flat: 2])
        let forward = posedForward(expression: expression, rotations: thetas, translation: t)
        let headModel = model, s = scale, k = expression.value.count
        let vertices = Tape.record(inputs: [expression, jointRotations, translation], outputs: [forward.world]) { gradients in
            let back = Self.backward(
                gradient: gradients[0], model: headModel, shaped: forward.shaped, rest: forward.rest, matrices: forward.matrices,
                linear: forward.linear, scale: s, expressionCount: k)
            var rotationGradient = [Float](repeating: 0, count: 3 * jointCount)
            for j in 0..<jointCount {
                let g = Self.axisAngleGradient(back.rotations[j], rotation: forward.matrices[j], theta: thetas[j])
                for a in 0..<3 { rotationGradient[3 * j + a] = g[a] }
            }
            var translationGradient = SIMD3<Float>.zero
            let g = gradients[0].scalars
            for v in 0..<headModel.vertexCount { translationGradient += SIMD3(g[3 * v], g[3 * v + 1], g[3 * v + 2]) }
            return [
                back.expression, Tensor(shape: [jointCount, 3], scalars: rotationGradient),
                Tensor(shape: [1, 3], scalars: [translationGradient.x, translationGradient.y, translationGradient.z]),
            ]
        }[0]
        return Posed(vertices: vertices, root: forward.root)
    }

    /// The forward pass shared by both `pose` variants: expression-shaped template, rest joints,
    /// joint rotation matrices, global joint transforms (x ↦ A_j x + b_j), world vertices and root.
    struct Forward {
        var shaped: [Float]
        var rest: [SIMD3<Float>]
        var matrices: [Matrix3x3]
        var linear: [Matrix3x3]
        var world: Tensor
        var root: SIMD3<Float>
    }

    func posedForward(expression: Variable, rotations: [SIMD3<Float>], translation: SIMD3<Float>) -> Forward {
        let vertexCount = model.vertexCount, jointCount = model.jointCount, k = expression.value.count
        precondition(expression.shape == [1, k] && k <= model.expressionCount, "head mesh rig inputs do not match the model")
        let psi = expression.value.scalars
        var shaped = identityShaped
        shaped.withUnsafeMutableBufferPointer { out in
            model.expressionBasis.withUnsafeBufferPointer { basis in
                for (index, coefficient) in psi.enumerated() where coefficient != 0 {
                    let offset = index * 3 * vertexCount
                    for i in 0..<(3 * vertexCount) { out[i] += coefficient * basis[offset + i] }
                }
            }
        }
        let rest = restJoints(shaped)
        let matrices = rotations.map { Matrix3x3(rotationVector: $0) }
        var linear = [Matrix3x3](repeating: .identity, count: jointCount), offsets = [SIMD3<Float>](repeating: .zero, count: jointCount)
        for j in 0..<jointCount {
            let parent = model.joints[j].parent
            let parentLinear = parent < 0 ? Matrix3x3.identity : linear[parent]
            let parentOffset = parent < 0 ? SIMD3<Float>.zero : offsets[parent]
            linear[j] = parentLinear * matrices[j]
            offsets[j] = parentLinear * (rest[j] - matrices[j] * rest[j]) + parentOffset
        }
        let s = scale
        var world = Tensor(zeros: [vertexCount, 3])
        world.withUnsafeMutableBufferPointer { out in
            shaped.withUnsafeBufferPointer { t in
                model.skinningWeights.withUnsafeBufferPointer { weights in
                    for v in 0..<vertexCount {
                        let x = SIMD3(t[3 * v], t[3 * v + 1], t[3 * v + 2])
                        var sum = SIMD3<Float>.zero
                        for j in 0..<jointCount {
                            let w = weights[v * jointCount + j]
                            if w != 0 { sum += w * (linear[j] * x + offsets[j]) }
                        }
                        let y = s * sum + translation
                        for a in 0..<3 { out[3 * v + a] = y[a] }
                    }
                }
            }
        }
        let root = s * (model.jointIndex("root").map { linear[$0] * rest[$0] + offsets[$0] } ?? .zero) + translation
        return Forward(shaped: shaped, rest: rest, matrices: matrices, linear: linear, world: world, root: root)
    }

    /// Joint rest positions 𝒥 T.
    func restJoints(_ shaped: [Float]) -> [SIMD3<Float>] {
        let vertexCount = model.vertexCount
        return (0..<model.jointCount).map { j in
            var sum = SIMD3<Float>.zero
            for v in 0..<vertexCount {
                let w = model.jointRegressor[j * vertexCount + v]
                if w != 0 { sum += w * SIMD3(shaped[3 * v], shaped[3 * v + 1], shaped[3 * v + 2]) }
            }
            return sum
        }
    }

    static func backward(
        gradient: Tensor, model: HeadModel, shaped: [Float], rest: [SIMD3<Float>], matrices: [Matrix3x3],
        linear: [Matrix3x3], scale: Float, expressionCount: Int
    ) -> (expression: Tensor, rotations: [Matrix3x3]) {
        let vertexCount = model.vertexCount, jointCount = model.jointCount
        var shapedGradient = [Float](repeating: 0, count: 3 * vertexCount)
        var linearGradient = [Matrix3x3](repeating: Matrix3x3(rows: .zero, .zero, .zero), count: jointCount)
        var offsetGradient = [SIMD3<Float>](repeating: .zero, count: jointCount)
        let transposedLinear = linear.map(\.transposed)
        gradient.withUnsafeBufferPointer { g in
            shaped.withUnsafeBufferPointer { t in
                model.skinningWeights.withUnsafeBufferPointer { weights in
                    for v in 0..<vertexCount {
                        let u = scale * SIMD3(g[3 * v], g[3 * v + 1], g[3 * v + 2])
                        let x = SIMD3(t[3 * v], t[3 * v + 1], t[3 * v + 2])
                        var back = SIMD3<Float>.zero
                        for j in 0..<jointCount {
                            let w = weights[v * jointCount + j]
                            guard w != 0 else { continue }
                            let wu = w * u
                            back += transposedLinear[j] * wu
                            offsetGradient[j] += wu
                            linearGradient[j].row0 += wu.x * x
                            linearGradient[j].row1 += wu.y * x
                            linearGradient[j].row2 += wu.z * x
                        }
                        for a in 0..<3 { shapedGradient[3 * v + a] = back[a] }
                    }
                }
            }
        }
        var restGradient = [SIMD3<Float>](repeating: .zero, count: jointCount)
        var rotationGradients = [Matrix3x3](repeating: Matrix3x3(rows: .zero, .zero, .zero), count: jointCount)
        for j in stride(from: jointCount - 1, through: 0, by: -1) {
            let parent = model.joints[j].parent
            let parentLinear = parent < 0 ? Matrix3x3.identity : linear[parent]
            let r = matrices[j], restJ = rest[j]
            // A_j = A_p R_j and b_j = A_p (J_j − R_j J_j) + b_p.
            let lever = restJ - r * restJ
            let pulled = parentLinear.transposed * offsetGradient[j]
            restGradient[j] += pulled - r.transposed * pulled
            let rotationGradient = parentLinear.transposed * linearGradient[j] + (-1) * outer(pulled, restJ)
            rotationGradients[j] = rotationGradient
            if parent >= 0 {
                linearGradient[parent] = linearGradient[parent] + linearGradient[j] * r.transposed + outer(offsetGradient[j], lever)
                offsetGradient[parent] += offsetGradient[j]
            }
        }
        for j in 0..<jointCount where restGradient[j] != .zero {
            let gj = restGradient[j]
            for v in 0..<vertexCount {
                let w = model.jointRegressor[j * vertexCount + v]
                if w != 0 { for a in 0..<3 { shapedGradient[3 * v + a] += w * gj[a] } }
            }
        }
        var expressionGradient = Tensor(zeros: [1, expressionCount])
        expressionGradient.withUnsafeMutableBufferPointer { out in
            model.expressionBasis.withUnsafeBufferPointer { basis in
                shapedGradient.withUnsafeBufferPointer { gt in
                    // One dot product of 3V values per coefficient: coefficients in parallel, each
                    // summed in 8 double lanes (a single running sum waits on every addition).
                    let length = 3 * vertexCount
                    ThreadPool.shared.forEachPart(expressionCount, minimumPart: max(1, 65_536 / max(1, length))) { _, coefficients in
                        for k in coefficients {
                            let row = basis.baseAddress! + k * length
                            var lanes = SIMD8<Double>()
                            var i = 0
                            while i + 8 <= length {
                                let products =
                                    UnsafeRawPointer(row + i).loadUnaligned(as: SIMD8<Float>.self)
                                    * UnsafeRawPointer(gt.baseAddress! + i).loadUnaligned(as: SIMD8<Float>.self)
                                lanes += SIMD8<Double>(products)
                                i += 8
                            }
                            var sum = lanes.sum()
                            while i < length {
                                sum += Double(row[i] * gt[i])
                                i += 1
                            }
                            out[k] = Float(sum)
                        }
                    }
                }
            }
        }
        return (expressionGradient, rotationGradients)
    }

    /// ∂L/∂θ of an axis-angle rotation θ from ∂L/∂R of its matrix R: dR = R·[ω]× with ω = J_r(θ) dθ,
    /// so ∂L/∂ω_a = ⟨Rᵀ ∂L/∂R, [e_a]×⟩ and ∂L/∂θ = J_r(θ)ᵀ ∂L/∂ω.
    static func axisAngleGradient(_ matrixGradient: Matrix3x3, rotation: Matrix3x3, theta: SIMD3<Float>) -> SIMD3<Float> {
        let m = rotation.transposed * matrixGradient
        let omega = SIMD3(m.row2.y - m.row1.z, m.row0.z - m.row2.x, m.row1.x - m.row0.y)
        return RigidOffset.rightJacobian(theta).transposed * omega
    }

    @inline(__always) static func outer(_ a: SIMD3<Float>, _ b: SIMD3<Float>) -> Matrix3x3 {
        Matrix3x3(rows: a.x * b, a.y * b, a.z * b)
    }
}
