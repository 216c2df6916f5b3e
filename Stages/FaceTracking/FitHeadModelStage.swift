import AvatarFlow
import FaceAnalysis
import Foundation
import HeadModel
import MediaIO

/// `face.fit-head-model`: fits the parametric head model to multi-view 2D landmarks with known
/// cameras — identity shared, per frame the head turn (at the neck under a root pose shared by the
/// sequence, or at the root: `head_motion`), jaw and expression — and writes a Tracking artifact.
/// Eye rotations stay 0: the 68 landmarks have no iris point (see `HeadModelFitter`).
public struct FitHeadModelStage: Stage {
    /// Parameters of `face.fit-head-model`.
    public struct Parameters: StageParameters {
        /// Allowed values of `expression_range`.
        public enum ExpressionRange: String, ParameterChoice {
            case unit, signed
        }
        /// Allowed values of `head_motion`.
        public enum HeadMotion: String, ParameterChoice {
            case neck, root
        }

        @Param(path: "Head model directory (docs/head-model-format.md); empty uses the built-in procedural model.")
        public var model: String = ""
        @Param("Alternations of per-frame and identity solves (the first fits rigid pose only).", range: 1...50)
        public var rounds: Int = 5
        @Param("Reprojection errors beyond this many pixels count linearly (robust to bad landmarks).", range: 0.1...100)
        public var huberPixels: Double = 3
        @Param("Cost in pixels per unit expression coefficient (keeps constant offsets in the identity).", range: 0...1000)
        public var expressionPrior: Double = 10
        @Param("Cost in pixels per unit identity coefficient, per frame.", range: 0...1000)
        public var identityPrior: Double = 0.05
        @Param("Cost in pixels per radian of jaw rotation.", range: 0...10000)
        public var jawPrior: Double = 20
        @Param("Cost in pixels per unit change of rotation/neck/jaw/expression between neighbouring frames.", range: 0...1000)
        public var temporalSmoothness: Double = 2
        @Param(
            "neck: root pose shared by the sequence (torso still), head turns at the neck per frame; root: root pose per frame, neck at rest (v1 behaviour)."
        )
        public var headMotion: HeadMotion = .neck
        @Param("Cost in pixels per radian of neck rotation (head_motion neck; makes the shared root the head's mean orientation).", range: 0...10000)
        public var neckPrior: Double = 1
        @Param(
            "Cost in pixels per radian of the shared root rotation away from the world axes (head_motion neck; for worlds aligned with the torso, e.g. synthetic captures; 0 = off).",
            range: 0...10000)
        public var rootPrior: Double = 0
        @Param("Fit the shared identity coefficients (off: the model's mean head).")
        public var fitIdentity: Bool = true
        @Param("Also fit a global scale (for captures not in metres).")
        public var fitScale: Bool = false
        @Param("unit: coefficients in [0, 1.5] (procedural model); signed: unbounded (PCA models such as FLAME).")
        public var expressionRange: ExpressionRange = .unit

        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "face.fit-head-model"
    public static let version = 2
    public static let summary = "Fit the head model to multi-view landmarks: shared identity and root pose, per-frame neck, jaw and expression."
    public static let inputs = [
        StagePort("landmarks", .landmarks, doc: "68 landmarks per frame per camera."),
        StagePort("frames", .frameSet, doc: "The frames the landmarks were found in (their cameras' calibrations are used)."),
    ]
    public static let outputs = [
        StagePort("tracking", .tracking, doc: "tracking.json: identity, per-frame root pose/neck/jaw/expression, 3D landmarks, residuals.")
    ]

    public init() {}

    /// Fits and writes the Tracking artifact; progress in solver steps.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let landmarks = try FaceLandmarkSet.read(from: try context.input("landmarks"))
        let frames = try FrameSet.open(try context.input("frames"))
        guard let calibrations = frames.manifest.calibrations else {
            throw FaceTrackingError(
                "\(frames.directory.path): the frames carry no camera calibrations; fitting needs known cameras (a capture with cameras.json)")
        }
        var cameraIndex: [String: Int] = [:]
        for (index, id) in frames.manifest.cameras.enumerated() { cameraIndex[id] = index }
        for id in landmarks.cameras where cameraIndex[id] == nil {
            throw FaceTrackingError(
                "the landmarks name camera '\(id)', which the frames do not have (\(frames.manifest.cameras.joined(separator: ", "))); connect the landmarks and frames of the same capture"
            )
        }
        guard landmarks.frames.count == frames.manifest.frameCount else {
            throw FaceTrackingError(
                "the landmarks have \(landmarks.frames.count) frames but the frames have \(frames.manifest.frameCount); connect the landmarks and frames of the same decode"
            )
        }
        let model: HeadModel =
            parameters.model.isEmpty
            ? ProceduralHeadBuilder.build()
            : try HeadModelFormat.read(from: context.resolvePath(parameters.model))
        var settings = HeadModelFitter.Settings()
        settings.rounds = parameters.rounds
        settings.huberPixels = parameters.huberPixels
        settings.expressionPrior = parameters.expressionPrior
        settings.identityPrior = parameters.identityPrior
        settings.jawPrior = parameters.jawPrior
        settings.temporalSmoothness = parameters.temporalSmoothness
        settings.headMotion = parameters.headMotion == .neck ? .neck : .root
        settings.neckPrior = parameters.neckPrior
        settings.rootPrior = parameters.rootPrior
        settings.fitIdentity = parameters.fitIdentity
        settings.fitScale = parameters.fitScale
        settings.expressionBounds = parameters.expressionRange == .unit ? 0...1.5 : nil
        let fitter = try HeadModelFitter(model: model, settings: settings)

        let cameras = try landmarks.cameras.map { try calibrations[cameraIndex[$0]!].pinholeCamera() }
        let views: [[LandmarkView?]] = landmarks.frames.map { frame in
            frame.map { detection in
                detection.map { LandmarkView(points: $0.points.map { SIMD2($0[0], $0[1]) }, confidence: $0.confidence) }
            }
        }
        let missing = views.indices.filter { !views[$0].contains { $0 != nil } }
        if !missing.isEmpty {
            context.warn(
                "\(missing.count) of \(views.count) frames have no landmarks in any camera (\(FrameList.describe(missing))); their pose is copied from a fitted frame and their tracking records 0 observed views"
            )
        }
        let start = Date()
        let result = try fitter.fit(views: views, cameras: cameras) { done, total in
            context.reportProgress(completed: done, total: total, unit: "steps")
        }
        let seconds = Date().timeIntervalSince(start)
        context.log(
            String(
                format: "fitted %d frames × %d cameras in %.2f s (%.2f ms per frame per camera)", views.count, cameras.count,
                seconds, 1000 * seconds / Double(max(1, views.count * cameras.count))))
        let records = result.frames.indices.map { f -> HeadTracking.Frame in
            let state = result.frames[f]
            let points = fitter.landmarks(state, identity: result.identity, scale: result.scale)
            return HeadTracking.Frame(
                rotation: [state.rotation.x, state.rotation.y, state.rotation.z],
                translation: [state.translation.x, state.translation.y, state.translation.z],
                jaw: [state.jaw.x, state.jaw.y, state.jaw.z], neck: [state.neck.x, state.neck.y, state.neck.z],
                expression: state.expression,
                landmarks: points.map { [$0.x, $0.y, $0.z] }, meanResidualPixels: result.meanResiduals[f],
                observedViews: views[f].compactMap { $0 }.count)
        }
        let fitted = result.meanResiduals.compactMap { $0 }
        context.log(String(format: "mean reprojection error %.2f px", fitted.reduce(0, +) / Double(max(1, fitted.count))))
        try HeadTracking(model: model.name, cameras: landmarks.cameras, identity: result.identity, scale: result.scale, frames: records)
            .write(to: try context.output("tracking"))
    }
}

/// The face-tracking stage family.
public enum FaceTrackingStages {
    /// Every face-tracking stage.
    public static let all: [any Stage.Type] = [FitHeadModelStage.self, RefinePhotometricStage.self, FitOverlayStage.self, FitQualityStage.self]
}
