import Avatars
import Foundation
import HeadModel
import MediaIO
import Splatting
import Tensors

/// HHAvatar's additions to a GHA training run (`hair_dynamics` and/or `lambda_mask` on): the
/// head-and-hair model, the occlusion-aware mask targets per training view and the motion history.
///
/// History during training: for a step on frame t the hair is rolled out without gradients over
/// the `historyFrames` frames before t, starting at rest at frame max(0, t − K) — so X'_{t−1} and
/// X'_{t−2} are the model's own current outputs, as at render time, at the cost of K cheap forward
/// passes of the pose deformation and f_hair^def on the hair Gaussians; gradients do not flow
/// through the history. Rendering rolls out from the sequence's first frame instead (rest at frame 0).
final class HairTraining {
    let model: HeadHairModel
    let configuration: HeadHairConfiguration
    /// λ_mask of eq. 11 (0: no mask term).
    let maskWeight: Float
    /// How the head and hair masks of the mask term are rendered.
    let maskRendering: PartMaskRendering
    /// Eq. 12: the perceptual term on I_lr too.
    let perceptualOnLowResolution: Bool
    /// Every frame's condition (for the roll-out).
    let conditions: [DynamicCondition]
    /// Part-mask targets `[h, w, 2]` by "frame/camera".
    private let maskTargets: [String: Tensor]

    init(
        model: HeadHairModel, configuration: HeadHairConfiguration, maskWeight: Float, maskRendering: PartMaskRendering,
        perceptualOnLowResolution: Bool, tracking: HeadTracking, maskTargets: [String: Tensor]
    ) {
        self.maskRendering = maskRendering
        self.model = model
        self.perceptualOnLowResolution = perceptualOnLowResolution
        self.configuration = configuration
        self.maskWeight = maskWeight
        self.maskTargets = maskTargets
        conditions = tracking.frames.map { model.base.condition(of: $0, scale: tracking.scale) }
    }

    /// The history for a step on `frame`: rest at max(0, frame − K), rolled out to frame − 1.
    func history(before frame: Int) -> HairMotionHistory {
        let start = max(0, frame - configuration.historyFrames)
        let rest = model.rest(conditions[start])
        guard model.dynamicHair else { return rest }
        return model.rollOut(Array(conditions[start..<frame]), from: rest)
    }

    /// The mask target of a training view.
    func maskTarget(frame: Int, camera: String) -> Tensor? { maskTargets["\(frame)/\(camera)"] }

    /// Loads the head and hair masks of `views` from a Masks artifact (`OcclusionAwareMasks.target`),
    /// box-averaged to the feature image's size.
    static func maskTargets(masks: MaskSet, views: [SupervisedView], factor: Int) throws -> [String: Tensor] {
        var targets: [String: Tensor] = [:]
        for view in views {
            do {
                targets["\(view.frame)/\(view.cameraID)"] = try OcclusionAwareMasks.target(
                    masks: masks, frame: view.frame, camera: view.cameraID, width: view.camera.width, height: view.camera.height, factor: factor)
            } catch let error as AvatarError {
                throw DynamicGaussiansError(error.description)
            }
        }
        return targets
    }

    /// Labels the Gaussians of a GHA model — by the part of their nearest vertex of a two-part
    /// `guidance` (HHAvatar's geometry), else by the head model's scalp and skin (`HeadHairParts`) —,
    /// weighs the hair by its distance to the scalp and adds hair MLPs.
    static func model(
        base: DynamicGaussianModel, guidance: GuidanceModel, headModel: HeadModel, tracking: HeadTracking,
        configuration: HeadHairConfiguration, generator: inout Tensors.SplitMix64
    ) throws -> HeadHairModel {
        let mesh = try HeadHairParts.canonicalMesh(model: headModel, identity: tracking.identity, space: base.configuration.canonicalSpace)
        let parts =
            if let hairVertices = guidance.hairVertices {
                HeadHairParts(
                    points: base.positions.value, guidanceVertices: guidance.vertices, guidanceHair: hairVertices,
                    scalp: zip(mesh.vertices, mesh.regions).filter { $0.1 == .scalp }.map(\.0))
            } else {
                HeadHairParts(points: base.positions.value, vertices: mesh.vertices, regions: mesh.regions)
            }
        let hairPoints = Variable(base.positions.value).gatherRows(parts.hairIndices).value
        return HeadHairModel(
            base: base, parts: parts, hairWeights: configuration.hairBlend.weights(points: hairPoints, scalp: parts.scalp),
            hair: HairDynamicsNetworks(configuration: configuration.hairNetworks, generator: &generator),
            dynamicHair: configuration.dynamicHair)
    }
}
