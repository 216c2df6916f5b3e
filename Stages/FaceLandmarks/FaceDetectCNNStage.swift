import AvatarFlow
import FaceAnalysis
import Foundation
import MediaIO

/// `face.detect-cnn`: face boxes in every frame of every camera with dlib's CNN face detector
/// (MMOD, `mmod_human_face_detector.dat`), read and run by FaceAnalysis on Tensors and equal to
/// dlib's C++ `net(image)` (same boxes on dlib's example photographs). Same ports as
/// `face.detect-haar`, so a pipeline swaps one for the other. Far more robust to pose and
/// lighting than a frontal Haar cascade; never falls back to a matte.
public struct FaceDetectCNNStage: Stage {
    /// Parameters of `face.detect-cnn`.
    public struct Parameters: StageParameters {
        @Param(path: "dlib MMOD detector file (default: mmod_human_face_detector.dat as scripts/setup.sh installs it).")
        public var model: String = DlibModelFiles.mmodFaceDetector.path
        @Param("Score a window needs (dlib's adjust_threshold; 0 = dlib's default, lower finds more faces).", range: -10...10)
        public var threshold: Double = 0
        @Param("Double the frames this many times before detecting (faces under ~80 px need 1; each costs 4× the time).", range: 0...3)
        public var upsample: Int = 0

        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "face.detect-cnn"
    public static let version = 1
    public static let summary = "Detect faces with dlib's CNN (MMOD) face detector, run on Tensors (boxes per frame per camera)."
    /// The frames to search.
    public static let inputs = [StagePort("frames", .frameSet, doc: "Frames to search (decoded frames, not matted ones).")]
    /// The boxes.
    public static let outputs = [StagePort("boxes", .boxes, doc: "boxes.json: face boxes per frame per camera (source cnn).")]

    public init() {}

    /// Detects faces in every frame and camera, one image at a time (the network itself runs in parallel).
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let frameSet = try FrameSet.open(try context.input("frames"))
        let modelURL = context.resolvePath(parameters.model)
        let detector = try MMODFaceDetector.cached(contentsOf: modelURL)
        let cameras = frameSet.manifest.cameras
        let frameCount = frameSet.manifest.frameCount
        let jobs = frameCount * cameras.count
        var boxes: [[FaceBoxSet.Box]] = []
        for job in 0..<jobs {
            let frame = job / cameras.count, camera = cameras[job % cameras.count]
            let image = try frameSet.image(frame: frame, camera: camera)
            let faces = try detector.detect(
                rgb: image.samples, width: image.width, height: image.height, channels: image.channels, threshold: parameters.threshold,
                upsample: parameters.upsample)
            boxes.append(faces.map { FaceBoxSet.Box($0.rectangle, source: "cnn") })
            context.advanceProgress(total: jobs, unit: "images")
        }
        let perFrame = (0..<frameCount).map { frame in Array(boxes[(frame * cameras.count)..<((frame + 1) * cameras.count)]) }
        let empty = boxes.filter(\.isEmpty).count
        if empty > 0 { context.warn("no face found in \(empty) of \(jobs) images") }
        try FaceBoxSet(cameras: cameras, imageWidth: frameSet.manifest.width, imageHeight: frameSet.manifest.height, frames: perFrame)
            .write(to: try context.output("boxes"))
        context.log("detected \(boxes.joined().count) boxes in \(jobs) images with \(modelURL.path)")
    }
}
