import Foundation
import Testing

@testable import Geometry

@Suite struct MeshFileTests {
    static func sampleMesh() -> TriangleMesh {
        var mesh = TriangleMesh.uvSphere(radius: 0.5, rings: 5, segments: 7)
        mesh.attributes["normal"] = VertexAttribute(vectors: mesh.vertexNormals())
        return mesh
    }

    func temporaryURL(_ ext: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("geometry-test-\(UUID().uuidString).\(ext)")
    }

    @Test func objRoundTripKeepsPositionsUVsNormalsAndTriangles() throws {
        let mesh = Self.sampleMesh()
        let url = temporaryURL("obj")
        defer { try? FileManager.default.removeItem(at: url) }
        try OBJFormat.write(mesh, to: url)
        let back = try OBJFormat.read(from: url)
        #expect(back.triangles == mesh.triangles)
        #expect(back.positions == mesh.positions)
        #expect(zip(back.attributes["uv"]!.values, mesh.attributes["uv"]!.values).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(back.attributes["normal"] == mesh.attributes["normal"])
    }

    @Test func objParsesPolygonsNegativeIndicesAndSplitsCorners() throws {
        let text = """
            v 0 0 0
            v 1 0 0
            v 1 1 0
            v 0 1 0
            vt 0 0
            vt 1 1
            f 1/1 2/1 3/2 -1/2
            """
        let mesh = try OBJFormat.parse(text)
        #expect(mesh.triangles.count == 2)
        #expect(mesh.vertexCount == 4)
        #expect(mesh.attributes["uv"]!.values[4...5] == [1, 0])
        #expect(throws: GeometryError.self) { try OBJFormat.parse("v 0 0 0\nf 1 2 3") }
    }

    @Test func plyBinaryRoundTripKeepsEverything() throws {
        var mesh = Self.sampleMesh()
        mesh.attributes["weights"] = VertexAttribute(channels: 2, values: (0..<(2 * mesh.vertexCount)).map { Float($0) * 0.5 })
        let url = temporaryURL("ply")
        defer { try? FileManager.default.removeItem(at: url) }
        try PLYFormat.write(mesh, to: url)
        let back = try PLYFormat.read(from: url)
        #expect(back == mesh)
    }

    @Test func plyAsciiWithColoursAndQuadsParses() throws {
        let text = """
            ply
            format ascii 1.0
            element vertex 4
            property float x
            property float y
            property float z
            property uchar red
            property uchar green
            property uchar blue
            element face 1
            property list uchar int vertex_indices
            end_header
            0 0 0 255 0 0
            1 0 0 0 255 0
            1 1 0 0 0 255
            0 1 0 255 255 255
            4 0 1 2 3
            """
        let mesh = try PLYFormat.parse(Data(text.utf8))
        #expect(mesh.triangles == [SIMD3(0, 1, 2), SIMD3(0, 2, 3)])
        #expect(mesh.attributes["color"]!.values[0...2] == [1, 0, 0])
        #expect(throws: GeometryError.self) { try PLYFormat.parse(Data("ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nend_header\n".utf8)) }
    }
}
