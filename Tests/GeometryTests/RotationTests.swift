import Foundation
import Testing

@testable import Geometry

@Suite struct RotationTests {
    static let rotationVectors: [SIMD3<Float>] = [
        SIMD3(0.3, -0.2, 0.5), SIMD3(0, 0, 0), SIMD3(1e-5, 0, 0), SIMD3(0, 3.1, 0), SIMD3(-1.2, 1.7, 0.4),
    ]

    @Test func rodriguesMatrixIsProperRotation() {
        for r in Self.rotationVectors {
            let m = Matrix3x3(rotationVector: r)
            #expect((m * m.transposed).maxAbsDifference(.identity) < 1e-5)
            #expect(abs(m.determinant - 1) < 1e-5)
        }
    }

    @Test func rotationVectorRoundTripsThroughMatrix() {
        for r in Self.rotationVectors {
            let back = Matrix3x3(rotationVector: r).rotationVector
            #expect(simdLength(back - r) < 2e-4, "\(r) -> \(back)")
        }
    }

    @Test func quaternionAndMatrixAgreeOnRotatingVectors() {
        let v = SIMD3<Float>(0.4, -1.1, 2.0)
        for r in Self.rotationVectors {
            let q = Quaternion(rotationVector: r)
            let m = Matrix3x3(rotationVector: r)
            #expect(simdLength(q.act(v) - m * v) < 1e-5)
            #expect(q.rotationMatrix.maxAbsDifference(m) < 1e-5)
            #expect(Quaternion(rotationMatrix: m).rotationMatrix.maxAbsDifference(m) < 1e-5)
        }
    }

    @Test func quaternionProductComposesRotations() {
        let a = Quaternion(rotationVector: SIMD3(0.2, 0.5, -0.3)), b = Quaternion(rotationVector: SIMD3(-0.7, 0.1, 0.9))
        let composed = (a * b).rotationMatrix
        #expect(composed.maxAbsDifference(a.rotationMatrix * b.rotationMatrix) < 1e-5)
    }

    @Test func slerpHalfwayHalvesTheAngle() {
        let b = Quaternion(axis: SIMD3(0, 1, 0), angle: 1.2)
        let half = Quaternion.slerp(.identity, b, t: 0.5)
        #expect(simdLength(half.rotationVector - SIMD3(0, 0.6, 0)) < 1e-5)
    }

    @Test func sixDRepresentationRoundTripsAndOrthonormalises() {
        let m = Matrix3x3(rotationVector: SIMD3(0.3, -1.0, 0.8))
        #expect(Matrix3x3(rotation6D: m.rotation6D).maxAbsDifference(m) < 1e-5)
        let arbitrary = Matrix3x3(rotation6D: [2, 0.1, -0.3, 0.5, 1.5, 0.2])
        #expect((arbitrary * arbitrary.transposed).maxAbsDifference(.identity) < 1e-5)
        #expect(abs(arbitrary.determinant - 1) < 1e-5)
        #expect(simdLength(arbitrary.column(0) - simdNormalize(SIMD3(2, 0.1, -0.3))) < 1e-6)
    }

    @Test func rigidTransformInverseUndoesIt() {
        let t = RigidTransform(rotation: Matrix3x3(rotationVector: SIMD3(0.1, 0.2, 0.3)), translation: SIMD3(1, -2, 3))
        let p = SIMD3<Float>(0.5, 0.25, -4)
        #expect(simdLength(t.inverse.apply(t.apply(p)) - p) < 1e-5)
        let u = RigidTransform(rotation: Matrix3x3(rotationVector: SIMD3(-0.4, 0, 0.2)), translation: SIMD3(0, 1, 0))
        #expect(simdLength((t * u).apply(p) - t.apply(u.apply(p))) < 1e-5)
    }

    @Test func rowMajor4x4RoundTripsAndRejectsNonRigid() throws {
        let t = RigidTransform(rotation: Matrix3x3(rotationVector: SIMD3(0.1, 0.2, 0.3)), translation: SIMD3(1, -2, 3))
        let back = try RigidTransform(rowMajor4x4: t.rowMajor4x4)
        #expect(back.rotation.maxAbsDifference(t.rotation) < 1e-7)
        #expect(back.translation == t.translation)
        var scaled = t.rowMajor4x4
        scaled[0] *= 2
        #expect(throws: GeometryError.self) { try RigidTransform(rowMajor4x4: scaled) }
        #expect(throws: GeometryError.self) { try RigidTransform(rowMajor4x4: [1, 0, 0]) }
    }
}
