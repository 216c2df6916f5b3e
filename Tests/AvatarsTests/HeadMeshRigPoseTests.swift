import HeadModel
import Tensors
import TestSupport
import Testing

@testable import Avatars

/// The whole-pose path of `HeadMeshRig` (every joint rotation and the translation on the tape), which
/// the photometric tracking refinement back-propagates through.
struct HeadMeshRigPoseTests {
    static let model = ProceduralHeadBuilder.build()

    /// Joint rotations `[J, 3]` with root, neck, jaw and an eye turned.
    static func rotations(_ model: HeadModel) -> Tensor {
        var values = [Float](repeating: 0, count: 3 * model.jointCount)
        for (name, value) in [
            ("root", SIMD3<Float>(0.1, -0.3, 0.05)), ("neck", SIMD3<Float>(-0.15, 0.2, 0.1)), ("jaw", SIMD3<Float>(0.2, -0.03, 0.02)),
            ("left_eye", SIMD3<Float>(0.05, 0.1, 0)),
        ] {
            if let j = model.jointIndex(name) { for a in 0..<3 { values[3 * j + a] = value[a] } }
        }
        return Tensor(shape: [model.jointCount, 3], scalars: values)
    }

    @Test func wholePoseGradientsMatchCentralFiniteDifferences() throws {
        let model = Self.model
        let rig = try HeadMeshRig(model: model, identity: [0.3, -0.2, 0.5], scale: 1.3)
        var random = Tensors.SplitMix64(seed: 4)
        let expression = Tensor(shape: [1, model.expressionCount], scalars: (0..<model.expressionCount).map { _ in 0.5 * random.nextUniform() })
        let translation = Tensor(shape: [1, 3], scalars: [0.02, -0.01, 0.4])
        try expectGradientsMatchFiniteDifferences(
            inputs: [expression, Self.rotations(model), translation], step: 2e-3, tolerance: .relativeAboveOne(5e-3)
        ) { inputs in
            [rig.pose(expression: inputs[0], jointRotations: inputs[1], translation: inputs[2]).vertices]
        }
    }

    @Test func wholePoseMatchesTheJawPathAndTheHeadModelsOwnPosing() throws {
        let model = Self.model
        let identity: [Float] = [0.3, -0.2, 0.5]
        let rig = try HeadMeshRig(model: model, identity: identity, scale: 1.3)
        let rotations = Self.rotations(model)
        let expression = (0..<model.expressionCount).map { Float($0 % 3) * 0.3 }
        let translation = SIMD3<Float>(0.1, 0.2, 0.3)
        let whole = rig.pose(
            expression: Variable(Tensor(shape: [1, expression.count], scalars: expression)), jointRotations: Variable(rotations),
            translation: Variable(Tensor(shape: [1, 3], scalars: [translation.x, translation.y, translation.z])))
        let jointRotations = (0..<model.jointCount).map { SIMD3(rotations[flat: 3 * $0], rotations[flat: 3 * $0 + 1], rotations[flat: 3 * $0 + 2]) }
        let jaw = try #require(model.jointIndex("jaw"))
        let jawPath = rig.pose(
            expression: Variable(Tensor(shape: [1, expression.count], scalars: expression)),
            jaw: Variable(Tensor(shape: [1, 3], scalars: [jointRotations[jaw].x, jointRotations[jaw].y, jointRotations[jaw].z])),
            jointRotations: jointRotations, translation: translation)
        let reference = try model.evaluate(identity: identity, expression: expression, pose: HeadPose(jointRotations: jointRotations))
        var largest: Float = 0
        for (v, p) in reference.vertices.enumerated() {
            let expected = 1.3 * p + translation
            for a in 0..<3 {
                largest = max(largest, abs(whole.vertices.value[flat: 3 * v + a] - expected[a]))
                largest = max(largest, abs(whole.vertices.value[flat: 3 * v + a] - jawPath.vertices.value[flat: 3 * v + a]))
            }
        }
        #expect(largest < 1e-5, "posed vertices differ by up to \(largest)")
    }
}
