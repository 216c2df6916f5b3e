import AvatarFlow
import FaceAnalysis
import Foundation
import Geometry
import MediaIO

/// `synthetic.landmarks`: the synthetic capture's ground-truth 2D landmarks as a Landmarks
/// artifact, optionally with Gaussian pixel noise — a perfect (or known-noisy) detector, for tests
/// and for the "oracle landmarks" ablation of the fitting and avatar stages.
public struct GroundTruthLandmarksStage: Stage {
    /// Parameters of `synthetic.landmarks`.
    public struct Parameters: StageParameters {
        /// Allowed values of `sequence`.
        public enum RecordedSequence: String, ParameterChoice {
            case training, heldout
        }

        @Param("The recorded (training) sequence or the held-out one.")
        public var sequence: RecordedSequence = .training
        @Param("Standard deviation of Gaussian noise added to every coordinate, pixels.", range: 0...50)
        public var noisePixels: Double = 0
        @Param("Seed of the noise.", range: 0...1_000_000_000)
        public var seed: Int = 1
        @Param("First frame (0-based), as video.decode's first_frame: landmarks of the same window as its frames.", range: 0...100_000_000)
        public var firstFrame: Int = 0
        @Param("Frames from first_frame; 0 means to the end (video.decode's frame_count).", range: 0...100_000_000)
        public var frameCount: Int = 0

        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "synthetic.landmarks"
    public static let version = 2
    public static let summary = "Ground-truth 68 landmarks of a synthetic capture (optionally noisy), as a Landmarks artifact."
    public static let inputs = [StagePort("capture", .capture, doc: "A capture written by synthetic.capture (with groundtruth/).")]
    public static let outputs = [StagePort("landmarks", .landmarks, doc: "Landmarks of the capture's cameras, every frame.")]

    public init() {}

    /// Reads `landmarks2d.f32` of the chosen sequence and writes `landmarks.json` for the frames of
    /// the window.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let capture = try context.input("capture")
        let manifestURL = capture.appendingPathComponent("groundtruth/groundtruth.json")
        guard let data = FileManager.default.contents(atPath: manifestURL.path),
            let manifest = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let sequences = manifest["sequences"] as? [String: Any],
            let sequence = sequences[parameters.sequence.rawValue] as? [String: Any],
            let order = sequence["cameras"] as? [String],
            let arrays = sequence["arrays"] as? [String: Any],
            let entry = arrays["landmarks2d"] as? [String: Any],
            let file = entry["file"] as? String, let shape = entry["shape"] as? [Int], shape.count == 4, shape[2] == 68, shape[3] == 2
        else {
            throw SyntheticCaptureError(
                "\(manifestURL.path): no ground-truth landmarks for sequence '\(parameters.sequence.rawValue)'; synthetic.landmarks needs a capture written by synthetic.capture"
            )
        }
        let blob = capture.appendingPathComponent("groundtruth").appendingPathComponent(file)
        guard let bytes = FileManager.default.contents(atPath: blob.path), bytes.count == shape.reduce(1, *) * 4 else {
            throw SyntheticCaptureError("\(blob.path): missing or truncated (expected \(shape.reduce(1, *) * 4) bytes); regenerate the capture")
        }
        let values = bytes.withUnsafeBytes { raw in
            (0..<(bytes.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.load(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
        let cameraIDs = try Self.trainingCameras(of: capture)
        var random = SplitMix64(seed: UInt64(parameters.seed))
        func gaussian() -> Double {
            let u = max(Double(random.nextUniform()), 1e-12), v = Double(random.nextUniform())
            return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
        }
        let frameCount = shape[1]
        let end = min(frameCount, parameters.frameCount > 0 ? parameters.firstFrame + parameters.frameCount : frameCount)
        let window = parameters.firstFrame..<max(parameters.firstFrame, end)
        guard !window.isEmpty else {
            throw SyntheticCaptureError(
                "no frames selected: first_frame \(parameters.firstFrame) is past the capture's \(frameCount) frames; use the first_frame and frame_count of the video.decode whose frames these landmarks go with"
            )
        }
        var frames: [[FaceLandmarkSet.Detection?]] = []
        // Every frame draws its noise, so a frame's landmarks do not depend on the window.
        for frame in 0..<window.upperBound {
            let detections =
                try cameraIDs.map { id -> FaceLandmarkSet.Detection? in
                    guard let c = order.firstIndex(of: id) else {
                        throw SyntheticCaptureError("\(manifestURL.path): camera \(id) has no ground-truth landmarks")
                    }
                    let base = (c * frameCount + frame) * 136
                    let points = (0..<68).map { k in
                        [
                            Double(values[base + 2 * k]) + parameters.noisePixels * gaussian(),
                            Double(values[base + 2 * k + 1]) + parameters.noisePixels * gaussian(),
                        ]
                    }
                    return FaceLandmarkSet.Detection(points: points, confidence: [Double](repeating: 1, count: 68))
                }
            if window.contains(frame) { frames.append(detections) }
            context.reportProgress(completed: frame + 1, total: window.upperBound, unit: "frames")
        }
        try FaceLandmarkSet(cameras: cameraIDs, frames: frames).write(to: try context.output("landmarks"))
    }

    /// The ids in the capture's cameras.json, in order (the cameras video.decode puts in the FrameSet).
    static func trainingCameras(of capture: URL) throws -> [String] {
        let url = capture.appendingPathComponent(Capture.camerasFileName)
        do {
            return try CamerasFile.read(from: url).cameras.map(\.id)
        } catch {
            throw SyntheticCaptureError("\(url.path): missing or unreadable cameras.json (\(error))")
        }
    }
}
