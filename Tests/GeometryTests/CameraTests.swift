import Foundation
import Testing

@testable import Geometry

@Suite struct CameraTests {
    let camera = PinholeCamera(
        id: "c", width: 64, height: 48, horizontalFieldOfView: 0.8,
        eye: SIMD3(0.3, 0.1, 1.0), target: SIMD3(0, 0, 0))

    @Test func lookAtPutsTargetOnPrincipalPoint() {
        let p = camera.project(.zero)
        #expect(abs(p.x - camera.cx) < 1e-4 && abs(p.y - camera.cy) < 1e-4)
        #expect(abs(p.z - simdLength(SIMD3(0.3, 0.1, 1.0))) < 1e-5)
        #expect(simdLength(camera.center - SIMD3(0.3, 0.1, 1.0)) < 1e-5)
    }

    @Test func imageAxesFollowOpenCV() {
        let front = PinholeCamera(
            id: "f", width: 64, height: 64, horizontalFieldOfView: 0.8,
            eye: SIMD3(0, 0, 1), target: .zero)
        let up = front.project(SIMD3(0, 0.1, 0)), right = front.project(SIMD3(0.1, 0, 0))
        #expect(up.y < front.cy, "world up must appear towards the top row (y down)")
        #expect(right.x > front.cx, "+x seen from +z appears on the image right")
    }

    @Test func unprojectInvertsProjection() {
        let world = SIMD3<Float>(0.05, -0.02, 0.1)
        let p = camera.project(world)
        let back = camera.worldToCamera.inverse.apply(camera.unproject(u: p.x, v: p.y, depth: p.z))
        #expect(simdLength(back - world) < 1e-5)
    }

    @Test func scalingKeepsPixelCentreConvention() {
        let doubled = camera.scaled(by: 2)
        let world = SIMD3<Float>(0.05, -0.02, 0.1)
        let p = camera.project(world), q = doubled.project(world)
        #expect(abs((q.x + 0.5) - 2 * (p.x + 0.5)) < 1e-3 && abs((q.y + 0.5) - 2 * (p.y + 0.5)) < 1e-3)
    }

    @Test func arcRigSpansTheArcAndLooksAtTarget() throws {
        let rig = try CameraRig.arc(
            count: 5, arcDegrees: 120, radius: 1, target: SIMD3(0, 0.1, 0),
            width: 32, height: 32, horizontalFieldOfView: 0.5)
        #expect(rig.map(\.id) == ["cam00", "cam01", "cam02", "cam03", "cam04"])
        let first = rig[0].center - SIMD3(0, 0.1, 0), last = rig[4].center - SIMD3(0, 0.1, 0)
        let angle = acos(simdDot(simdNormalize(first), simdNormalize(last)))
        #expect(abs(angle - 2 * .pi / 3) < 1e-4)
        #expect(first.x < 0 && last.x > 0)
        #expect(simdLength(rig[2].center - SIMD3(0, 0.1, 1)) < 1e-5)
        for camera in rig {
            let p = camera.project(SIMD3(0, 0.1, 0))
            #expect(abs(p.x - camera.cx) < 1e-3 && abs(p.y - camera.cy) < 1e-3)
        }
        #expect(throws: GeometryError.self) {
            try CameraRig.arc(count: 0, arcDegrees: 90, radius: 1, target: .zero, width: 8, height: 8, horizontalFieldOfView: 1)
        }
    }
}
