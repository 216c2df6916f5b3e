/// Chamfer distance between two triangle meshes, estimated from area-uniform surface samples:
/// the mean distance from each sample of one surface to the nearest sample of the other, both ways.
///
/// Used to score reconstructed meshes against ground truth (mesh guidance's acceptance test).
/// With `samples` points per surface the estimate is biased upward by about the sample spacing
/// (√(area / samples)); take enough samples for the precision needed.
public enum ChamferDistance {
    /// One-sided means (`a → b`, `b → a`) and their average, in the meshes' units.
    public struct Result: Sendable, Equatable {
        /// Mean distance from samples of the first mesh to the second.
        public var forward: Float
        /// Mean distance from samples of the second mesh to the first.
        public var backward: Float
        /// (forward + backward) / 2.
        public var symmetric: Float { (forward + backward) / 2 }
    }

    /// Samples `samples` points on each mesh (seeded) and measures both one-sided means.
    /// - Throws: `GeometryError` if either mesh has no area.
    public static func measure(_ a: TriangleMesh, _ b: TriangleMesh, samples: Int = 20_000, seed: UInt64 = 1) throws -> Result {
        var generator = SplitMix64(seed: seed)
        let pointsA = try surfaceSamples(a, count: samples, generator: &generator)
        let pointsB = try surfaceSamples(b, count: samples, generator: &generator)
        return Result(
            forward: meanNearestDistance(from: pointsA, to: KDTree(points: pointsB)),
            backward: meanNearestDistance(from: pointsB, to: KDTree(points: pointsA)))
    }

    /// `count` points distributed uniformly by area over the mesh's triangles.
    public static func surfaceSamples(_ mesh: TriangleMesh, count: Int, generator: inout SplitMix64) throws -> [SIMD3<Float>] {
        var cumulative: [Double] = []
        cumulative.reserveCapacity(mesh.triangles.count)
        var total = 0.0
        for t in mesh.triangles.indices {
            total += Double(simdLength(mesh.scaledFaceNormal(t))) / 2
            cumulative.append(total)
        }
        guard total > 0 else { throw GeometryError("cannot sample a mesh without surface area (\(mesh.triangles.count) triangles)") }
        return (0..<count).map { _ in
            let target = Double(generator.nextUniform()) * total
            var low = 0, high = cumulative.count - 1
            while low < high {
                let middle = (low + high) / 2
                if cumulative[middle] < target { low = middle + 1 } else { high = middle }
            }
            let tri = mesh.triangles[low]
            var u = generator.nextUniform(), v = generator.nextUniform()
            if u + v > 1 { (u, v) = (1 - u, 1 - v) }
            let a = mesh.positions[Int(tri.x)], b = mesh.positions[Int(tri.y)], c = mesh.positions[Int(tri.z)]
            return a + u * (b - a) + v * (c - a)
        }
    }

    static func meanNearestDistance(from points: [SIMD3<Float>], to tree: KDTree) -> Float {
        var sum = 0.0
        for p in points { sum += Double(tree.nearest(to: p, k: 1).first?.squaredDistance ?? 0).squareRoot() }
        return Float(sum / Double(max(1, points.count)))
    }
}
