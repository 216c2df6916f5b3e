import AvatarFlow
import FaceAnalysis
import Foundation
import MediaIO

/// `face.detect-haar`: face boxes in every frame of every camera with an OpenCV Haar cascade,
/// equal to `cv2.CascadeClassifier.detectMultiScale` on the same grey image. Only when asked
/// (`matte_fallback: true`, for plate captures whose matte holds just the subject) does an image
/// without a face get the top square of its alpha matte instead (with a warning).
public struct FaceDetectHaarStage: Stage {
    /// Parameters of `face.detect-haar`.
    public struct Parameters: StageParameters {
        @Param(path: "OpenCV Haar cascade XML (default: Debian opencv-data's frontal-face cascade).")
        public var cascade: String = HaarCascade.defaultFrontalFacePath
        @Param("Ratio between successive detection scales (OpenCV scaleFactor).", range: 1.01...2)
        public var scaleFactor: Double = 1.1
        @Param("A box needs more than this many overlapping raw hits (OpenCV minNeighbors).", range: 0...100)
        public var minNeighbors: Int = 3
        @Param("Smallest face side in pixels; 0 = the cascade's window (24 px).", range: 0...100_000)
        public var minSize: Int = 0
        @Param("Opt-in for plate captures: when no face is found and the frames have alpha, use the top square of the matte (warns).")
        public var matteFallback: Bool = false

        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "face.detect-haar"
    public static let version = 2
    public static let summary = "Detect faces with an OpenCV Haar cascade (boxes per frame per camera; opt-in matte fallback)."
    /// The frames to search.
    public static let inputs = [StagePort("frames", .frameSet, doc: "Frames to search (RGBA frames enable the matte fallback).")]
    /// The boxes.
    public static let outputs = [StagePort("boxes", .boxes, doc: "boxes.json: face boxes per frame per camera.")]

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
