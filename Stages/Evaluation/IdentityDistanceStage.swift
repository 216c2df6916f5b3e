import AvatarFlow
import FaceAnalysis
import Foundation
import MediaIO

/// `eval.identity`: identity distance between rendered and reference faces with dlib's ResNet
/// face descriptor (`FaceDescriptor`, equal to dlib's C++ on the same chip): per frame and camera
/// the Euclidean distance of the two 128-D descriptors (GPHM's FD; dlib calls two faces the same
/// person below 0.6), the mean per camera and overall, and the share of pairs below 0.6, written
/// as `metrics.json` and `metrics.md` like `eval.images`. Landmarks come from the optional
/// Landmarks inputs, else from dlib's CNN detector + 68-point model on each image.
public struct IdentityDistanceStage: Stage {
    /// Parameters of `eval.identity`.
    public struct Parameters: StageParameters {
        @Param("Cameras to score; empty = all cameras present in both FrameSets (with reference_frame ≥ 0: all rendered cameras).")
        public var cameras: [String] = []
        @Param(
            "source_index: rendered frame i is compared with reference frame source_frame_indices[i] (render.reenact writes the driving frame); sequential: with reference_first_frame + i. Ignored when reference_frame ≥ 0."
        )
        public var alignment: ImageMetricsStage.Parameters.Alignment = .sourceIndex
        @Param("With sequential alignment, the reference frame of the first rendered frame.", range: 0...10_000_000)
        public var referenceFirstFrame: Int = 0
        @Param(
            "≥ 0: compare every rendered frame with this one reference frame (a single photograph, e.g. the image an avatar was fitted to); −1: pair frames by alignment.",
            range: -1...10_000_000)
        public var referenceFrame: Int = -1
        @Param("With reference_frame ≥ 0, the reference camera to use; empty = the rendered frame's own camera.")
        public var referenceCamera: String = ""
        @Param("Without landmarks: double the images this many times before detecting faces (faces under ~80 px need 1; each costs 4× the time).", range: 0...3)
        public var upsample: Int = 1
        @Param(path: "dlib ResNet face descriptor (default: dlib_face_recognition_resnet_model_v1.dat as scripts/setup.sh installs it).")
        public var descriptorModel: String = DlibModelFiles.resnetFaceDescriptor.path
        @Param(path: "Without landmarks: dlib MMOD face detector file (default: as scripts/setup.sh installs it).")
        public var detectorModel: String = DlibModelFiles.mmodFaceDetector.path
        @Param(path: "Without landmarks: dlib 68-point shape_predictor file (default: Debian libdlib-data's model).")
        public var landmarkModel: String = ShapePredictor.defaultModelPath

        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "eval.identity"
    public static let version = 1
    public static let summary =
        "Identity distance (dlib ResNet face descriptor, < 0.6 = same person) of rendered vs reference faces, per frame, camera and overall."
    public static let inputs = [
        StagePort("rendered", .frameSet, doc: "Rendered frames."),
        StagePort("reference", .frameSet, doc: "Reference frames (or one photograph as a one-frame FrameSet with reference_frame: 0)."),
        StagePort(
            "rendered_landmarks", .landmarks, optional: true, doc: "68 landmarks of the rendered frames; without it faces are detected (CNN + ERT68)."),
        StagePort(
            "reference_landmarks", .landmarks, optional: true, doc: "68 landmarks of the reference frames; without it faces are detected (CNN + ERT68)."),
    ]
    public static let outputs = [StagePort("report", .report, doc: "metrics.json (per-frame distances, means), metrics.md.")]

    public init() {}

    /// Describes the face of every (rendered, reference) pair and writes the report.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let rendered = try FrameSet.open(try context.input("rendered"))
        let reference = try FrameSet.open(try context.input("reference"))
        let renderedLandmarks = try context.optionalInput("rendered_landmarks").map { try FaceLandmarkSet.read(from: $0) }
        let referenceLandmarks = try context.optionalInput("reference_landmarks").map { try FaceLandmarkSet.read(from: $0) }
        try Self.check(renderedLandmarks, belongsTo: rendered, name: "rendered")
        try Self.check(referenceLandmarks, belongsTo: reference, name: "reference")
        let single = parameters.referenceFrame >= 0
        let cameras = try Self.cameras(parameters, rendered: rendered, reference: reference)
        let pairs = try Self.pairs(parameters, rendered: rendered, reference: reference)
        let descriptor = try FaceDescriptor.cached(contentsOf: context.resolvePath(parameters.descriptorModel))
        var finder: LargestFaceLandmarks?
        func locate(_ image: Image8) throws -> [SIMD2<Double>]? {
            if finder == nil {
                finder = try LargestFaceLandmarks(
                    detector: try MMODFaceDetector.cached(contentsOf: context.resolvePath(parameters.detectorModel)),
                    predictor: try ShapePredictor.cached(contentsOf: context.resolvePath(parameters.landmarkModel)), upsample: parameters.upsample)
            }
            return try finder!.landmarks(in: image)
        }
        /// The descriptor of one image's face, or why there is none.
        func describe(_ frames: FrameSet, _ landmarks: FaceLandmarkSet?, frame: Int, camera: String) throws -> Result<[Float], FaceDescriptorError> {
            let image = try frames.image(frame: frame, camera: camera)
            let points: [SIMD2<Double>]?
            if let landmarks {
                let index = landmarks.cameras.firstIndex(of: camera)!
                points = landmarks.frames[frame][index]?.points.map { SIMD2($0[0], $0[1]) }
                if points == nil { return .failure(FaceDescriptorError(landmarks.untrackedReason(frame: frame, camera: index) ?? "no landmarks")) }
            } else {
                points = try locate(image)
                if points == nil { return .failure(FaceDescriptorError("no face detected")) }
            }
            return .success(try descriptor.describe(image: image, landmarks: points!))
        }
        var referenceCache: [String: Result<[Float], FaceDescriptorError>] = [:]
        var report = IdentityReport(frames: pairs.count, cameras: cameras, referenceFrame: single ? parameters.referenceFrame : nil)
        var done = 0
        for camera in cameras {
            let referenceCamera = single && !parameters.referenceCamera.isEmpty ? parameters.referenceCamera : camera
            var distances: [Double?] = []
            for (renderedFrame, referenceFrame) in pairs {
                let key = "\(referenceFrame)/\(referenceCamera)"
                let target: Result<[Float], FaceDescriptorError>
                if let known = referenceCache[key] {
                    target = known
                } else {
                    target = try describe(reference, referenceLandmarks, frame: referenceFrame, camera: referenceCamera)
                    referenceCache[key] = target
                }
                let ours = try describe(rendered, renderedLandmarks, frame: renderedFrame, camera: camera)
                switch (ours, target) {
                case (.success(let a), .success(let b)):
                    distances.append(try FaceDescriptor.distance(a, b))
                case (.failure(let error), _):
                    distances.append(nil)
                    report.missing.append(.init(camera: camera, frame: renderedFrame, side: "rendered", reason: error.message))
                case (_, .failure(let error)):
                    distances.append(nil)
                    report.missing.append(.init(camera: camera, frame: referenceFrame, side: "reference", reason: error.message))
                }
                done += 1
                context.reportProgress(completed: done, total: pairs.count * cameras.count, unit: "faces")
            }
            report.perFrame[camera] = distances
            report.perCamera[camera] = IdentityReport.Summary(distances)
        }
        report.overall = IdentityReport.Summary(cameras.flatMap { report.perFrame[$0]! })
        guard report.overall.scoredPairs > 0 else {
            throw EvaluationError(
                "no pair of faces could be compared (first problem: \(report.missing.first.map { "\($0.side) frame \($0.frame) camera \($0.camera): \($0.reason)" } ?? "none")); connect landmarks inputs, or raise `upsample` for small faces"
            )
        }
        if !report.missing.isEmpty {
            context.warn(
                "\(report.missing.count) of \(pairs.count * cameras.count) pairs have no face on one side (e.g. \(report.missing[0].side) frame \(report.missing[0].frame) camera \(report.missing[0].camera): \(report.missing[0].reason)); they are left out of the means"
            )
        }
        try report.write(to: try context.output("report"))
        context.log(report.markdown)
    }

    /// Cameras to score: the requested ones, else those of both FrameSets (with a single
    /// reference frame, every rendered camera).
    static func cameras(_ parameters: Parameters, rendered: FrameSet, reference: FrameSet) throws -> [String] {
        let single = parameters.referenceFrame >= 0
        if single, !parameters.referenceCamera.isEmpty, !reference.manifest.cameras.contains(parameters.referenceCamera) {
            throw EvaluationError(
                "reference_camera '\(parameters.referenceCamera)' is not in the reference (cameras: \(reference.manifest.cameras.joined(separator: ", "))); fix reference_camera"
            )
        }
        let available =
            single && !parameters.referenceCamera.isEmpty
            ? rendered.manifest.cameras : rendered.manifest.cameras.filter { reference.manifest.cameras.contains($0) }
        let cameras = parameters.cameras.isEmpty ? available : parameters.cameras
        guard !cameras.isEmpty else {
            throw EvaluationError(
                "the rendered frames (\(rendered.manifest.cameras.joined(separator: ", "))) and the reference (\(reference.manifest.cameras.joined(separator: ", "))) share no camera; list cameras, or use reference_frame and reference_camera to compare with one photograph"
            )
        }
        for camera in cameras where !available.contains(camera) {
            throw EvaluationError("camera '\(camera)' cannot be scored (available: \(available.joined(separator: ", "))); fix `cameras`")
        }
        return cameras
    }

    /// (rendered frame, reference frame) pairs.
    static func pairs(_ parameters: Parameters, rendered: FrameSet, reference: FrameSet) throws -> [(Int, Int)] {
        let pairs: [(Int, Int)]
        if parameters.referenceFrame >= 0 {
            pairs = (0..<rendered.manifest.frameCount).map { ($0, parameters.referenceFrame) }
        } else if parameters.alignment == .sourceIndex {
            pairs = rendered.manifest.sourceFrameIndices.enumerated().map { ($0.offset, $0.element) }
        } else {
            pairs = (0..<rendered.manifest.frameCount).map { ($0, $0 + parameters.referenceFirstFrame) }
        }
        if let outside = pairs.first(where: { !(0..<reference.manifest.frameCount).contains($0.1) }) {
            throw EvaluationError(
                "rendered frame \(outside.0) maps to reference frame \(outside.1), but the reference has \(reference.manifest.frameCount) frames; fix reference_frame, or render frames of the reference sequence / use sequential alignment"
            )
        }
        return pairs
    }

    /// Landmarks must describe the FrameSet they come with.
    static func check(_ landmarks: FaceLandmarkSet?, belongsTo frames: FrameSet, name: String) throws {
        guard let landmarks else { return }
        guard landmarks.frames.count == frames.manifest.frameCount, frames.manifest.cameras.allSatisfy(landmarks.cameras.contains) else {
            throw EvaluationError(
                "the \(name) landmarks (\(landmarks.frames.count) frames, cameras \(landmarks.cameras.joined(separator: ", "))) do not belong to the \(name) frames (\(frames.manifest.frameCount) frames, cameras \(frames.manifest.cameras.joined(separator: ", "))); connect landmarks of the same FrameSet"
            )
        }
    }
}

/// The `eval.identity` report (`metrics.json`, `metrics.md`).
struct IdentityReport: Codable {
    /// Means over the pairs where both faces were found.
    struct Summary: Codable {
        /// Mean descriptor distance (nil when no pair was scored).
        var identityDistance: Double?
        /// Share of scored pairs below dlib's 0.6 threshold.
        var sameIdentityRate: Double?
        /// Pairs with both faces described.
        var scoredPairs: Int
        /// Pairs with a face missing on one side.
        var missingPairs: Int

        init(_ distances: [Double?]) {
            let scored = distances.compactMap { $0 }
            scoredPairs = scored.count
            missingPairs = distances.count - scored.count
            identityDistance = scored.isEmpty ? nil : scored.reduce(0, +) / Double(scored.count)
            sameIdentityRate =
                scored.isEmpty ? nil : Double(scored.filter { $0 < FaceDescriptor.sameIdentityThreshold }.count) / Double(scored.count)
        }

        enum CodingKeys: String, CodingKey {
            case identityDistance = "identity_distance"
            case sameIdentityRate = "same_identity_rate"
            case scoredPairs = "scored_pairs"
            case missingPairs = "missing_pairs"
        }
    }

    /// A pair left out: which side had no face and why.
    struct Missing: Codable {
        var camera: String
        var frame: Int
        var side: String
        var reason: String
    }

    var frames: Int
    var cameras: [String]
    /// The one reference frame every rendered frame was compared with, if any.
    var referenceFrame: Int?
    var threshold = FaceDescriptor.sameIdentityThreshold
    var overall = Summary([])
    var perCamera: [String: Summary] = [:]
    /// Distance per rendered frame (null where a face is missing), per camera.
    var perFrame: [String: [Double?]] = [:]
    var missing: [Missing] = []

    init(frames: Int, cameras: [String], referenceFrame: Int?) {
        self.frames = frames
        self.cameras = cameras
        self.referenceFrame = referenceFrame
    }

    enum CodingKeys: String, CodingKey {
        case frames, cameras, threshold, overall, missing
        case referenceFrame = "reference_frame"
        case perCamera = "per_camera"
        case perFrame = "per_frame"
    }

    var markdown: String {
        func cell(_ value: Double?, _ format: String) -> String { value.map { String(format: format, $0) } ?? "–" }
        var lines = ["| camera | identity distance | same identity (< 0.6) | scored | missing |", "|---|---|---|---|---|"]
        for (name, s) in cameras.map({ ($0, perCamera[$0]!) }) + [("overall", overall)] {
            lines.append(
                "| \(name) | \(cell(s.identityDistance, "%.4f")) | \(cell(s.sameIdentityRate.map { $0 * 100 }, "%.1f %%")) | \(s.scoredPairs) | \(s.missingPairs) |"
            )
        }
        return lines.joined(separator: "\n")
            + "\n\nDistance between dlib ResNet face descriptors (128-D); dlib calls two faces the same person below 0.6. \(frames) frames per camera.\n"
    }

    func write(to directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: directory.appendingPathComponent("metrics.json"), options: .atomic)
        try Data(markdown.utf8).write(to: directory.appendingPathComponent("metrics.md"), options: .atomic)
    }
}
