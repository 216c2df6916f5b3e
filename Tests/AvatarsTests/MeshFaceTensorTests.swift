import Tensors
import Testing

@testable import Avatars

/// The stored form of artifact meshes' triangles.
struct MeshFaceTensorTests {
    @Test func facesRoundTripThroughTheStoredTensor() throws {
        let faces: [SIMD3<Int32>] = [SIMD3(0, 1, 2), SIMD3(2, 1, 3)]
        #expect(try MeshFaceTensor.decode(MeshFaceTensor.encode(faces)) == faces)
    }

    @Test func aTensorOfTheWrongShapeIsRefusedInsteadOfReadPastItsEnd() {
        #expect(throws: AvatarError.self) { try MeshFaceTensor.decode(Tensor(shape: [2, 2], scalars: [0, 1, 2, 3])) }
    }

    @Test func valuesThatAreNotVertexIndicesAreRefused() {
        #expect(throws: AvatarError.self) { try MeshFaceTensor.decode(Tensor(shape: [1, 3], scalars: [0, 1.5, 2])) }
        #expect(throws: AvatarError.self) { try MeshFaceTensor.decode(Tensor(shape: [1, 3], scalars: [0, -1, 2])) }
    }

    @Test func facesMustIndexTheMeshsVertices() {
        #expect(MeshFaceTensor.indicesFit([SIMD3(0, 1, 2)], vertexCount: 3))
        #expect(!MeshFaceTensor.indicesFit([SIMD3(0, 1, 3)], vertexCount: 3))
        #expect(!MeshFaceTensor.indicesFit([SIMD3(0, -1, 2)], vertexCount: 3))
    }
}
