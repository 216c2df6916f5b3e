/// A per-vertex attribute of a mesh: `channels` Float32 values per vertex, vertex-major
/// (`values[v * channels + c]`). Conventional names: "normal" (3), "uv" (2, v = 0 at the
/// top row of a texture image), "color" (3, linear RGB in [0, 1]).
public struct VertexAttribute: Sendable, Equatable {
    /// Values per vertex.
    public var channels: Int
    /// Vertex-major values, `vertexCount * channels` long.
    public var values: [Float]

    /// Creates an attribute; `values.count` must be a multiple of `channels`.
    public init(channels: Int, values: [Float]) {
        precondition(channels > 0 && values.count % channels == 0, "attribute values must be a multiple of channels")
        self.channels = channels
        self.values = values
    }

    /// Creates a 3-channel attribute from 3-vectors.
    public init(vectors: [SIMD3<Float>]) {
        channels = 3
        values = vectors.flatMap { [$0.x, $0.y, $0.z] }
    }

    /// Number of vertices this attribute covers.
    public var vertexCount: Int { values.count / channels }

    /// The 3-vector of vertex `index` (channels must be 3).
    public func vector3(_ index: Int) -> SIMD3<Float> {
        SIMD3(values[index * 3], values[index * 3 + 1], values[index * 3 + 2])
    }
}
