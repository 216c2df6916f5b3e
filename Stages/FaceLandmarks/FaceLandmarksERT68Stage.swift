import AvatarFlow
import FaceAnalysis
import Foundation
import MediaIO

/// `face.landmarks-ert68`: 68 iBUG landmarks per frame per camera with dlib's regression-tree
/// model (equal to dlib's C++ `shape_predictor` on the same box). Boxes from the Haar detector
/// are first mapped to dlib's box convention with the measured calibration
/// (docs/face-landmarks.md); the largest box of each image is used.
public struct FaceLandmarksERT68Stage: Stage {
    /// Parameters of `face.landmarks-ert68`.
    public struct Parameters: StageParameters {
        /// The dlib shape_predictor file.
        public var model: String
        /// Haar→dlib box scale.
        public var haarScale: Double
        /// Haar→dlib horizontal centre shift (fraction of the box width).
        public var haarOffsetX: Double
        /// Haar→dlib vertical centre shift (fraction of the box height).
        public var haarOffsetY: Double

        enum CodingKeys: String, CodingKey {
            case model
            case haarScale = "haar_scale"
            case haarOffsetX = "haar_offset_x"
            case haarOffsetY = "haar_offset_y"
        }

        /// The schema.
        public static let fields: [ParameterField] = [
            .path(
                "model", ShapePredictor.defaultModelPath,
                doc: "dlib shape_predictor file (default: Debian libdlib-data's 68-point model; non-commercial licence)."),
            .double(
                "haar_scale", FaceBoxCalibration.haarToDlib.scale, range: 0.3...3,
                doc: "Side of the dlib-convention box / side of a Haar box (measured: 0.906)."),
            .double(
                "haar_offset_x", FaceBoxCalibration.haarToDlib.offsetX, range: -1...1,
                doc: "Horizontal centre shift of a Haar box, in box widths (measured: 0.0)."),
            .double(
                "haar_offset_y", FaceBoxCalibration.haarToDlib.offsetY, range: -1...1,
                doc: "Vertical centre shift of a Haar box, in box heights, down positive (measured: 0.080)."),
        ]
    }

    /// The stage id.
    public static let id = "face.landmarks-ert68"
    /// Output-format version.
    public static let version = 1
    /// One line.
    public static let summary = "68 face landmarks per frame per camera with dlib's regression-tree model (Kazemi & Sullivan 2014)."
    /// Frames and boxes.
    public static let inputs = [
        StagePort("frames", .frameSet, doc: "The frames the boxes were found in."),
        StagePort("boxes", .boxes, doc: "Face boxes per frame per camera (face.detect-haar)."),
    ]
    /// The landmarks.
    public static let outputs = [StagePort("landmarks", .landmarks, doc: "landmarks.json: 68 points per frame per camera (null where no box).")]

    /// Creates the stage.
    public init() {}

    /// Predicts landmarks for the largest box of every image, in parallel over images.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let frameSet = try FrameSet.open(try context.input("frames"))
        let boxes = try FaceBoxSet.read(from: try context.input("boxes"))
        let manifest = frameSet.manifest
        guard boxes.cameras == manifest.cameras, boxes.frames.count == manifest.frameCount,
            boxes.imageSize == [manifest.width, manifest.height]
        else {
            throw FaceStageError(
                stage: Self.id,
                "the boxes (\(boxes.frames.count) frames, cameras \(boxes.cameras), size \(boxes.imageSize)) do not belong to the frames (\(manifest.frameCount) frames, cameras \(manifest.cameras), size \([manifest.width, manifest.height])); connect boxes detected on the same frames"
            )
        }
        let modelURL = context.resolvePath(parameters.model)
        let model = try ShapePredictor.cached(contentsOf: modelURL)
        guard model.landmarkCount == 68 else {
            throw FaceStageError(stage: Self.id, "\(modelURL.path) predicts \(model.landmarkCount) landmarks; this stage needs a 68-point (iBUG) model")
        }
        let calibration = FaceBoxCalibration(scale: parameters.haarScale, offsetX: parameters.haarOffsetX, offsetY: parameters.haarOffsetY)
        let cameras = manifest.cameras
        let jobs = manifest.frameCount * cameras.count
        let detections = try parallelMap(jobs) { job throws -> FaceLandmarkSet.Detection? in
            let frame = job / cameras.count, cameraIndex = job % cameras.count
            defer { context.advanceProgress(total: jobs, unit: "images") }
            guard let chosen = boxes.frames[frame][cameraIndex].max(by: { $0.rectangle.area < $1.rectangle.area }) else { return nil }
            let box = chosen.source == "haar" ? calibration.apply(chosen.rectangle) : chosen.rectangle
            let image = try frameSet.image(frame: frame, camera: cameras[cameraIndex])
            let points = model.landmarks(in: FrameImageConversion.grey(image, conversion: .dlibMean), box: box)
            return FaceLandmarkSet.Detection(
                points: points.map { [$0.x, $0.y] }, confidence: Array(repeating: 1, count: points.count),
                box: [Double(box.x), Double(box.y), Double(box.width), Double(box.height)])
        }
        let missing = detections.filter { $0 == nil }.count
        if missing > 0 { context.warn("\(missing) of \(jobs) images have no face box; their landmarks are null") }
        let perFrame = (0..<manifest.frameCount).map { frame in Array(detections[(frame * cameras.count)..<((frame + 1) * cameras.count)]) }
        try FaceLandmarkSet(cameras: cameras, frames: perFrame).write(to: try context.output("landmarks"))
        context.log("predicted landmarks in \(jobs - missing) of \(jobs) images with \(modelURL.path)")
    }
}
