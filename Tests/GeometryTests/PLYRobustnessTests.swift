import Foundation
import Testing

@testable import Geometry

/// Damaged PLY files end in a typed `GeometryError`; each case is an input that crashed or hung the
/// reader (found with Fuzz/FuzzPLYMesh, docs/fuzzing.md).
@Suite struct PLYRobustnessTests {
    func parseError(_ text: String) -> GeometryError? {
        #expect(throws: GeometryError.self) { try PLYFormat.parse(Data(text.utf8), source: "bad.ply") }
    }

    @Test func binaryRowCountBeyondTheFileIsRefusedBeforeAllocating() {
        let header = "ply\nformat binary_little_endian 1.0\nelement vertex 1000000000000\nproperty float x\nproperty float y\nproperty float z\nend_header\n"
        #expect(parseError(header)?.description.contains("truncated") == true)
    }

    @Test func asciiRowCountBeyondTheFileIsRefusedBeforeAllocating() {
        let text = "ply\nformat ascii 1.0\nelement vertex 1000000000000\nproperty float x\nproperty float y\nproperty float z\nend_header\n0 0 0\n"
        #expect(parseError(text)?.description.contains("truncated") == true)
    }

    @Test func faceIndexOutsideInt32IsATypedError() {
        let text =
            "ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\n"
            + "element face 1\nproperty list uchar int vertex_indices\nend_header\n0 0 0\n1 0 0\n0 1 0\n3 0 1 1e20\n"
        #expect(parseError(text)?.description.contains("vertex index") == true)
    }

    @Test func elementWithoutPropertiesAndAHugeCountIsSkippedAtOnce() throws {
        let text =
            "ply\nformat ascii 1.0\nelement comments 9223372036854775807\nelement vertex 1\nproperty float x\nproperty float y\nproperty float z\nend_header\n1 2 3\n"
        let mesh = try PLYFormat.parse(Data(text.utf8))
        #expect(mesh.positions == [SIMD3(1, 2, 3)])
    }
}
