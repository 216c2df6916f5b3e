import AvatarFlow
import FaceAnalysis
import Foundation
import MediaIO

/// `face.landmarks-ert68`: 68 iBUG landmarks per frame per camera with dlib's regression-tree
/// model (equal to dlib's C++ `shape_predictor` on the same box). Boxes from the Haar detector
/// are first mapped to dlib's box convention with the measured calibration
/// (docs/face-landmarks.md). By default each camera's frames are tracked (`FaceTracker`): one
/// subject followed by size then overlap, gaps filled from the previous frame's landmarks, shot
/// cuts restart the track, and untrustworthy frames are left null with their reason; with
/// `track: false` the largest box of each image is used independently.
public struct FaceLandmarksERT68Stage: Stage {
    /// Parameters of `face.landmarks-ert68`.
    public struct Parameters: StageParameters {
        @Param(path: "dlib shape_predictor file (default: Debian libdlib-data's 68-point model; non-commercial licence).")
        public var model: String = ShapePredictor.defaultModelPath
        @Param("Side of the dlib-convention box / side of a Haar box (measured: 0.906).", range: 0.3...3)
        public var haarScale: Double = FaceBoxCalibration.haarToDlib.scale
        @Param("Horizontal centre shift of a Haar box, in box widths (measured: 0.0).", range: -1...1)
        public var haarOffsetX: Double = FaceBoxCalibration.haarToDlib.offsetX
        @Param("Vertical centre shift of a Haar box, in box heights, down positive (measured: 0.080).", range: -1...1)
        public var haarOffsetY: Double = FaceBoxCalibration.haarToDlib.offsetY
        @Param("Follow one subject through each camera's frames (detect-then-track); false = largest box per image.")
        public var track: Bool = true
        @Param("IoU a detection needs with the previous frame's box to be the same face (also the trust test of propagated boxes).", range: 0.05...0.95)
        public var minimumOverlap: Double = 0.3
        @Param("Most consecutive frames whose box comes from the previous frame's landmarks.", range: 0...1000)
        public var maximumPropagatedFrames: Int = 10
        @Param("Grey-histogram distance (total variation, 0–1) between consecutive frames that marks a shot cut.", range: 0.01...1)
        public var cutThreshold: Double = 0.5

        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "face.landmarks-ert68"
    public static let version = 2
    public static let summary = "68 face landmarks per frame per camera with dlib's regression-tree model (Kazemi & Sullivan 2014)."
    /// Frames and boxes.
    public static let inputs = [
        StagePort("frames", .frameSet, doc: "The frames the boxes were found in."),
        StagePort("boxes", .boxes, doc: "Face boxes per frame per camera (face.detect-haar)."),
    ]
    /// The landmarks.
    public static let outputs = [StagePort("landmarks", .landmarks, doc: "landmarks.json: 68 points per frame per camera (null where no box).")]

    public init() {}

    /// Tracks each camera's frames (in parallel over cameras), or takes the largest box of every image.
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
        let haar = FaceBoxCalibration(scale: parameters.haarScale, offsetX: parameters.haarOffsetX, offsetY: parameters.haarOffsetY)
        func landmarkBox(_ box: FaceBoxSet.Box) -> FaceRectangle {
            switch box.source {
            case "haar": haar.apply(box.rectangle)
            case "cnn": FaceBoxCalibration.cnnToDlib.apply(box.rectangle)
            default: box.rectangle
            }
        }
        let cameras = manifest.cameras
        let frameCount = manifest.frameCount
        let jobs = frameCount * cameras.count
        func predict(frame: Int, camera: Int, box: FaceRectangle) throws -> [SIMD2<Double>] {
            model.landmarks(in: FrameImageConversion.grey(try frameSet.image(frame: frame, camera: cameras[camera]), conversion: .dlibMean), box: box)
        }
        let tracker = FaceTracker(
            options: FaceTracker.Options(
                minimumOverlap: parameters.minimumOverlap, maximumPropagatedFrames: parameters.maximumPropagatedFrames,
                cutThreshold: parameters.cutThreshold))
        // outcomes[camera][frame]
        let outcomes: [[FaceTracker.Outcome]]
        if parameters.track {
            let tracks = try parallelMap(cameras.count) { camera throws -> FaceTracker.Track in
                try tracker.track(
                    frameCount: frameCount, detections: { frame in boxes.frames[frame][camera].map(landmarkBox) },
                    histogram: { frame in
                        defer { context.advanceProgress(total: jobs, unit: "images") }
                        return FrameImageConversion.grey(try frameSet.image(frame: frame, camera: cameras[camera]), conversion: .dlibMean).greyHistogram
                    },
                    landmarks: { frame, box in try predict(frame: frame, camera: camera, box: box) })
            }
            outcomes = tracks.map(\.outcomes)
            for (camera, track) in zip(cameras, tracks) {
                if !track.shotCuts.isEmpty {
                    context.warn(
                        "camera \(camera): \(track.shotCuts.count) shot cut\(track.shotCuts.count == 1 ? "" : "s") (a new shot begins at frame \(FrameList.describe(track.shotCuts))); the track restarted on the largest face there, which may be another person. An avatar is built from one continuous shot of one person: select a single shot with video.read's first_frame and frame_count, or raise cut_threshold if these are not cuts"
                    )
                }
                if !track.framesWithSeveralFaces.isEmpty {
                    context.warn(
                        "camera \(camera): \(track.framesWithSeveralFaces.count) of \(frameCount) frames show more than one face (\(FrameList.describe(track.framesWithSeveralFaces))); the largest face at the start of each shot is followed. To choose the person, crop the video to them (video.read's crop: [x, y, width, height])"
                    )
                }
            }
        } else {
            let flat = try parallelMap(jobs) { job throws -> FaceTracker.Outcome in
                let frame = job % frameCount, camera = job / frameCount
                defer { context.advanceProgress(total: jobs, unit: "images") }
                guard let chosen = boxes.frames[frame][camera].max(by: { $0.rectangle.area < $1.rectangle.area }) else {
                    return .untracked(reason: "no face detected")
                }
                let box = landmarkBox(chosen)
                return .detected(box: box, landmarks: try predict(frame: frame, camera: camera, box: box))
            }
            outcomes = (0..<cameras.count).map { camera in Array(flat[(camera * frameCount)..<((camera + 1) * frameCount)]) }
        }
        func detection(_ outcome: FaceTracker.Outcome) -> FaceLandmarkSet.Detection? {
            switch outcome {
            case .detected(let box, let points), .propagated(let box, let points):
                FaceLandmarkSet.Detection(
                    points: points.map { [$0.x, $0.y] }, confidence: Array(repeating: 1, count: points.count),
                    box: [Double(box.x), Double(box.y), Double(box.width), Double(box.height)])
            case .untracked: nil
            }
        }
        let perFrame = (0..<frameCount).map { frame in (0..<cameras.count).map { detection(outcomes[$0][frame]) } }
        let reasons = (0..<frameCount).map { frame in
            (0..<cameras.count).map { camera -> String? in
                if case .untracked(let reason) = outcomes[camera][frame] { reason } else { nil }
            }
        }
        var missing = 0, propagated = 0
        for camera in 0..<cameras.count {
            let untracked = (0..<frameCount).filter { outcomes[camera][$0].landmarks == nil }
            propagated += outcomes[camera].filter { if case .propagated = $0 { true } else { false } }.count
            missing += untracked.count
            if !untracked.isEmpty {
                context.warn(
                    "camera \(cameras[camera]): \(untracked.count) of \(frameCount) frames untracked (\(FrameList.describe(untracked))); their landmarks are null"
                )
            }
        }
        try FaceLandmarkSet(cameras: cameras, frames: perFrame, untracked: reasons).write(to: try context.output("landmarks"))
        context.log("landmarks in \(jobs - missing) of \(jobs) images (\(propagated) from the previous frame's landmarks) with \(modelURL.path)")
    }
}
