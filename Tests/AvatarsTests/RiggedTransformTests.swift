import Foundation
import Tensors
import Testing

@testable import Avatars

/// A random, non-degenerate mesh of `count` triangles with their frames.
func randomFrames(triangles count: Int, seed: UInt64) -> (vertices: [SIMD3<Float>], triangles: [SIMD3<Int32>], frames: TriangleFrames) {
    var rng = Tensors.SplitMix64(seed: seed)
    var vertices: [SIMD3<Float>] = []
    var triangles: [SIMD3<Int32>] = []
    for t in 0..<count {
        let base = SIMD3(rng.nextUniform(), rng.nextUniform(), rng.nextUniform()) * 2 - 1
        vertices += [base, base + SIMD3(0.2 + 0.1 * rng.nextUniform(), 0.05, 0), base + SIMD3(0.03, 0.15 + 0.1 * rng.nextUniform(), 0.1)]
        triangles.append(SIMD3(Int32(3 * t), Int32(3 * t + 1), Int32(3 * t + 2)))
    }
    return (vertices, triangles, TriangleFrames(vertices: vertices, triangles: triangles))
}

struct RiggedTransformTests {
    @Test func gradientsMatchCentralFiniteDifferences() throws {
        let mesh = randomFrames(triangles: 4, seed: 3)
        var rng = Tensors.SplitMix64(seed: 4)
        let n = 7
        let binding: [Int32] = (0..<n).map { Int32($0 % 4) }
        let means = Tensor.normal(shape: [n, 3], standardDeviation: 0.5, generator: &rng)
        let rotations = Tensor.normal(shape: [n, 4], generator: &rng)
        let logScales = Tensor.normal(shape: [n, 3], standardDeviation: 0.3, generator: &rng)
        try expectGradientsMatchFiniteDifferences(inputs: [means, rotations, logScales], step: 1e-2, tolerance: 2e-3) { x in
            let world = RiggedTransform.apply(means: x[0], rotations: x[1], logScales: x[2], binding: binding, frames: mesh.frames)
            return [world.means, world.rotations, world.logScales]
        }
    }

    @Test func worldParametersFollowThePaperEquations() {
        let mesh = randomFrames(triangles: 1, seed: 9)
        let local = SIMD3<Float>(0.3, -0.2, 0.5)
        let world = RiggedTransform.forward(
            means: Tensor(shape: [1, 3], scalars: [local.x, local.y, local.z]),
            rotations: Tensor(shape: [1, 4], scalars: [1, 0, 0, 0]),
            logScales: Tensor(shape: [1, 3], scalars: [0.1, 0.2, 0.3]), binding: [0], frames: mesh.frames)
        let r = mesh.frames.rotations, k = mesh.frames.scales[0], t = mesh.frames.centres
        for a in 0..<3 {
            let expected = k * (r[3 * a] * local.x + r[3 * a + 1] * local.y + r[3 * a + 2] * local.z) + t[a]
            #expect(Swift.abs(world.means[flat: a] - expected) < 1e-5)
            #expect(Swift.abs(world.logScales[flat: a] - (Float(a + 1) * 0.1 + log(k))) < 1e-5)
        }
        // An identity local rotation takes the triangle's own rotation.
        for a in 0..<4 { #expect(Swift.abs(world.rotations[flat: a] - mesh.frames.quaternions[a]) < 1e-6) }
    }
}

struct TriangleFrameTests {
    @Test func framesAreRightHandedOrthonormalWithEdgeNormalAndPaperScale() {
        let v0 = SIMD3<Float>(0.1, 0.2, 0.3), v1 = SIMD3<Float>(0.5, 0.2, 0.3), v2 = SIMD3<Float>(0.2, 0.5, 0.3)
        let frames = TriangleFrames(vertices: [v0, v1, v2], triangles: [SIMD3(0, 1, 2)])
        let r = frames.rotations
        let columns = (0..<3).map { c in SIMD3(r[c], r[3 + c], r[6 + c]) }
        #expect(Swift.abs(columns[0].x - 1) < 1e-6)  // the first edge runs along +x
        #expect(Swift.abs(columns[1].z - 1) < 1e-6)  // the normal is +z (counter-clockwise)
        for i in 0..<3 {
            for j in 0..<3 { #expect(Swift.abs(dot(columns[i], columns[j]) - (i == j ? 1 : 0)) < 1e-6) }
        }
        #expect(length(cross(columns[0], columns[1]) - columns[2]) < 1e-6)
        // k = mean of the edge length (0.4) and the height over it (0.3).
        #expect(Swift.abs(frames.scales[0] - 0.35) < 1e-6)
        #expect(Swift.abs(frames.centres[0] - 0.8 / 3) < 1e-6)
    }

    @Test func quaternionsEncodeTheFrameRotations() {
        let mesh = randomFrames(triangles: 20, seed: 5)
        for t in 0..<20 {
            let q = SIMD4(
                mesh.frames.quaternions[4 * t], mesh.frames.quaternions[4 * t + 1], mesh.frames.quaternions[4 * t + 2], mesh.frames.quaternions[4 * t + 3])
            let (w, x, y, z) = (q[0], q[1], q[2], q[3])
            let fromQuaternion: [Float] = [
                1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
                2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
                2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
            ]
            for i in 0..<9 { #expect(Swift.abs(fromQuaternion[i] - mesh.frames.rotations[9 * t + i]) < 1e-5) }
        }
    }

    @Test func gaussiansMoveRigidlyWithTheMesh() {
        let mesh = randomFrames(triangles: 3, seed: 11)
        let angle: Float = 0.7
        let rotate = { (p: SIMD3<Float>) in SIMD3(cos(angle) * p.x - sin(angle) * p.z, p.y, sin(angle) * p.x + cos(angle) * p.z) + SIMD3(0.1, -0.4, 2) }
        let moved = TriangleFrames(vertices: mesh.vertices.map(rotate), triangles: mesh.triangles)
        var rng = Tensors.SplitMix64(seed: 12)
        let gaussians = RiggedGaussians.onePerTriangle(triangleCount: 3, generator: &rng)
        var displaced = gaussians
        displaced.means = (0..<9).map { _ in rng.nextUniform() - 0.5 }
        let before = displaced.worldScene(frames: mesh.frames, shDegree: 0), after = displaced.worldScene(frames: moved, shDegree: 0)
        for i in 0..<3 {
            let p = SIMD3(before.means[3 * i], before.means[3 * i + 1], before.means[3 * i + 2])
            let q = SIMD3(after.means[3 * i], after.means[3 * i + 1], after.means[3 * i + 2])
            #expect(length(rotate(p) - q) < 1e-5)
            for a in 0..<3 { #expect(Swift.abs(before.logScales[3 * i + a] - after.logScales[3 * i + a]) < 1e-5) }
        }
    }
}
