import AvatarFlow
import FaceAnalysis
import Foundation
import Geometry
import HeadCaptureFixtures
import HeadModel
import MediaIO
import Tensors
import TestSupport
import Testing

@testable import FaceTracking

/// A tiny matted capture of the procedural head (vertex-coloured renders over white with the
/// coverage as alpha) whose true neck turns are known, and a "fit" whose neck (by default) or
/// translation is off by a constant bias — the errors detected landmarks leave
/// (docs/head-tracking.md) — with landmarks that agree with the biased fit.
struct BiasedFitCapture {
    static let model = ProceduralHeadBuilder.build()
    static let neckBias = SIMD3<Double>(-0.12, 0.1, 0)

    let harness: StageHarness
    let frames: URL, tracking: URL, landmarks: URL
    let truth: HeadTracking
    let cameras: [Geometry.PinholeCamera]

    init(
        size: Int = 64, frameCount: Int = 3, cameraCount: Int = 3, neckBias: SIMD3<Double> = neckBias, translationBias: SIMD3<Double> = .zero
    ) throws {
        harness = try StageHarness(label: "refine")
        frames = harness.file("frames")
        tracking = harness.file("tracking")
        landmarks = harness.file("landmarks")
        for directory in [tracking, landmarks] { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
        let model = Self.model
        let records = (0..<frameCount).map { f -> HeadTracking.Frame in
            let t = Double(f) / Double(max(1, frameCount - 1))
            var expression = [Double](repeating: 0, count: model.expressionCount)
            expression[0] = 0.3 * t
            return HeadTracking.Frame(
                rotation: [0, 0, 0], translation: [0, 0, 0], jaw: [0.1 * t, 0, 0], neck: [0.05, 0.3 * t - 0.15, 0.02], expression: expression,
                landmarks: [], meanResidualPixels: 0, observedViews: cameraCount)
        }
        let ids = (0..<cameraCount).map { "cam\($0)" }
        truth = HeadTracking(model: model.name, cameras: ids, identity: [], scale: 1, frames: records)
        let (centre, radius) = try RenderedHeadFrames.boundingSphere(truth: truth, model: model)
        let distance = 4 * radius
        cameras = (0..<cameraCount).map { c in
            let azimuth = Float(-50 + 100 * Double(c) / Double(max(1, cameraCount - 1))) * .pi / 180
            let elevation: Float = c % 2 == 0 ? 0.15 : -0.1
            let eye = centre + distance * SIMD3(sin(azimuth) * cos(elevation), sin(elevation), cos(azimuth) * cos(elevation))
            return Geometry.PinholeCamera(
                id: ids[c], width: size, height: size, horizontalFieldOfView: 2 * atan(1.15 * radius / distance), eye: eye, target: centre)
        }
        try RenderedHeadFrames.write(truth: truth, model: model, cameras: cameras, to: frames)
        var fit = truth
        for f in fit.frames.indices {
            fit.frames[f].neck = zip(fit.frames[f].neck, [neckBias.x, neckBias.y, neckBias.z]).map { $0 + $1 }
            fit.frames[f].translation = [translationBias.x, translationBias.y, translationBias.z]
        }
        try fit.write(to: tracking)
        let detections = try fit.frames.indices.map { f -> [FaceLandmarkSet.Detection?] in
            let instance = try model.evaluate(
                identity: [], expression: fit.frames[f].expression.map(Float.init), pose: HeadPose(jointRotations: fit.jointRotations(frame: f, model: model)))
            return cameras.map { camera in
                FaceLandmarkSet.Detection(
                    points: instance.landmarks.map {
                        let p = camera.project($0)
                        return [Double(p.x), Double(p.y)]
                    },
                    confidence: [Double](repeating: 1, count: instance.landmarks.count))
            }
        }
        try FaceLandmarkSet(cameras: ids, frames: detections).write(to: landmarks)
    }

    /// Largest angle (degrees) between the head orientation (root·neck) of `tracking` and the truth.
    func worstHeadError(_ tracking: HeadTracking) -> Double {
        tracking.frames.indices.map { f in
            let fitted =
                DoubleRotation(axisAngle: SIMD3(tracking.frames[f].rotation[0], tracking.frames[f].rotation[1], tracking.frames[f].rotation[2]))
                * DoubleRotation(axisAngle: SIMD3(tracking.frames[f].neck[0], tracking.frames[f].neck[1], tracking.frames[f].neck[2]))
            let expected = DoubleRotation(axisAngle: SIMD3(truth.frames[f].neck[0], truth.frames[f].neck[1], truth.frames[f].neck[2]))
            let difference = (expected.transposed * fitted).axisAngle
            return (difference * difference).sum().squareRoot() * 180 / .pi
        }.max() ?? .infinity
    }
}

@Suite struct PhotometricRefinementTests {
    @Test func imageCostGradientsMatchCentralFiniteDifferences() throws {
        var random = Tensors.SplitMix64(seed: 3)
        let pixels = 12
        let view = MattedView(colour: (0..<(3 * pixels)).map { _ in random.nextUniform() }, matte: (0..<pixels).map { _ in random.nextUniform() })
        let image = Tensor(shape: [3, 4, 3], scalars: (0..<(3 * pixels)).map { _ in random.nextUniform() })
        let alpha = Tensor(shape: [3, 4], scalars: (0..<pixels).map { _ in random.nextUniform() })
        try expectGradientsMatchFiniteDifferences(inputs: [image, alpha], step: 1e-3, tolerance: .relativeAboveOne(2e-3)) { inputs in
            let costs = PhotometricRefiner.imageCosts(image: inputs[0], alpha: inputs[1], view: view, photometricWeight: 0.7, silhouetteWeight: 1.3)
            return [costs.photometric, costs.silhouette]
        }
    }

    @Test func silhouetteCostCountsOnlyModelPixelsOutsideTheMatte() {
        let view = MattedView(colour: [Float](repeating: 1, count: 9), matte: [1, 0, 0.25])
        let costs = PhotometricRefiner.imageCosts(
            image: Variable(Tensor(zeros: [1, 3, 3])), alpha: Variable(Tensor(shape: [1, 3], scalars: [1, 0, 1])), view: view,
            photometricWeight: 0, silhouetteWeight: 1)
        // Pixel 0 is covered inside the matte (free), pixel 1 is matte-free but not covered, pixel 2 costs 1 − 0.25.
        #expect(abs(costs.silhouette.value[flat: 0] - 0.75) < 1e-6)
    }

    /// Partial recovery only: the albedo starts from the biased fit, which explains the frames of
    /// each view by itself, and only the disagreement between views and frames pulls the pose back
    /// (measured 8.9° → 5.9° at 60 steps; on the synthetic capture with detected landmarks, where
    /// the fit's translation was the larger error, the stage goes 15.8° → 1.06°, docs/head-tracking.md).
    /// The test holds that gain: at least a fifth of the bias.
    @Test func refinementReducesABiasedNeckFromTheFramesAlone() throws {
        let capture = try BiasedFitCapture()
        let before = capture.worstHeadError(try HeadTracking.read(from: capture.tracking))
        let outputs = try capture.harness.run(
            RefinePhotometricStage.self, inputs: ["tracking": capture.tracking, "frames": capture.frames, "landmarks": capture.landmarks],
            with: [
                "landmark_weight": .double(0), "iterations": .int(60), "refine_expression": .bool(false), "refine_jaw": .bool(false),
                "albedo_step": .double(0.005),
            ])
        let refined = try HeadTracking.read(from: try #require(outputs["tracking"]))
        let after = capture.worstHeadError(refined)
        #expect(before > 8)
        #expect(after < 0.8 * before, "worst head-orientation error \(before)° → \(after)°")
        #expect(refined.frames.count == capture.truth.frames.count && refined.cameras == capture.truth.cameras)
    }

    /// A fit placed 12 mm too low and 8 mm too far back (the size of the shift detected landmarks
    /// gave the synthetic capture's fit): `root_motion: translation` moves every frame by one shared
    /// offset and keeps the root rotation, so the neck does not have to turn to make up for it
    /// (measured: 14.4 mm → 5.9 mm, worst head error 2.9° after 240 steps at 64²).
    @Test func translationRootMotionRecoversASharedOffsetAndKeepsTheRootRotation() throws {
        let capture = try BiasedFitCapture(neckBias: .zero, translationBias: SIMD3(0, -0.012, -0.008))
        let outputs = try capture.harness.run(
            RefinePhotometricStage.self, inputs: ["tracking": capture.tracking, "frames": capture.frames, "landmarks": capture.landmarks],
            with: [
                "landmark_weight": .double(0), "iterations": .int(240), "refine_expression": .bool(false), "refine_jaw": .bool(false),
                "root_motion": .string("translation"), "albedo_step": .double(0.005),
            ])
        let refined = try HeadTracking.read(from: try #require(outputs["tracking"]))
        let offset = SIMD3(refined.frames[0].translation[0], refined.frames[0].translation[1], refined.frames[0].translation[2])
        #expect((offset * offset).sum().squareRoot() < 0.5 * 0.0144, "translation error 14.4 mm → \((offset * offset).sum().squareRoot() * 1000) mm")
        #expect(refined.frames.allSatisfy { $0.translation == refined.frames[0].translation && $0.rotation == [0, 0, 0] })
        #expect(capture.worstHeadError(refined) < 4, "worst head-orientation error \(capture.worstHeadError(refined))°")
    }

    @Test func stageRefusesFramesOfAnotherLength() throws {
        let capture = try BiasedFitCapture(frameCount: 2)
        var longer = try HeadTracking.read(from: capture.tracking)
        longer.frames.append(longer.frames[0])
        try longer.write(to: capture.tracking)
        #expect(throws: FaceTrackingError.self) {
            try capture.harness.run(
                RefinePhotometricStage.self, inputs: ["tracking": capture.tracking, "frames": capture.frames, "landmarks": capture.landmarks])
        }
    }
}
