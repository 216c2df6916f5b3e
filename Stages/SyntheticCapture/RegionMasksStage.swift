import AvatarFlow
import Foundation
import MediaIO

/// `synthetic.region-masks`: the synthetic capture's region ground truth (hair, face skin, eyes,
/// mouth interior, neck/body) as a Masks artifact in the `labels` encoding, for `eval.images`'
/// region scores. Cameras are those of `cameras_file` (by default the capture's cameras.json, what
/// `video.decode` puts in the FrameSet), frames all frames of the chosen sequence.
public struct RegionMasksStage: Stage {
    /// Parameters of `synthetic.region-masks`.
    public struct Parameters: StageParameters {
        /// Allowed values of `sequence`.
        public enum RecordedSequence: String, ParameterChoice {
            case training, heldout
        }

        @Param("The recorded (training) sequence or the held-out one.")
        public var sequence: RecordedSequence = .training
        @Param(
            "Calibration file inside the capture whose cameras get masks, as video.decode's cameras_file (groundtruth/cameras.json adds the held-out cameras, training sequence only)."
        )
        public var camerasFile: String = Capture.camerasFileName

        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "synthetic.region-masks"
    public static let version = 1
    public static let summary = "Ground-truth region masks (hair, face, eyes, mouth, body) of a synthetic capture, as a Masks artifact."
    public static let inputs = [StagePort("capture", .capture, doc: "A capture written by synthetic.capture (with groundtruth/).")]
    public static let outputs = [
        StagePort("masks", .masks, doc: "Region label maps per frame and camera (labels encoding: grey 51 face, 102 hair, 153 eyes, 204 mouth, 255 body).")
    ]

    /// The regions in the artifact, in order (background is left out: it is not foreground).
    public static let regions: [SyntheticRegion] = [.hair, .face, .eyes, .mouth, .body]

    public init() {}

    /// Copies the sequence's `regions/<camera>/%06d.png` into a FrameSet and describes it.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let capture = try context.input("capture")
        let groundTruth = capture.appendingPathComponent("groundtruth")
        let camerasURL = capture.appendingPathComponent(parameters.camerasFile)
        let calibration: CamerasFile
        do {
            calibration = try CamerasFile.read(from: camerasURL)
        } catch {
            throw SyntheticCaptureError("\(camerasURL.path): missing or unreadable (\(error)); connect a synthetic.capture output or fix cameras_file")
        }
        let cameras = calibration.cameras
        let sequence = groundTruth.appendingPathComponent(parameters.sequence.rawValue)
        let regionFolder = sequence.appendingPathComponent("regions")
        guard let first = cameras.first, FileManager.default.fileExists(atPath: regionFolder.path) else {
            throw SyntheticCaptureError(
                "\(regionFolder.path): no region ground truth for sequence '\(parameters.sequence.rawValue)'; regenerate the capture with this version of synthetic.capture"
            )
        }
        for camera in cameras where !FileManager.default.fileExists(atPath: regionFolder.appendingPathComponent(camera.id).path) {
            throw SyntheticCaptureError(
                "\(regionFolder.path): camera \(camera.id) has no region ground truth in sequence '\(parameters.sequence.rawValue)' (held-out cameras are rendered for the training sequence only); pick the training sequence or another cameras_file"
            )
        }
        let frameCount =
            ((try? FileManager.default.contentsOfDirectory(atPath: regionFolder.appendingPathComponent(first.id).path)) ?? [])
            .filter { $0.hasSuffix(".png") }.count
        let fps = calibration.fps
        let output = try context.output("masks")
        let writer = try FrameSetWriter(
            directory: output, cameras: cameras.map(\.id), calibrations: cameras,
            size: PixelSize(width: first.width, height: first.height), channels: 3,
            frameRate: Rational(approximating: fps ?? 25))
        for frame in 0..<frameCount {
            let images = try cameras.map { camera -> Image8 in
                let url = regionFolder.appendingPathComponent(camera.id).appendingPathComponent(String(format: "%06d.png", frame))
                let grey = try PNGFile.read8(url)
                guard grey.width == first.width, grey.height == first.height else {
                    throw SyntheticCaptureError(
                        "\(url.path): is \(grey.width)x\(grey.height), the cameras are \(first.width)x\(first.height); regenerate the capture")
                }
                return grey.withChannels(3, opaque: 255)
            }
            try writer.append(images, timestamp: Double(frame) / (fps ?? 25), sourceIndex: frame)
            context.reportProgress(completed: frame + 1, total: frameCount, unit: "frames")
        }
        try writer.finish()
        try MaskSet.write(
            MaskSet.Description(
                channels: Self.regions.map(\.name), encoding: .labels,
                labels: Dictionary(uniqueKeysWithValues: Self.regions.map { ($0.name, Int($0.grey)) })),
            to: output)
    }
}
