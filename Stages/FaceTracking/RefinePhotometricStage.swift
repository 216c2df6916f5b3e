import AvatarFlow
import FaceAnalysis
import Foundation
import Geometry
import HeadModel
import MediaIO

/// `face.refine-photometric`: refines a landmark fit (`face.fit-head-model`'s Tracking) against the
/// matted frames with the differentiable mesh renderer — a photometric term (per-vertex albedo
/// estimated jointly), a one-sided silhouette term (model pixels outside the matte) and the landmark
/// term with priors and temporal smoothness, so it cannot drift — and writes a Tracking of the same
/// form, which every downstream stage takes unchanged. See `PhotometricRefiner` and
/// docs/head-tracking.md.
public struct RefinePhotometricStage: Stage {
    /// Parameters of `face.refine-photometric`.
    public struct Parameters: StageParameters {
        /// Allowed values of `root_motion`.
        public enum RootMotion: String, ParameterChoice {
            case fixed, translation, shared
            case perFrame = "per_frame"
        }
        /// Allowed values of `expression_range`.
        public enum ExpressionRange: String, ParameterChoice {
            case unit, signed
        }

        @Param(path: "Head model directory the tracking was fitted with; empty for the built-in procedural model.")
        public var model: String = ""
        @Param("Adam steps over all frames (0 copies the fit, with its costs logged).", range: 0...2000)
        public var iterations: Int = 240
        @Param("Weight of the photometric term (squared RGB error in [0, 1] units, summed over matte pixels and cameras).", range: 0...1000)
        public var photometricWeight: Double = 1
        @Param("Weight of the silhouette term (model coverage outside the matte, in pixels).", range: 0...1000)
        public var silhouetteWeight: Double = 1
        @Param("Weight of the landmark term per squared pixel of reprojection error (keeps the fit from drifting).", range: 0...100)
        public var landmarkWeight: Double = 0.01
        @Param("Landmark errors beyond this many pixels (under the input fit) count linearly.", range: 0.1...100)
        public var huberPixels: Double = 3
        @Param("Prior on expression coefficients: cost per unit coefficient (squared).", range: 0...1000)
        public var expressionPrior: Double = 1
        @Param("Prior on the jaw rotation: cost per radian (squared).", range: 0...1000)
        public var jawPrior: Double = 2
        @Param("Temporal smoothing: cost per unit change of neck/jaw/expression (and per-frame root) between neighbouring frames (squared).", range: 0...1000)
        public var temporalSmoothness: Double = 1
        @Param("Refine the per-frame neck rotation.")
        public var refineNeck: Bool = true
        @Param("Refine the per-frame jaw rotation.")
        public var refineJaw: Bool = true
        @Param("Refine the per-frame expression coefficients.")
        public var refineExpression: Bool = true
        @Param(
            "Root pose: translation (default) = the root rotation as fitted and one translation offset for every frame (the images of a torso-free head cannot tell a root turn from a neck turn, but they do place the head); fixed = rotation and translation as fitted; shared = one rotation and translation offset (still torso); per_frame = an offset per frame."
        )
        public var rootMotion: RootMotion = .translation
        @Param("Adam step of the rotations, radians.", range: 0...1)
        public var rotationStep: Double = 0.01
        @Param("Adam step of the translations, world units.", range: 0...1)
        public var translationStep: Double = 0.0005
        @Param("Adam step of the expression coefficients.", range: 0...10)
        public var expressionStep: Double = 0.01
        @Param("Adam step of the per-vertex albedo (RGB in [0, 1]).", range: 0...1)
        public var albedoStep: Double = 0.02
        @Param("unit: coefficients in [0, 1.5] (procedural model); signed: unbounded (PCA models such as FLAME).")
        public var expressionRange: ExpressionRange = .unit

        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "face.refine-photometric"
    public static let version = 1
    public static let summary = "Refine a head-model fit against the matted frames with the differentiable mesh renderer (photometric, silhouette, landmarks)."
    public static let inputs = [
        StagePort("tracking", .tracking, doc: "The landmark fit to refine (face.fit-head-model)."),
        StagePort("frames", .frameSet, doc: "Matted frames with calibrations: RGB over white and the matte as alpha (matting.*)."),
        StagePort("landmarks", .landmarks, doc: "The 68 landmarks the fit used (the landmark term)."),
    ]
    public static let outputs = [
        StagePort("tracking", .tracking, doc: "tracking.json of the same form, with refined root/neck/jaw/expression, landmarks and residuals.")
    ]

    public init() {}

    /// Reads the fit, frames and landmarks, refines and writes the Tracking.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let tracking = try HeadTracking.read(from: try context.input("tracking"))
        let frames = try FrameSet.open(try context.input("frames"))
        let landmarkSet = try FaceLandmarkSet.read(from: try context.input("landmarks"))
        let manifest = frames.manifest
        guard let calibrations = manifest.calibrations else {
            throw FaceTrackingError(
                "\(frames.directory.path): the frames carry no camera calibrations; the refinement renders the head from known cameras (a capture with cameras.json)"
            )
        }
        guard tracking.frames.count == manifest.frameCount, landmarkSet.frames.count == manifest.frameCount else {
            throw FaceTrackingError(
                "the tracking has \(tracking.frames.count) frames, the landmarks \(landmarkSet.frames.count) and the frames \(manifest.frameCount); connect the tracking, landmarks and frames of the same decode"
            )
        }
        for id in tracking.cameras where !manifest.cameras.contains(id) {
            throw FaceTrackingError(
                "the tracking names camera '\(id)', which the frames do not have (\(manifest.cameras.joined(separator: ", "))); connect the frames the tracking was fitted to"
            )
        }
        if manifest.channels < 4 && parameters.silhouetteWeight > 0 {
            context.warn("the frames have no alpha channel, so the matte is taken as everywhere: connect matted frames (matting.*) for the silhouette term")
        }
        let model = parameters.model.isEmpty ? ProceduralHeadBuilder.build() : try HeadModelFormat.read(from: context.resolvePath(parameters.model))
        guard tracking.identity.count <= model.identityCount else {
            throw FaceTrackingError(
                "the tracking has \(tracking.identity.count) identity coefficients but the head model '\(model.name)' \(model.identityCount); set `model` to the head model the tracking was fitted with"
            )
        }
        let cameras = try calibrations.map { try $0.pinholeCamera() }
        var landmarkColumn: [Int?] = manifest.cameras.map { landmarkSet.cameras.firstIndex(of: $0) }
        if landmarkColumn.allSatisfy({ $0 == nil }) {
            context.warn("the landmarks name none of the frames' cameras; refining without the landmark term")
            landmarkColumn = manifest.cameras.map { _ in nil }
        }
        let landmarks: [[LandmarkView?]] = landmarkSet.frames.map { frame in
            landmarkColumn.map { column in
                column.flatMap { frame[$0] }.map { LandmarkView(points: $0.points.map { SIMD2($0[0], $0[1]) }, confidence: $0.confidence) }
            }
        }
        let views = try (0..<manifest.frameCount).map { f in
            try manifest.cameras.map { camera in Self.mattedView(try frames.image(frame: f, camera: camera)) }
        }

        var settings = PhotometricRefiner.Settings()
        settings.iterations = parameters.iterations
        settings.photometricWeight = Float(parameters.photometricWeight)
        settings.silhouetteWeight = Float(parameters.silhouetteWeight)
        settings.landmarkWeight = Float(parameters.landmarkWeight)
        settings.huberPixels = Float(parameters.huberPixels)
        settings.expressionPrior = Float(parameters.expressionPrior)
        settings.jawPrior = Float(parameters.jawPrior)
        settings.temporalSmoothness = Float(parameters.temporalSmoothness)
        settings.refineNeck = parameters.refineNeck
        settings.refineJaw = parameters.refineJaw
        settings.refineExpression = parameters.refineExpression
        settings.rootMotion =
            switch parameters.rootMotion {
            case .fixed: .fixed
            case .translation: .sharedTranslation
            case .shared: .shared
            case .perFrame: .perFrame
            }
        settings.rotationStep = Float(parameters.rotationStep)
        settings.translationStep = Float(parameters.translationStep)
        settings.expressionStep = Float(parameters.expressionStep)
        settings.albedoStep = Float(parameters.albedoStep)
        settings.expressionBounds = parameters.expressionRange == .unit ? 0...1.5 : nil
        let refiner = try PhotometricRefiner(model: model, tracking: tracking, settings: settings)

        let skipped = tracking.frames.indices.filter { tracking.frames[$0].observedViews == 0 }
        if !skipped.isEmpty {
            context.warn(
                "\(skipped.count) of \(tracking.frames.count) frames were not fitted (no landmarks: \(FrameList.describe(skipped))); they are copied unrefined")
        }
        let start = Date()
        let result = try refiner.refine(tracking: tracking, views: views, landmarks: landmarks, cameras: cameras) { done, total in
            context.reportProgress(completed: done, total: total, unit: "iterations")
        }
        let seconds = Date().timeIntervalSince(start)
        let refinedCount = tracking.frames.count - skipped.count
        context.log(
            String(
                format: "refined %d frames × %d cameras, %d iterations in %.1f s (%.2f s per frame)", refinedCount, cameras.count,
                parameters.iterations, seconds, seconds / Double(max(1, refinedCount))))
        for (name, before, after) in [
            ("photometric", result.before.photometric, result.after.photometric), ("silhouette", result.before.silhouette, result.after.silhouette),
            ("landmark (weighted px²)", result.before.landmarkPixels, result.after.landmarkPixels),
        ] {
            context.log("\(name) cost " + String(format: "%.4g → %.4g", before, after))
        }
        let residuals = result.tracking.frames.compactMap(\.meanResidualPixels)
        context.log(String(format: "mean landmark reprojection error %.2f px", residuals.reduce(0, +) / Double(max(1, residuals.count))))
        try result.tracking.write(to: try context.output("tracking"))
    }

    /// Colours in [0, 1] and the matte of a stored frame (alpha 1 everywhere for RGB frames).
    static func mattedView(_ image: Image8) -> MattedView {
        let pixels = image.width * image.height, channels = image.channels
        var colour = [Float](repeating: 0, count: 3 * pixels), matte = [Float](repeating: 1, count: pixels)
        for p in 0..<pixels {
            for c in 0..<3 { colour[3 * p + c] = Float(image.samples[p * channels + min(c, channels - 1)]) / 255 }
            if channels >= 4 { matte[p] = Float(image.samples[p * channels + 3]) / 255 }
        }
        return MattedView(colour: colour, matte: matte)
    }
}
