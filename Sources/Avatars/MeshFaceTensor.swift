import Tensors

/// Triangle vertex indices as the Guidance and ParametricHeadModel artifacts store them in their
/// safetensors files: a Float32 tensor `[T, 3]` (indices exact below 2²⁴ vertices).
enum MeshFaceTensor {
    /// The tensor of `faces`.
    static func encode(_ faces: [SIMD3<Int32>]) -> Tensor {
        Tensor(shape: [faces.count, 3], scalars: faces.flatMap { [Float($0.x), Float($0.y), Float($0.z)] })
    }

    /// The faces of a stored tensor.
    /// - Throws: `AvatarError` when the tensor is not `[T, 3]` of whole numbers ≥ 0 (the caller adds the file).
    static func decode(_ tensor: Tensor) throws -> [SIMD3<Int32>] {
        guard tensor.rank == 2, tensor.shape[1] == 3 else {
            throw AvatarError("mesh.faces is \(tensor.shape), expected [triangles, 3]")
        }
        let scalars = tensor.scalars
        guard scalars.allSatisfy({ $0 >= 0 && $0 < 16_777_216 && $0.rounded() == $0 }) else {
            throw AvatarError("mesh.faces holds a value that is not a vertex index")
        }
        return stride(from: 0, to: scalars.count, by: 3).map { SIMD3(Int32(scalars[$0]), Int32(scalars[$0 + 1]), Int32(scalars[$0 + 2])) }
    }

    /// Whether every face indexes one of `vertexCount` vertices.
    static func indicesFit(_ faces: [SIMD3<Int32>], vertexCount: Int) -> Bool {
        faces.allSatisfy { $0.min() >= 0 && Int($0.max()) < vertexCount }
    }
}
