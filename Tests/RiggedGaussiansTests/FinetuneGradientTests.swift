import Foundation
import HeadModel
import Tensors
import Testing

@testable import Avatars

/// Central finite differences of the per-frame expression and jaw fine-tuning path: head-model
/// posing (`HeadMeshRig`) and the mesh-dependent rigging transform (`RiggedTransform` with vertices).
struct FinetuneGradientTests {
    static let model = ProceduralHeadBuilder.build()

    /// A fixed random linear functional of a tensor, accumulated in Double.
    struct Probe {
        let weights: Tensor
        init(shape: [Int], seed: UInt64) {
            var rng = Tensors.SplitMix64(seed: seed)
            weights = Tensor.normal(shape: shape, generator: &rng)
        }
        func callAsFunction(_ value: Tensor) -> Double {
            var total = 0.0
            for i in 0..<value.count { total += Double(value[flat: i]) * Double(weights[flat: i]) }
            return total
        }
        func variable(_ value: Variable) -> Variable { (value * Variable(weights)).sum() }
    }

    /// The procedural model's joint rotations with the root, neck and eyes turned (the jaw comes from the variable).
    static func jointRotations(_ model: HeadModel) -> [SIMD3<Float>] {
        var rotations = [SIMD3<Float>](repeating: .zero, count: model.jointCount)
        for (name, value) in [
            ("root", SIMD3<Float>(0.1, -0.3, 0.05)), ("neck", SIMD3<Float>(-0.15, 0.2, 0.1)),
            ("left_eye", SIMD3<Float>(0.05, 0.1, 0)),
        ] {
            if let j = model.jointIndex(name) { rotations[j] = value }
        }
        return rotations
    }

    @Test func headMeshRigGradientsMatchCentralFiniteDifferences() throws {
        let model = Self.model
        let rig = try HeadMeshRig(model: model, identity: [0.3, -0.2, 0.5], scale: 1.3)
        let rotations = Self.jointRotations(model)
        let translation = SIMD3<Float>(0.02, -0.01, 0.4)
        var rng = Tensors.SplitMix64(seed: 5)
        let expression = Tensor(shape: [1, model.expressionCount], scalars: (0..<model.expressionCount).map { _ in rng.nextUniform() })
        let jaw = Tensor(shape: [1, 3], scalars: [0.25, -0.04, 0.03])
        let probe = Probe(shape: [model.vertexCount, 3], seed: 6)
        func loss(_ e: Tensor, _ j: Tensor) -> Double {
            probe(rig.pose(expression: Variable(e), jaw: Variable(j), jointRotations: rotations, translation: translation).vertices.value)
        }
        let tape = Tape()
        let ve = tape.variable(expression), vj = tape.variable(jaw)
        let posed = rig.pose(expression: ve, jaw: vj, jointRotations: rotations, translation: translation)
        let gradients = tape.backward(from: probe.variable(posed.vertices))
        let analytic = [try #require(gradients[ve]), try #require(gradients[vj])]
        let inputs = [expression, jaw], steps: [Float] = [1e-2, 1e-3]
        for which in 0..<2 {
            for i in 0..<inputs[which].count {
                var plus = inputs, minus = inputs
                plus[which].withUnsafeMutableBufferPointer { $0[i] += steps[which] }
                minus[which].withUnsafeMutableBufferPointer { $0[i] -= steps[which] }
                let numeric = (loss(plus[0], plus[1]) - loss(minus[0], minus[1])) / Double(2 * steps[which])
                let value = Double(analytic[which][flat: i])
                #expect(
                    Swift.abs(numeric - value) <= 2e-3 * max(1, Swift.abs(numeric)),
                    "\(which == 0 ? "expression" : "jaw") \(i): analytic \(value), numeric \(numeric)")
            }
        }
    }

    @Test func headMeshRigMatchesTheHeadModelsOwnPosing() throws {
        let model = Self.model
        let identity: [Float] = [0.3, -0.2, 0.5]
        let rig = try HeadMeshRig(model: model, identity: identity, scale: 1.3)
        var rotations = Self.jointRotations(model)
        let jaw = SIMD3<Float>(0.2, 0, 0.02)
        let expression = (0..<model.expressionCount).map { Float($0 % 3) * 0.3 }
        let translation = SIMD3<Float>(0.1, 0.2, 0.3)
        let posed = rig.pose(
            expression: Variable(Tensor(shape: [1, expression.count], scalars: expression)),
            jaw: Variable(Tensor(shape: [1, 3], scalars: [jaw.x, jaw.y, jaw.z])), jointRotations: rotations,
            translation: translation)
        rotations[try #require(model.jointIndex("jaw"))] = jaw
        let reference = try model.evaluate(identity: identity, expression: expression, pose: HeadPose(jointRotations: rotations))
        let values = posed.vertices.value.scalars
        var largest: Float = 0
        for (v, p) in reference.vertices.enumerated() {
            let expected = 1.3 * p + translation
            for a in 0..<3 { largest = Swift.max(largest, Swift.abs(values[3 * v + a] - expected[a])) }
        }
        #expect(largest < 1e-5, "posed vertices differ from HeadModel.evaluate by up to \(largest)")
        let root = 1.3 * reference.joints[try #require(model.jointIndex("root"))] + translation
        #expect(((posed.root - root) * (posed.root - root)).sum().squareRoot() < 1e-5)
    }

    @Test func riggingGradientsReachTheMeshVertices() throws {
        var rng = Tensors.SplitMix64(seed: 11)
        let triangleCount = 4, n = 9
        var positions: [Float] = []
        var triangles: [SIMD3<Int32>] = []
        for t in 0..<triangleCount {
            let base = SIMD3(rng.nextUniform(), rng.nextUniform(), rng.nextUniform()) * 2 - 1
            for corner in [base, base + SIMD3(0.3, 0.05 * rng.nextUniform(), 0.02), base + SIMD3(0.04, 0.25, 0.1 * rng.nextUniform())] {
                positions += [corner.x, corner.y, corner.z]
            }
            triangles.append(SIMD3(Int32(3 * t), Int32(3 * t + 1), Int32(3 * t + 2)))
        }
        let vertices = Tensor(shape: [3 * triangleCount, 3], scalars: positions)
        let binding: [Int32] = (0..<n).map { Int32($0 % triangleCount) }
        let means = Tensor.normal(shape: [n, 3], standardDeviation: 0.5, generator: &rng)
        let rotations = Tensor.normal(shape: [n, 4], generator: &rng)
        let logScales = Tensor.normal(shape: [n, 3], standardDeviation: 0.3, generator: &rng)
        let probes = (Probe(shape: [n, 3], seed: 12), Probe(shape: [n, 4], seed: 13), Probe(shape: [n, 3], seed: 14))
        func loss(_ mesh: Tensor) -> Double {
            let world = RiggedTransform.apply(
                means: Variable(means), rotations: Variable(rotations), logScales: Variable(logScales),
                binding: binding, vertices: Variable(mesh), triangles: triangles)
            return probes.0(world.means.value) + probes.1(world.rotations.value) + probes.2(world.logScales.value)
        }
        let tape = Tape()
        let vv = tape.variable(vertices)
        let world = RiggedTransform.apply(
            means: Variable(means), rotations: Variable(rotations), logScales: Variable(logScales),
            binding: binding, vertices: vv, triangles: triangles)
        let gradients = tape.backward(from: probes.0.variable(world.means) + probes.1.variable(world.rotations) + probes.2.variable(world.logScales))
        let analytic = try #require(gradients[vv])
        let h: Float = 1e-3
        for i in 0..<vertices.count {
            var plus = vertices, minus = vertices
            plus.withUnsafeMutableBufferPointer { $0[i] += h }
            minus.withUnsafeMutableBufferPointer { $0[i] -= h }
            let numeric = (loss(plus) - loss(minus)) / Double(2 * h)
            let value = Double(analytic[flat: i])
            #expect(Swift.abs(numeric - value) <= 1e-2 * max(1, Swift.abs(numeric)), "vertex coordinate \(i): analytic \(value), numeric \(numeric)")
        }
    }

    @Test func meshRiggingAgreesWithRiggingOnPrecomputedFrames() throws {
        var rng = Tensors.SplitMix64(seed: 21)
        let model = Self.model
        let rig = try HeadMeshRig(model: model, identity: [], scale: 1)
        let mesh = rig.pose(
            expression: Variable(Tensor(zeros: [1, model.expressionCount])), jaw: Variable(Tensor(zeros: [1, 3])),
            jointRotations: Self.jointRotations(model), translation: .zero
        ).vertices
        let n = 50
        let binding: [Int32] = (0..<n).map { _ in Int32(rng.next() % UInt64(model.triangles.count)) }
        let means = Variable(Tensor.normal(shape: [n, 3], generator: &rng)), rotations = Variable(Tensor.normal(shape: [n, 4], generator: &rng))
        let logScales = Variable(Tensor.normal(shape: [n, 3], generator: &rng))
        let positions = (0..<model.vertexCount).map { SIMD3(mesh.value[flat: 3 * $0], mesh.value[flat: 3 * $0 + 1], mesh.value[flat: 3 * $0 + 2]) }
        let viaFrames = RiggedTransform.apply(
            means: means, rotations: rotations, logScales: logScales, binding: binding,
            frames: TriangleFrames(vertices: positions, triangles: model.triangles))
        let viaMesh = RiggedTransform.apply(
            means: means, rotations: rotations, logScales: logScales, binding: binding,
            vertices: mesh, triangles: model.triangles)
        #expect(viaMesh.means.value.scalars == viaFrames.means.value.scalars)
        #expect(viaMesh.rotations.value.scalars == viaFrames.rotations.value.scalars)
        #expect(viaMesh.logScales.value.scalars == viaFrames.logScales.value.scalars)
    }
}
