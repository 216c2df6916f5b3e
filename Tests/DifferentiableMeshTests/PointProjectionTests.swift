import Geometry
import Tensors
import TestSupport
import Testing

@testable import DifferentiableMesh

struct PointProjectionTests {
    static let camera = PinholeCamera(
        id: "test", width: 64, height: 48, horizontalFieldOfView: 0.8, eye: SIMD3(0.4, 0.3, 2.5), target: SIMD3(0, 0, 0))
    static let points = Tensor(shape: [4, 3], scalars: [0, 0, 0, 0.3, -0.2, 0.1, -0.25, 0.4, -0.3, 0.5, 0.5, 0.5])

    @Test func projectionMatchesThePinholeCamera() throws {
        let pixels = try PointProjection.project(Variable(Self.points), camera: Self.camera).value
        #expect(pixels.shape == [4, 2])
        for i in 0..<4 {
            let expected = Self.camera.project(SIMD3(Self.points[flat: 3 * i], Self.points[flat: 3 * i + 1], Self.points[flat: 3 * i + 2]))
            #expect(abs(pixels[flat: 2 * i] - expected.x) < 1e-4 && abs(pixels[flat: 2 * i + 1] - expected.y) < 1e-4)
        }
    }

    @Test func gradientsMatchCentralFiniteDifferences() throws {
        try expectGradientsMatchFiniteDifferences(inputs: [Self.points], step: 1e-3, tolerance: .relativeAboveOne(2e-3)) { inputs in
            [try! PointProjection.project(inputs[0], camera: Self.camera)]
        }
    }

    @Test func pointsThatAreNotNx3AreRefused() {
        #expect(throws: DifferentiableMeshError.self) { try PointProjection.project(Variable(Tensor(zeros: [4, 2])), camera: Self.camera) }
    }
}
