import AvatarFlow
import AvatarFlowStages
import Foundation
import Geometry
import HeadCaptureFixtures
import HeadModel
import Tensors
import Testing

/// A tiny rendered capture for stage tests: a procedural-head subject whose identity, scale and
/// performance (head turn, jaw, first expressions) are drawn from `seed`, rendered by the mesh
/// rasteriser from a small ring of cameras (`RenderedHeadFrames`), with its ground-truth tracking
/// and the fixture guidance made from that tracking — the three inputs of `gaussians.dynamic`.
struct SeededHeadCapture {
    static let model = TemplateGuidanceFixture.model

    /// The FrameSet directory (RGBA over white, calibrated cameras `cam0…`).
    let frames: URL
    /// The Tracking directory.
    let tracking: URL
    /// The Guidance directory (`TemplateGuidanceFixture`).
    let guidance: URL
    /// The tracking as written.
    let truth: HeadTracking
    /// The calibrated cameras the frames were rendered from.
    let cameras: [Geometry.PinholeCamera]

    /// Writes the capture into `directory` (created); `headTurn` bounds the random yaw, radians. With
    /// `expressionsOf`, frame f makes that tracking's expression and jaw of frame f (cyclically) instead of random ones.
    init(
        seed: UInt64, in directory: URL, size: Int = 32, frameCount: Int = 4, cameraCount: Int = 2, headTurn: Float = 0.2,
        expressionsOf performer: HeadTracking? = nil
    ) throws {
        let model = Self.model
        var generator = Tensors.SplitMix64(seed: seed)
        let identity = (0..<model.identityCount).map { _ in Double(generator.nextFloat(in: -1, 1)) }
        let scale = Double(generator.nextFloat(in: 0.9, 1.1))
        let records = (0..<frameCount).map { f -> HeadTracking.Frame in
            var expression = [Double](repeating: 0, count: model.expressionCount)
            for k in 0..<min(4, expression.count) { expression[k] = Double(generator.nextFloat(in: 0, 0.6)) }
            var jaw = [Double(generator.nextFloat(in: 0, 0.3)), 0, 0]
            if let performer {
                expression = performer.frames[f % performer.frames.count].expression
                jaw = performer.frames[f % performer.frames.count].jaw
            }
            return HeadTracking.Frame(
                rotation: [0, Double(headTurn * generator.nextFloat(in: -1, 1)), 0], translation: [0, 0, 0],
                jaw: jaw, expression: expression, landmarks: [], meanResidualPixels: 0, observedViews: cameraCount)
        }
        let cameraIDs = (0..<cameraCount).map { "cam\($0)" }
        truth = HeadTracking(model: model.name, cameras: cameraIDs, identity: identity, scale: scale, frames: records)
        frames = directory.appendingPathComponent("frames")
        tracking = directory.appendingPathComponent("tracking")
        guidance = directory.appendingPathComponent("guidance")
        for folder in [tracking, guidance] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        try truth.write(to: tracking)
        try TemplateGuidanceFixture.guidance(tracking: truth).write(to: guidance)
        let (centre, radius) = try RenderedHeadFrames.boundingSphere(truth: truth, model: model)
        let distance = 4 * radius
        cameras = (0..<cameraCount).map { c -> Geometry.PinholeCamera in
            let azimuth = Float(-30 + 60 * Double(c) / Double(max(1, cameraCount - 1))) * .pi / 180
            return Geometry.PinholeCamera(
                id: cameraIDs[c], width: size, height: size, horizontalFieldOfView: 2 * atan(1.15 * radius / distance),
                eye: centre + distance * SIMD3(sin(azimuth), 0, cos(azimuth)), target: centre)
        }
        try RenderedHeadFrames.write(truth: truth, model: model, cameras: cameras, to: frames, cullBackFaces: true)
    }

    /// `guidance.template` (f_def^exp fitted to the head model) on this capture's tracking, at a test
    /// size, reached through the stage catalogue as a pipeline reaches it; its Guidance directory.
    func templateGuidance(_ harness: StageHarness, iterations: Int) throws -> URL {
        let stage = try #require(ProductionStages.all.first { $0.id == "guidance.template" })
        let outputs = try harness.run(
            stage, name: "guide", inputs: ["tracking": tracking],
            with: [
                "iterations": .int(iterations), "subdivisions": .int(0), "width": .int(32), "feature_width": .int(8),
                "color_channels": .int(4),
            ])
        return try #require(outputs["guidance"])
    }

    /// The inputs of `gaussians.dynamic`.
    var stageInputs: [String: URL] { ["init": guidance, "frames": frames, "tracking": tracking] }

    /// Parameters of a few-step training run sized for tests (2 cores, seconds).
    static let quickTraining: [String: ConfigValue] = [
        "iterations": .int(4), "gaussians": .int(1), "mouth_points": .int(20), "attribute_width": .int(8), "sr_width": .int(8),
        "checkpoint_interval": .int(100), "log_interval": .int(2),
    ]
}
