import Foundation
import Geometry
import Tensors

/// GHA's parameter transfer (§4.3): the neutral Gaussians start at the guidance mesh and inherit
/// its features and four MLPs; rotation, scale and opacity follow 3DGS (identity, mean distance to
/// the 3 nearest neighbours, 0.1); the attribute MLPs and Ψ start random. As in the official code,
/// extra points fill the mouth (lips' box, pushed into the head), and when the mesh has fewer
/// vertices than `gaussianCount` the rest are sampled uniformly on its triangles (the official code
/// subdivides the DMTet grid instead), features interpolated barycentrically.
public struct DynamicGaussianInitialization: Sendable {
    /// Target number of Gaussians (mesh vertices are always kept; paper: DMTet vertices, ~100k).
    public var gaussianCount: Int
    /// Extra points in the mouth (official 3000).
    public var mouthPoints: Int
    /// Initial opacity (3DGS 0.1).
    public var initialOpacity: Float
    /// Hidden widths of f_att^exp.
    public var attributeExpressionHidden: [Int]
    /// Hidden widths of f_att^pose.
    public var attributePoseHidden: [Int]
    /// Sizes of Ψ.
    public var superResolution: SuperResolutionConfiguration
    /// RGB background of training.
    public var background: [Float]
    /// EAvatar's control Gaussians, or nil (GHA).
    public var control: ControlGaussianSettings? = nil

    /// Creates settings.
    public init(
        gaussianCount: Int, mouthPoints: Int, initialOpacity: Float = 0.1, attributeExpressionHidden: [Int],
        attributePoseHidden: [Int], superResolution: SuperResolutionConfiguration, background: [Float]
    ) {
        self.gaussianCount = gaussianCount
        self.mouthPoints = mouthPoints
        self.initialOpacity = initialOpacity
        self.attributeExpressionHidden = attributeExpressionHidden
        self.attributePoseHidden = attributePoseHidden
        self.superResolution = superResolution
        self.background = background
    }

    /// iBUG-68 indices of the outer and inner lip contours.
    static let mouthLandmarks = 48..<68

    /// The initial model (parameter transfer from `guidance`).
    /// - Throws: `AvatarError` if the guidance has no vertices, too few landmarks for the mouth, or Ψ's sizes are invalid.
    public func model(from guidance: GuidanceModel, generator: inout Tensors.SplitMix64) throws -> DynamicGaussianModel {
        let vertexCount = guidance.vertices.shape[0]
        let width = guidance.networks.configuration.featureWidth
        guard vertexCount > 0 else { throw AvatarError("the guidance mesh has no vertices; re-run the guidance stage") }
        var superResolution = self.superResolution
        superResolution.inputChannels = guidance.networks.configuration.colorChannels
        var points = (0..<vertexCount).map { v in SIMD3(guidance.vertices[flat: 3 * v], guidance.vertices[flat: 3 * v + 1], guidance.vertices[flat: 3 * v + 2])
        }
        var features = guidance.features.scalars
        let surfaceCount = max(0, gaussianCount - vertexCount - mouthPoints)
        if surfaceCount > 0 && !guidance.faces.isEmpty {
            let samples = Self.surfaceSamples(count: surfaceCount, points: points, faces: guidance.faces, generator: &generator)
            for sample in samples {
                let face = guidance.faces[sample.face]
                let corners = [Int(face.x), Int(face.y), Int(face.z)]
                let w = sample.weights
                let a = points[corners[0]], b = points[corners[1]], c = points[corners[2]]
                points.append(w.x * a + w.y * b + w.z * c)
                for k in 0..<width {
                    let fa: Float = features[corners[0] * width + k], fb: Float = features[corners[1] * width + k]
                    let fc: Float = features[corners[2] * width + k]
                    features.append(w.x * fa + w.y * fb + w.z * fc)
                }
            }
        }
        if mouthPoints > 0 {
            guard guidance.landmarks.shape[0] >= Self.mouthLandmarks.upperBound else {
                throw AvatarError(
                    "the guidance has \(guidance.landmarks.shape[0]) landmarks; the mouth points need the iBUG-68 lips (48–67); set mouth_points to 0")
            }
            let surface = KDTree(points: points)
            for point in Self.mouthSamples(count: mouthPoints, landmarks: guidance.landmarks, generator: &generator) {
                let nearest = surface.nearest(to: point, k: 1)[0].index
                points.append(point)
                features.append(contentsOf: features[(nearest * width)..<((nearest + 1) * width)])
            }
        }
        let n = points.count
        let tree = KDTree(points: points)
        var logScales = [Float](repeating: 0, count: 3 * n)
        for (i, point) in points.enumerated() {
            let neighbours = tree.nearest(to: point, k: 4).filter { $0.index != i }.prefix(3)
            let meanSquared = neighbours.map(\.squaredDistance).reduce(0, +) / Float(max(1, neighbours.count))
            let logScale = 0.5 * log(max(meanSquared, 1e-10))
            for a in 0..<3 { logScales[3 * i + a] = logScale }
        }
        let configuration = DynamicGaussianConfiguration(
            canonicalSpace: guidance.manifest.canonicalSpace, blend: guidance.manifest.blend, networks: guidance.networks.configuration,
            attributeExpressionHidden: attributeExpressionHidden, attributePoseHidden: attributePoseHidden,
            superResolution: superResolution, background: background, control: control)
        let logit = log(initialOpacity / (1 - initialOpacity))
        return try DynamicGaussianModel(
            configuration: configuration, positions: Tensor(shape: [n, 3], scalars: points.flatMap { [$0.x, $0.y, $0.z] }),
            features: Tensor(shape: [n, width], scalars: features),
            rotations: Tensor(shape: [n, 4], scalars: (0..<n).flatMap { _ in [Float(1), 0, 0, 0] }),
            logScales: Tensor(shape: [n, 3], scalars: logScales), opacityLogits: Tensor(shape: [n, 1], scalars: [Float](repeating: logit, count: n)),
            landmarks: guidance.landmarks, networks: guidance.networks, generator: &generator)
    }

    /// Area-weighted uniform samples on the triangles: face index and barycentric weights.
    static func surfaceSamples(
        count: Int, points: [SIMD3<Float>], faces: [SIMD3<Int32>],
        generator: inout Tensors.SplitMix64
    ) -> [(face: Int, weights: SIMD3<Float>)] {
        var cumulative: [Double] = []
        var total = 0.0
        for face in faces {
            let a = points[Int(face.x)], b = points[Int(face.y)], c = points[Int(face.z)]
            let u = b - a, v = c - a
            let cross = SIMD3(u.y * v.z - u.z * v.y, u.z * v.x - u.x * v.z, u.x * v.y - u.y * v.x)
            total += Double((cross * cross).sum().squareRoot() / 2)
            cumulative.append(total)
        }
        return (0..<count).map { _ in
            let target = Double(generator.nextUniform()) * total
            var low = 0, high = cumulative.count - 1
            while low < high {
                let middle = (low + high) / 2
                if cumulative[middle] < target { low = middle + 1 } else { high = middle }
            }
            var r1 = generator.nextUniform(), r2 = generator.nextUniform()
            if r1 + r2 > 1 { (r1, r2) = (1 - r1, 1 - r2) }
            return (low, SIMD3(1 - r1 - r2, r1, r2))
        }
    }

    /// Uniform points in the lips' bounding box (widened by 20 % sideways) reaching from the lips
    /// half a mouth width into the head (−z, the model's back direction).
    static func mouthSamples(count: Int, landmarks: Tensor, generator: inout Tensors.SplitMix64) -> [SIMD3<Float>] {
        var low = SIMD3<Float>(repeating: .infinity), high = SIMD3<Float>(repeating: -.infinity)
        for l in mouthLandmarks {
            let p = SIMD3(landmarks[flat: 3 * l], landmarks[flat: 3 * l + 1], landmarks[flat: 3 * l + 2])
            low = pointwiseMin(low, p)
            high = pointwiseMax(high, p)
        }
        let width = high.x - low.x
        low.x -= 0.2 * width
        high.x += 0.2 * width
        low.y -= 0.1 * width
        high.y += 0.1 * width
        low.z -= 0.5 * width
        return (0..<count).map { _ in
            low + SIMD3(generator.nextUniform(), generator.nextUniform(), generator.nextUniform()) * (high - low)
        }
    }
}
