import Foundation
import MediaIO
import Splatting
import Tensors

/// How the head and hair masks of HHAvatar's mask loss (eq. 13) are rendered.
public enum PartMaskRendering: String, Sendable, Codable, CaseIterable {
    /// Eq. 13: both parts in one depth-sorted blend, so a face hidden behind hair renders as hair.
    case occlusionAware = "occlusion-aware"
    /// Table 5's "w/o occlusion perception": each part rendered alone and its alpha taken as its
    /// mask (the paper's plain alpha rendering), so a face hidden behind hair still renders as head.
    case separateAlpha = "separate-alpha"
}

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

    /// The part masks of Table 5's "w/o occlusion perception" ablation, `[h, w, 2]` (head, hair): the
    /// alpha of the head Gaussians rendered without the hair, and of the hair without the head. The
    /// other part is hidden by lowering its opacity logits by `hiddenLogitOffset`, which keeps the
    /// Gaussian count (and the rasteriser's buffers) unchanged; gradients reach the visible part.
    /// `settings` apply to both passes, with a one-channel black background.
    public static func separateAlphaMasks(
        _ gaussians: GaussianVariables, isHair: [Bool], camera: PinholeCamera, rasterizer: GaussianRasterizer,
        settings: RasterSettings = RasterSettings(background: [0])
    ) throws -> Variable {
        var passSettings = settings
        passSettings.background = [0]
        let count = gaussians.opacityLogits.shape[0]
        precondition(isHair.count == count, "one part label per Gaussian")
        let alphas = try [false, true].map { hairPass in
            var part = gaussians
            let offsets = isHair.map { $0 == hairPass ? Float(0) : -hiddenLogitOffset }
            part.opacityLogits = gaussians.opacityLogits + Variable(Tensor(shape: [count, 1], scalars: offsets))
            part.features = Variable(Tensor(zeros: [count, 1]))
            part.appearance = .features(channels: 1)
            let alpha = try rasterizer.render(part, camera: camera, settings: passSettings).alpha
            return alpha.reshaped([camera.height, camera.width, 1])
        }
        return Variable.concat(alphas, axis: 2)
    }

    /// How far a hidden part's opacity logits are lowered (sigmoid(−40) ≈ 4e-18: invisible).
    static let hiddenLogitOffset: Float = 40

    /// L_mask of eq. 13 = ‖M'_head − M_head‖₁ + ‖M'_hair − M_hair‖₁, each a mean over pixels, for
    /// rendered masks `[h, w, 2]` (head, hair) and targets of the same shape.
    public static func loss(rendered: Variable, target: Tensor) -> Variable {
        precondition(rendered.shape == target.shape && rendered.shape.last == 2, "part masks are [h, w, 2] (head, hair)")
        return Losses.l1(rendered, Variable(target)) * 2
    }

    /// The `[h, w, 2]` target of one view from a Masks artifact (`parsing.head-hair` or
    /// `synthetic.region-masks`): hair = the `hair` part, head = every other part except `body` and
    /// `background`, box-averaged by `factor` from the frame size `width × height`.
    /// - Throws: `AvatarError` when the masks have no hair part or another size than the frame.
    public static func target(masks: MaskSet, frame: Int, camera: String, width: Int, height: Int, factor: Int) throws -> Tensor {
        guard masks.names.contains("hair") else {
            throw AvatarError(
                "the masks have no 'hair' part (they hold \(masks.names.joined(separator: ", "))); connect parsing.head-hair or synthetic.region-masks")
        }
        let parts = try masks.masks(frame: frame, camera: camera)
        guard let hair = parts["hair"], hair.count == width * height else {
            throw AvatarError("the masks of camera \(camera), frame \(frame) are not \(width)×\(height); connect masks made from the same frames")
        }
        var head = [Float](repeating: 0, count: hair.count)
        for (name, values) in parts where !["hair", "body", "background"].contains(name) {
            for p in head.indices { head[p] = min(1, head[p] + values[p]) }
        }
        return target(head: head, hair: hair, width: width, height: height, factor: factor)
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
    /// head and hair masks `[h, w, 2]`: occlusion-aware from the same rasterisation (eq. 13), or each
    /// part's own alpha (the Table 5 ablation).
    public func render(
        _ gaussians: GaussianVariables, camera: PinholeCamera, rasterizer: GaussianRasterizer, partMasks: PartMaskRendering?,
        on tape: Tape?
    ) throws -> (render: DynamicRender, masks: Variable?) {
        switch partMasks {
        case nil:
            return (try base.render(gaussians, camera: camera, rasterizer: rasterizer, on: tape), nil)
        case .separateAlpha:
            let render = try base.render(gaussians, camera: camera, rasterizer: rasterizer, on: tape)
            let masks = try OcclusionAwareMasks.separateAlphaMasks(
                gaussians, isHair: parts.isHair, camera: try base.featureCamera(for: camera), rasterizer: rasterizer)
            return (render, masks)
        case .occlusionAware:
            break
        }
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
