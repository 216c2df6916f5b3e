/// A landmark fixed on the mesh surface: a triangle and barycentric weights of its three
/// corners (FLAME's static landmark embedding; a landmark on a vertex has weights (1, 0, 0)).
public struct LandmarkEmbedding: Sendable, Equatable {
    /// Index into the model's triangles.
    public var triangle: Int32
    /// Weights of the triangle's corners, summing to 1.
    public var barycentric: SIMD3<Float>

    /// Creates an embedding.
    public init(triangle: Int32, barycentric: SIMD3<Float>) {
        self.triangle = triangle
        self.barycentric = barycentric
    }
}
