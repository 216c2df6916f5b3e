import Foundation
import Testing

@testable import Geometry

@Suite struct MeshTests {
    static let tetrahedron = TriangleMesh(
        positions: [SIMD3(0, 0, 0), SIMD3(1, 0, 0), SIMD3(0, 1, 0), SIMD3(0, 0, 1)],
        triangles: [SIMD3(0, 2, 1), SIMD3(0, 1, 3), SIMD3(0, 3, 2), SIMD3(1, 2, 3)])

    @Test func sphereNormalsPointOutwards() {
        let sphere = TriangleMesh.uvSphere(radius: 2, rings: 12, segments: 16)
        let normals = sphere.vertexNormals()
        for (p, n) in zip(sphere.positions, normals) {
            #expect(simdDot(simdNormalize(p), n) > 0.95)
        }
        for (t, n) in sphere.faceNormals().enumerated() {
            let centroid =
                sphere.positions[Int(sphere.triangles[t].x)] + sphere.positions[Int(sphere.triangles[t].y)]
                + sphere.positions[Int(sphere.triangles[t].z)]
            #expect(simdDot(n, centroid) > 0)
        }
    }

    @Test func closedSphereHasNoBoundaryAndEulerCharacteristicTwo() {
        let sphere = TriangleMesh.uvSphere(radius: 1, rings: 8, segments: 10)
        #expect(sphere.boundaryEdges().isEmpty)
        #expect(sphere.vertexCount - sphere.edges().count + sphere.triangles.count == 2)
    }

    @Test func tetrahedronAdjacency() {
        let mesh = Self.tetrahedron
        #expect(mesh.edges().count == 6)
        #expect(mesh.vertexNeighbors() == [[1, 2, 3], [0, 2, 3], [0, 1, 3], [0, 1, 2]])
        #expect(mesh.vertexTriangles()[0] == [0, 1, 2])
        #expect(mesh.triangleNeighbors() == [[1, 2, 3], [0, 2, 3], [0, 1, 3], [0, 1, 2]])
    }

    @Test func gridHasBoundaryAroundItsRim() {
        let grid = TriangleMesh.grid(width: 1, height: 1, columns: 3, rows: 2)
        #expect(grid.boundaryEdges().count == 2 * (3 + 2))
        #expect(abs(grid.surfaceArea() - 1) < 1e-6)
    }

    @Test func midpointSubdivisionQuadruplesTrianglesAndKeepsShape() {
        var mesh = Self.tetrahedron
        mesh.attributes["value"] = VertexAttribute(channels: 1, values: [0, 1, 2, 3])
        let fine = mesh.subdividedAtMidpoints()
        #expect(fine.triangles.count == 16)
        #expect(fine.vertexCount == 4 + 6)
        #expect(abs(fine.surfaceArea() - mesh.surfaceArea()) < 1e-5)
        #expect(fine.boundaryEdges().isEmpty)
        let value = fine.attributes["value"]!
        for v in 4..<fine.vertexCount {
            let p = fine.positions[v]
            #expect(abs(value.values[v] - (p.x * 1 + p.y * 2 + p.z * 3)) < 1e-6, "linear attribute stays linear")
        }
    }

    @Test func validateRejectsOutOfRangeIndices() {
        let broken = TriangleMesh(positions: [.zero, .zero], triangles: [SIMD3(0, 1, 2)])
        #expect(throws: GeometryError.self) { try broken.validate() }
    }
}
