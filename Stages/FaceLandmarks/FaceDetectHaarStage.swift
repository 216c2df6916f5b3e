import AvatarFlow
import FaceAnalysis
import Foundation
import MediaIO

/// `face.detect-haar`: face boxes in every frame of every camera with an OpenCV Haar cascade,
/// equal to `cv2.CascadeClassifier.detectMultiScale` on the same grey image. When no face is
/// found and the frames carry an alpha matte, a box from the matte is used instead (with a warning).
public struct FaceDetectHaarStage: Stage {
    /// Parameters of `face.detect-haar`.
    public struct Parameters: StageParameters {
        /// The cascade XML file (OpenCV 3/4 format, Haar features).
        public var cascade: String
        /// Ratio between pyramid scales.
        public var scaleFactor: Double
        /// Raw hits a box needs (more than this many) to be kept.
        public var minNeighbors: Int
        /// Smallest face side considered, in pixels (0 = the cascade window).
        public var minSize: Int
        /// Use the alpha matte's head box when the cascade finds nothing.
        public var matteFallback: Bool

        enum CodingKeys: String, CodingKey {
            case cascade
            case scaleFactor = "scale_factor"
            case minNeighbors = "min_neighbors"
            case minSize = "min_size"
            case matteFallback = "matte_fallback"
        }

        /// The schema.
        public static let fields: [ParameterField] = [
            .path(
                "cascade", HaarCascade.defaultFrontalFacePath,
                doc: "OpenCV Haar cascade XML (default: Debian opencv-data's frontal-face cascade)."),
            .double("scale_factor", 1.1, range: 1.01...2, doc: "Ratio between successive detection scales (OpenCV scaleFactor)."),
            .int("min_neighbors", 3, range: 0...100, doc: "A box needs more than this many overlapping raw hits (OpenCV minNeighbors)."),
            .int("min_size", 0, range: 0...100_000, doc: "Smallest face side in pixels; 0 = the cascade's window (24 px)."),
            .bool("matte_fallback", true, doc: "When no face is found and the frames have alpha, use the top square of the matte (warns)."),
        ]
    }

    /// The stage id.
    public static let id = "face.detect-haar"
    /// Output-format version.
    public static let version = 1
    /// One line.
    public static let summary = "Detect faces with an OpenCV Haar cascade (boxes per frame per camera; matte fallback)."
    /// The frames to search.
    public static let inputs = [StagePort("frames", .frameSet, doc: "Frames to search (RGBA frames enable the matte fallback).")]
    /// The boxes.
    public static let outputs = [StagePort("boxes", .boxes, doc: "boxes.json: face boxes per frame per camera.")]

    /// Creates the stage.
    public init() {}

    /// Detects faces in every frame and camera, in parallel over frames.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let frameSet = try FrameSet.open(try context.input("frames"))
        let cascadeURL = context.resolvePath(parameters.cascade)
        let detector = HaarCascadeDetector(cascade: try HaarCascade(contentsOf: cascadeURL))
        let options = HaarDetectionOptions(
            scaleFactor: parameters.scaleFactor, minNeighbors: parameters.minNeighbors,
            minWidth: parameters.minSize, minHeight: parameters.minSize)
        try options.validate()
        let cameras = frameSet.manifest.cameras
        let frameCount = frameSet.manifest.frameCount
        let jobs = frameCount * cameras.count
        let boxes = try parallelMap(jobs) { job throws -> [FaceBoxSet.Box] in
            let frame = job / cameras.count, camera = cameras[job % cameras.count]
            defer { context.advanceProgress(total: jobs, unit: "images") }
            let image = try frameSet.image(frame: frame, camera: camera)
            let faces = try detector.detect(FrameImageConversion.grey(image, conversion: .openCVLuma), options: options)
            if !faces.isEmpty { return faces.map { FaceBoxSet.Box($0, source: "haar") } }
            guard parameters.matteFallback, let alpha = FrameImageConversion.alpha(image), let box = MatteFaceBox.box(alpha: alpha) else {
                return []
            }
            return [FaceBoxSet.Box(box, source: "matte")]
        }
        let perFrame = (0..<frameCount).map { frame in Array(boxes[(frame * cameras.count)..<((frame + 1) * cameras.count)]) }
        let fallbacks = (0..<jobs).filter { boxes[$0].first?.source == "matte" }
        if !fallbacks.isEmpty {
            let examples = fallbacks.prefix(5).map { "frame \($0 / cameras.count) of \(cameras[$0 % cameras.count])" }.joined(separator: ", ")
            context.warn(
                "the cascade found no face in \(fallbacks.count) of \(jobs) images (\(examples)\(fallbacks.count > 5 ? ", …" : "")); used the top square of their alpha matte instead"
            )
        }
        let empty = boxes.filter(\.isEmpty).count
        if empty > 0 { context.warn("\(empty) of \(jobs) images have no face box (no face found and no alpha matte to fall back on)") }
        try FaceBoxSet(cameras: cameras, imageWidth: frameSet.manifest.width, imageHeight: frameSet.manifest.height, frames: perFrame)
            .write(to: try context.output("boxes"))
        context.log("detected \(boxes.joined().count) boxes in \(jobs) images with \(cascadeURL.path)")
    }
}
