import Geometry
import Testing

/// ICP and Chamfer distance (Geometry) as used by mesh guidance.
struct IterativeClosestPointTests {
    static func ellipsoidSamples(count: Int, seed: UInt64) throws -> [SIMD3<Float>] {
        let (positions, triangles) = try sphereMesh(resolution: 12, radius: 0.6)
        let stretched = TriangleMesh(positions: positions.map { $0 * SIMD3(1, 0.7, 0.5) }, triangles: triangles)
        var generator = SplitMix64(seed: seed)
        return try ChamferDistance.surfaceSamples(stretched, count: count, generator: &generator)
    }

    @Test func recoversAKnownRigidMotion() throws {
        let target = try Self.ellipsoidSamples(count: 30_000, seed: 1)
        let truth = RigidTransform(rotation: Matrix3x3(rotationVector: SIMD3(0.15, -0.2, 0.1)), translation: SIMD3(0.05, -0.03, 0.02))
        let source = try Self.ellipsoidSamples(count: 800, seed: 2).map(truth.inverse.apply)
        let result = try IterativeClosestPoint.align(source: source, target: target, maximumIterations: 200, tolerance: 1e-7)
        #expect(result.transform.rotation.maxAbsDifference(truth.rotation) < 0.02)
        #expect(simdLength(result.transform.translation - truth.translation) < 0.01)
        #expect(result.rootMeanSquareDistance < 0.02)
    }

    @Test func absoluteOrientationIsExactForCorrespondingPoints() throws {
        let a = try Self.ellipsoidSamples(count: 50, seed: 3)
        let truth = RigidTransform(rotation: Matrix3x3(rotationVector: SIMD3(-1.2, 0.4, 2.0)), translation: SIMD3(1, 2, 3))
        let found = IterativeClosestPoint.absoluteOrientation(from: a, to: a.map { truth.apply(1.3 * $0) }, estimateScale: true)
        #expect(found.transform.rotation.maxAbsDifference(truth.rotation) < 1e-4)
        #expect(simdLength(found.transform.translation - truth.translation) < 1e-4)
        #expect(abs(found.scale - 1.3) < 1e-4)
    }

    @Test func chamferDistanceOfConcentricSpheresIsTheirRadiusGap() throws {
        let (positions, triangles) = try sphereMesh(resolution: 24, radius: 0.6)
        let inner = TriangleMesh(positions: positions, triangles: triangles)
        let outer = TriangleMesh(positions: positions.map { $0 * 1.1 }, triangles: triangles)
        let result = try ChamferDistance.measure(inner, outer, samples: 20_000)
        #expect(abs(result.forward - 0.06) < 0.006)
        #expect(abs(result.backward - 0.06) < 0.006)
        // Two independent samplings of one surface: about half the sample spacing (≈ 0.015 here).
        #expect(try ChamferDistance.measure(inner, inner, samples: 20_000).symmetric < 0.01)
    }
}

extension IterativeClosestPointTests {
    @Test func symmetricScaledAlignmentRecoversSizeWithoutCollapsing() throws {
        let target = try Self.ellipsoidSamples(count: 4000, seed: 5)
        let source = try Self.ellipsoidSamples(count: 1500, seed: 6).map { $0 * 0.7 + SIMD3(0.05, 0, 0) }
        let result = try IterativeClosestPoint.align(
            source: source, target: target, estimateScale: true, symmetric: true,
            maximumIterations: 100, tolerance: 1e-7)
        #expect(abs(result.scale - 1 / 0.7) < 0.05)
        #expect(result.rootMeanSquareDistance < 0.03)
    }
}
