import AvatarFlow
import Avatars
import Foundation
import HeadModel
import MediaIO
import Tensors

extension DynamicGaussiansStage {
    /// HHAvatar's additions when `hair_dynamics` or `lambda_mask` asks for them (nil: GHA).
    /// - Throws: `DynamicGaussiansError` when `lambda_mask` > 0 without a `masks` input, or the masks do not fit the frames.
    func hairTraining(
        _ parameters: Parameters, base: DynamicGaussianModel, guidance: GuidanceModel, headModel: HeadModel, tracking: HeadTracking, views: CaptureViews,
        context: StageContext, generator: inout Tensors.SplitMix64
    ) throws -> HairTraining? {
        guard parameters.hairDynamics || parameters.lambdaMask > 0 || parameters.perceptualLR else { return nil }
        var targets: [String: Tensor] = [:]
        if parameters.lambdaMask > 0 {
            guard let directory = context.optionalInput("masks") else {
                throw DynamicGaussiansError(
                    "lambda_mask \(parameters.lambdaMask) needs head and hair masks: connect `masks` (parsing.head-hair or synthetic.region-masks) or set lambda_mask: 0"
                )
            }
            targets = try HairTraining.maskTargets(masks: try MaskSet.open(directory), views: views.training, factor: parameters.srFactor)
        }
        let configuration = HeadHairConfiguration(
            dynamicHair: parameters.hairDynamics,
            hairBlend: ScalpHairBlend(
                near: Float(parameters.hairNear), far: Float(parameters.hairFar),
                rule: parameters.hairWeighting == .paper ? .paper : .rootsToTips),
            hairNetworks: HairDynamicsConfiguration(
                hidden: [parameters.hairWidth, parameters.hairWidth], colorChannels: base.configuration.networks.colorChannels,
                poseHistory: parameters.hairPoseHistory == .absolute ? .absolute : .differences),
            historyFrames: parameters.historyFrames)
        let model = try HairTraining.model(
            base: base, guidance: guidance, headModel: headModel, tracking: tracking, configuration: configuration, generator: &generator)
        context.log(
            "HHAvatar: \(model.parts.hairIndices.count) of \(base.count) Gaussians are hair (labelled by \(guidance.hairVertices == nil ? "the head model's scalp and skin" : "the two-part guidance mesh"), \(model.parts.scalp.count) scalp vertices), λ_hair > 0 on \(model.hairWeights.scalars.filter { $0 > 0 }.count) of the hair (\(parameters.hairWeighting.rawValue) rule), hair dynamics \(parameters.hairDynamics ? "on" : "off"), mask weight \(parameters.lambdaMask) (\(parameters.maskRendering.rawValue) masks)"
        )
        return HairTraining(
            model: model, configuration: configuration, maskWeight: Float(parameters.lambdaMask),
            maskRendering: parameters.maskRendering == .occlusionAware ? .occlusionAware : .separateAlpha, perceptualOnLowResolution: parameters.perceptualLR,
            tracking: tracking, maskTargets: targets)
    }
}
