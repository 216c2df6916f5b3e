import Foundation
import Tensors

/// Table 1's ablation of GPHM (§4, "FLAME Init"): the Gaussian model started without the guiding
/// mesh — points sampled uniformly (by area) on the head model's template mesh, features Γ0 = 0,
/// every network, Ψ and the codes random; S0, Q0, A0 as in 3DGS. Our head model's template stands
/// in for FLAME fitted to the mean landmarks.
public enum ParametricTemplateInitialization {
    /// The ablation's model for `configuration`, template `vertices` in canonical units and `faces`.
    /// - Throws: `AvatarError` for an empty template or bad sizes.
    public static func model(
        configuration: ParametricHeadConfiguration, upsampler: SuperResolutionConfiguration, unitsPerMetre: Double, vertices: [SIMD3<Float>],
        faces: [SIMD3<Int32>], pointCount: Int, identityNames: [String], expressionNames: [String], landmarks: Tensor, attributeHidden: [Int],
        generator: inout SplitMix64
    ) throws -> ParametricGaussianModel {
        guard !faces.isEmpty, pointCount >= 2 else {
            throw AvatarError(
                "the template initialisation needs a template with triangles and at least 2 points (got \(faces.count) triangles, \(pointCount) points)")
        }
        try configuration.validate()
        let samples = DynamicGaussianInitialization.surfaceSamples(count: pointCount, points: vertices, faces: faces, generator: &generator)
        let points = samples.flatMap { sample -> [Float] in
            let face = faces[sample.face], w = sample.weights
            let p = w.x * vertices[Int(face.x)] + w.y * vertices[Int(face.y)] + w.z * vertices[Int(face.z)]
            return [p.x, p.y, p.z]
        }
        let networks = ParametricHeadNetworks(configuration: configuration, generator: &generator)
        let head = try ParametricHeadModel(
            manifest: ParametricHeadManifest(stage: "template", configuration: configuration, upsampler: upsampler, unitsPerMetre: unitsPerMetre),
            vertices: Tensor(shape: [vertices.count, 3], scalars: vertices.flatMap { [$0.x, $0.y, $0.z] }), faces: faces,
            features: Tensor(zeros: [vertices.count, configuration.featureWidth]), landmarks: landmarks,
            landmarkFeatures: Tensor(zeros: [landmarks.shape[0], configuration.featureWidth]), networks: networks,
            identities: try LatentCodeTable(
                names: identityNames, width: configuration.identityWidth, standardDeviation: configuration.codeStandardDeviation,
                generator: &generator),
            expressions: try LatentCodeTable(
                names: expressionNames, width: configuration.expressionWidth, standardDeviation: configuration.codeStandardDeviation,
                generator: &generator),
            upsampler: try SuperResolutionNetwork(configuration: upsampler, generator: &generator))
        return try ParametricGaussianModel(
            head: head, positions: Tensor(shape: [pointCount, 3], scalars: points), features: Tensor(zeros: [pointCount, configuration.featureWidth]),
            attributeHidden: attributeHidden, generator: &generator)
    }
}
