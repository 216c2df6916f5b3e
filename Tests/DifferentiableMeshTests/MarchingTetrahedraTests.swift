import Geometry
import Tensors
import Testing

@testable import DifferentiableMesh

struct MarchingTetrahedraTests {
    @Test func sphereSurfaceIsClosedOutwardAndOnTheSphere() throws {
        let (positions, triangles) = try sphereMesh(resolution: 16, radius: 0.6)
        let mesh = TriangleMesh(positions: positions, triangles: triangles)
        #expect(mesh.boundaryEdges().isEmpty)
        #expect(mesh.edgeTriangleCounts().allSatisfy { $0.triangles == 2 })
        for p in positions { #expect(abs(simdLength(p) - 0.6) < 0.02) }
        var volume: Float = 0
        for (t, tri) in triangles.enumerated() {
            let a = positions[Int(tri.x)], b = positions[Int(tri.y)], c = positions[Int(tri.z)]
            #expect(simdDot(mesh.scaledFaceNormal(t), a + b + c) > 0)
            volume += simdDot(a, simdCross(b, c)) / 6
        }
        let sphere = 4 / 3 * Float.pi * 0.6 * 0.6 * 0.6
        #expect(abs(volume - sphere) / sphere < 0.03)
    }

    @Test func interpolationGradientsMatchFiniteDifferences() throws {
        let grid = try TetrahedralGrid(resolution: 5, halfExtent: 1)
        var random = TestRandom(seed: 7)
        let sdf = grid.vertices.map { simdLength($0 - SIMD3(0.05, -0.02, 0.03)) - 0.55 + random.uniform(-0.05...0.05) }
        let offsets = grid.vertices.map { _ in SIMD3(random.uniform(-0.1...0.1), random.uniform(-0.1...0.1), random.uniform(-0.1...0.1)) * grid.cellSize }
        let deformed = zip(grid.vertices, offsets).map { $0 + $1 }
        let topology = try SurfaceTopology.extract(grid: grid, positions: deformed, sdf: sdf)
        let k = topology.sourceVertices.count
        let featureWidth = 2
        let positions = topology.sourceVertices.flatMap { v -> [Float] in
            let p = deformed[Int(v)]
            return [p.x, p.y, p.z]
        }
        let values = topology.sourceVertices.map { sdf[Int($0)] }
        let features = (0..<(k * featureWidth)).map { _ in random.uniform(-1...1) }
        let vertexWeights = (0..<(3 * topology.vertexCount)).map { _ in random.uniform(-1...1) }
        let featureWeights = (0..<(featureWidth * topology.vertexCount)).map { _ in random.uniform(-1...1) }

        func loss(_ positions: [Float], _ values: [Float], _ features: [Float]) throws -> Double {
            let out = try topology.interpolate(
                positions: Variable(Tensor(shape: [k, 3], scalars: positions)),
                sdf: Variable(Tensor(shape: [k], scalars: values)),
                features: Variable(Tensor(shape: [k, featureWidth], scalars: features)))
            return weightedSum(out.vertices.value.scalars, vertexWeights) + weightedSum(out.features!.value.scalars, featureWeights)
        }
        let tape = Tape()
        let p = tape.variable(Tensor(shape: [k, 3], scalars: positions))
        let s = tape.variable(Tensor(shape: [k], scalars: values))
        let f = tape.variable(Tensor(shape: [k, featureWidth], scalars: features))
        let out = try topology.interpolate(positions: p, sdf: s, features: f)
        let objective =
            (out.vertices * Variable(Tensor(shape: out.vertices.shape, scalars: vertexWeights))).sum()
            + (out.features! * Variable(Tensor(shape: out.features!.shape, scalars: featureWeights))).sum()
        let gradients = tape.backward(from: objective)

        let h: Float = 1e-3
        /// Central differences of `evaluate` over every element of `base`.
        func central(_ base: [Float], _ evaluate: ([Float]) throws -> Double) rethrows -> [Double] {
            var array = base
            return try (0..<array.count).map { i in
                array[i] = base[i] + h
                let plus = try evaluate(array)
                array[i] = base[i] - h
                let minus = try evaluate(array)
                array[i] = base[i]
                return (plus - minus) / Double(2 * h)
            }
        }
        let positionNumeric = try central(positions) { try loss($0, values, features) }
        let sdfNumeric = try central(values) { try loss(positions, $0, features) }
        let featureNumeric = try central(features) { try loss(positions, values, $0) }
        #expect(gradientsAgree(try #require(gradients[p]).scalars.map(Double.init), positionNumeric, relativeTolerance: 1e-2, absoluteTolerance: 1e-3))
        #expect(gradientsAgree(try #require(gradients[s]).scalars.map(Double.init), sdfNumeric, relativeTolerance: 1e-2, absoluteTolerance: 1e-3))
        #expect(gradientsAgree(try #require(gradients[f]).scalars.map(Double.init), featureNumeric, relativeTolerance: 1e-2, absoluteTolerance: 1e-3))
    }

    @Test func mismatchedSDFCountIsRejected() throws {
        let grid = try TetrahedralGrid(resolution: 2, halfExtent: 1)
        #expect(throws: DifferentiableMeshError.self) {
            try SurfaceTopology.extract(grid: grid, positions: grid.vertices, sdf: [0, 1])
        }
    }
}
