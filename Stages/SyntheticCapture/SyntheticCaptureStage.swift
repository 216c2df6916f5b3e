import AvatarFlow
import Foundation
import HeadModel

/// The SyntheticCapture stage family.
public enum SyntheticCaptureStages {
    /// Every stage of the family, for the catalogue.
    public static let all: [any Stage.Type] = [SyntheticCaptureStage.self, GroundTruthLandmarksStage.self]
}

/// `synthetic.capture`: renders the embedded default data set — a deterministic multi-view
/// capture of a procedural head (expressions, head motion, swinging hair, background plates,
/// known cameras) with its ground truth — in the MediaIO capture format.
public struct SyntheticCaptureStage: Stage {
    /// Parameters of `synthetic.capture`.
    public struct Parameters: StageParameters {
        /// Subject seed.
        public var seed: Int
        /// Training cameras.
        public var cameras: Int
        /// Arc spanned by the training cameras, degrees.
        public var arcDegrees: Double
        /// Held-out (novel-view) cameras.
        public var heldOutCameras: Int
        /// Image width.
        public var width: Int
        /// Image height.
        public var height: Int
        /// Training frames.
        public var frames: Int
        /// Held-out sequence frames.
        public var heldOutFrames: Int
        /// Frame rate.
        public var fps: Double
        /// Supersampling per axis.
        public var supersampling: Int
        /// Sideways sway amplitude, metres.
        public var sway: Double

        enum CodingKeys: String, CodingKey {
            case seed, cameras, width, height, frames, fps, supersampling, sway
            case arcDegrees = "arc_degrees"
            case heldOutCameras = "held_out_cameras"
            case heldOutFrames = "held_out_frames"
        }

        /// The schema.
        public static let fields: [ParameterField] = [
            .int("seed", 1, range: 0...1_000_000_000, doc: "Subject seed: identity shape, skin, hair, performance and backdrop. Same seed, same bytes."),
            .int("cameras", 8, range: 1...16, doc: "Training cameras on a horizontal arc in front of the subject."),
            .double("arc_degrees", 120, range: 0...180, doc: "Angle spanned by the training cameras, degrees."),
            .int("held_out_cameras", 2, range: 0...4, doc: "Extra cameras between and above the arc for novel-view evaluation (ground truth only)."),
            .int("width", 256, range: 32...2048, doc: "Image width, pixels."),
            .int("height", 256, range: 32...2048, doc: "Image height, pixels."),
            .int("frames", 90, range: 2...1000, doc: "Frames of the training sequence (the capture itself)."),
            .int("held_out_frames", 30, range: 0...1000, doc: "Frames of the held-out sequence with other expressions (ground truth, for reenactment)."),
            .double("fps", 25, range: 1...240, doc: "Frame rate, frames per second."),
            .int("supersampling", 1, range: 1...4, doc: "Supersampling per axis; 2 gives antialiased edges and fractional alpha at 4× the render cost."),
            .double(
                "sway", 0, range: 0...0.5,
                doc: "Amplitude in metres of a slow sideways sway of the whole subject (period 4 s); 0 keeps it seated. Plate-free matting needs motion."),
        ]

        /// The scene configuration these parameters describe.
        public var configuration: SyntheticCaptureConfiguration {
            var configuration = SyntheticCaptureConfiguration()
            configuration.seed = UInt64(max(0, seed))
            configuration.cameraCount = cameras
            configuration.arcDegrees = Float(arcDegrees)
            configuration.heldOutCameraCount = heldOutCameras
            configuration.width = width
            configuration.height = height
            configuration.frameCount = frames
            configuration.heldOutFrameCount = heldOutFrames
            configuration.framesPerSecond = Float(fps)
            configuration.supersampling = supersampling
            configuration.sway = Float(sway)
            return configuration
        }
    }

    /// The stage id.
    public static let id = "synthetic.capture"
    /// Output-format version.
    public static let version = 1
    /// One line.
    public static let summary = "Render the deterministic synthetic multi-view head capture (the embedded default) with ground truth."
    /// No inputs: the scene is procedural.
    public static let inputs: [StagePort] = []
    /// The capture directory.
    public static let outputs: [StagePort] = [
        StagePort("capture", .capture, doc: "Capture directory (cameras.json, cam*/%06d.png, background/, groundtruth/).")
    ]

    /// Creates the stage.
    public init() {}

    /// Builds the scene and writes the capture.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let configuration = parameters.configuration
        let scene = try SyntheticScene(configuration: configuration, model: ProceduralHeadBuilder.build())
        context.log(
            "rendering \(configuration.cameraCount)+\(configuration.heldOutCameraCount) cameras, \(configuration.frameCount)+\(configuration.heldOutFrameCount) frames at \(configuration.width)x\(configuration.height)"
        )
        try SyntheticCaptureWriter.write(scene, to: try context.output("capture")) { total in
            context.advanceProgress(total: total, unit: "views")
        }
    }
}
