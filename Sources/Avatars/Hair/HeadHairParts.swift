import Geometry
import HeadModel
import Tensors

/// Which Gaussians are hair, and the scalp P1 they hang from, in GHA's canonical head space.
///
/// The paper labels each Gaussian by the DMTet mesh (head or hair SDF) it came from (eq. 14–15).
/// Without a two-part guidance this is its 3D counterpart of `parsing.head-hair`'s rule: a point is
/// hair when the nearest vertex of the subject's neutral head-model mesh lies on the scalp, or when it
/// is further than `margin` from every vertex (hair hanging beside the face and neck); everything
/// else (face, ears, eyes, mouth, neck skin) is head. The scalp P1 is the head model's scalp vertices
/// ("estimated through FLAME" in the paper).
public struct HeadHairParts: Sendable, Equatable {
    /// Per Gaussian, true for hair.
    public var isHair: [Bool]
    /// The scalp vertices P1 in canonical units.
    public var scalp: [SIMD3<Float>]

    /// Labels given directly (e.g. read back from an avatar).
    public init(isHair: [Bool], scalp: [SIMD3<Float>]) {
        self.isHair = isHair
        self.scalp = scalp
    }

    /// Labels `points [N, 3]` (canonical) against the neutral mesh `vertices` (canonical) and their `regions`.
    public init(points: Tensor, vertices: [SIMD3<Float>], regions: [HeadRegion], margin: Float = 0.03) {
        precondition(vertices.count == regions.count, "one region per vertex")
        let scalars = points.scalars
        isHair = (0..<points.shape[0]).map { i in
            let x = SIMD3(scalars[3 * i], scalars[3 * i + 1], scalars[3 * i + 2])
            var best = Float.infinity, region = HeadRegion.face
            for (v, r) in zip(vertices, regions) {
                let d = ((x - v) * (x - v)).sum()
                if d < best { (best, region) = (d, r) }
            }
            return region == .scalp || best.squareRoot() > margin
        }
        scalp = zip(vertices, regions).filter { $0.1 == .scalp }.map(\.0)
    }

    /// Labels `points [N, 3]` (canonical) by their nearest vertex of a two-part guidance mesh
    /// (HHAvatar eq. 14–15: a Gaussian belongs to the part whose DMTet surface it started on);
    /// `scalp` is P1 of λ_hair.
    public init(points: Tensor, guidanceVertices: Tensor, guidanceHair: [Bool], scalp: [SIMD3<Float>]) {
        precondition(guidanceVertices.shape == [guidanceHair.count, 3], "one part per guidance vertex")
        let vertexScalars = guidanceVertices.scalars
        let tree = KDTree(points: (0..<guidanceHair.count).map { SIMD3(vertexScalars[3 * $0], vertexScalars[3 * $0 + 1], vertexScalars[3 * $0 + 2]) })
        let scalars = points.scalars
        isHair = (0..<points.shape[0]).map { i in
            guidanceHair[tree.nearest(to: SIMD3(scalars[3 * i], scalars[3 * i + 1], scalars[3 * i + 2]), k: 1)[0].index]
        }
        self.scalp = scalp
    }

    /// The neutral mesh of a tracked subject in canonical units with its regions.
    public static func canonicalMesh(
        model: HeadModel, identity: [Double], space: CanonicalHeadSpace
    ) throws -> (vertices: [SIMD3<Float>], regions: [HeadRegion]) {
        let neutral = try model.shapedVertices(
            identity: identity.map(Float.init), expression: [Float](repeating: 0, count: model.expressionCount))
        return (neutral.map { space.canonical(fromModel: $0) }, model.vertexRegions)
    }

    /// Indices of the hair Gaussians, ascending.
    public var hairIndices: [Int32] { isHair.indices.filter { isHair[$0] }.map(Int32.init) }

    /// Row map for scattering `[H, W]` hair rows back to all N rows: hair Gaussian i reads row
    /// (its rank among hair Gaussians), every head Gaussian reads row H (a zero row appended).
    public var scatterRows: [Int32] {
        var next: Int32 = 0
        let zeroRow = Int32(hairIndices.count)
        return isHair.map { hair in
            guard hair else { return zeroRow }
            defer { next += 1 }
            return next
        }
    }

    /// `[N, 2]` part colours of eq. 13: (1, 0) for head, (0, 1) for hair.
    public var partColors: Tensor {
        Tensor(shape: [isHair.count, 2], scalars: isHair.flatMap { $0 ? [Float(0), 1] : [1, 0] })
    }
}
