import Foundation
import Splatting
import Tensors

/// HHAvatar's occlusion-aware part masks (eq. 13): the head Gaussians rendered red (1, 0) and the
/// hair Gaussians green (0, 1) through the same depth-sorted alpha blending as the colours, so a face
/// hidden behind hair renders as hair, not head. The two channels ride along with the C colour
/// channels in one rasterisation (the part colours are constants; gradients reach positions,
/// rotations, scales and opacities).
public enum OcclusionAwareMasks {
    /// The colour features with the part colours appended, `[N, C + 2]`, and the matching appearance.
    public static func withPartChannels(_ gaussians: GaussianVariables, partColors: Tensor) -> GaussianVariables {
        var extended = gaussians
        extended.features = Variable.concat([gaussians.features, Variable(partColors)], axis: 1)
        extended.appearance = .features(channels: gaussians.features.shape[1] + 2)
        return extended
    }

    /// L_mask of eq. 13 = ‖M'_head − M_head‖₁ + ‖M'_hair − M_hair‖₁, each a mean over pixels, for
    /// rendered masks `[h, w, 2]` (head, hair) and targets of the same shape.
    public static func loss(rendered: Variable, target: Tensor) -> Variable {
        precondition(rendered.shape == target.shape && rendered.shape.last == 2, "part masks are [h, w, 2] (head, hair)")
        return Losses.l1(rendered, Variable(target)) * 2
    }

    /// Box-averages full-size head and hair masks (`width × height` values each in [0, 1]) by
    /// `factor` into a `[h, w, 2]` target at the feature image's size.
    public static func target(head: [Float], hair: [Float], width: Int, height: Int, factor: Int) -> Tensor {
        let (w, h) = (width / factor, height / factor)
        var values = [Float](repeating: 0, count: w * h * 2)
        let weight = 1 / Float(factor * factor)
        for y in 0..<h {
            for x in 0..<w {
                for dy in 0..<factor {
                    for dx in 0..<factor {
                        let p = (y * factor + dy) * width + x * factor + dx
                        values[2 * (y * w + x)] += weight * head[p]
                        values[2 * (y * w + x) + 1] += weight * hair[p]
                    }
                }
            }
        }
        return Tensor(shape: [h, w, 2], scalars: values)
    }
}

extension HeadHairModel {
    /// Renders the feature image and Ψ as `DynamicGaussianModel.render`, and with `partMasks` the
    /// occlusion-aware head and hair masks `[h, w, 2]` from the same rasterisation (eq. 13).
    public func render(
        _ gaussians: GaussianVariables, camera: PinholeCamera, rasterizer: GaussianRasterizer, partMasks: Bool,
        on tape: Tape?
    ) throws -> (render: DynamicRender, masks: Variable?) {
        guard partMasks else { return (try base.render(gaussians, camera: camera, rasterizer: rasterizer, on: tape), nil) }
        let featureCamera = try base.featureCamera(for: camera)
        let channels = base.configuration.networks.colorChannels
        let raster = try rasterizer.render(
            OcclusionAwareMasks.withPartChannels(gaussians, partColors: parts.partColors), camera: featureCamera,
            settings: RasterSettings(background: base.configuration.featureBackground + [0, 0]))
        let features = raster.image.slice(0..<channels, axis: 2)
        let image = features.permuted([2, 0, 1]).reshaped([1, channels, featureCamera.height, featureCamera.width])
        let rgb = base.superResolution(image, on: tape)
        return (
            DynamicRender(features: features, rgb: rgb, alpha: raster.alpha, raster: raster),
            raster.image.slice(channels..<(channels + 2), axis: 2)
        )
    }
}
