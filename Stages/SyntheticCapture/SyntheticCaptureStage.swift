import AvatarFlow
import Foundation
import HeadModel

/// The SyntheticCapture stage family.
public enum SyntheticCaptureStages {
    /// Every stage of the family, for the catalogue.
    public static let all: [any Stage.Type] = [
        SyntheticCaptureStage.self, GroundTruthLandmarksStage.self, RegionMasksStage.self, PopulationStage.self,
    ]
}

extension SyntheticMotion: ParameterChoice {}

/// `synthetic.capture`: renders the embedded default data set — a deterministic multi-view
/// capture of a procedural head (expressions, head motion, swinging hair, background plates,
/// known cameras) with its ground truth — in the MediaIO capture format.
public struct SyntheticCaptureStage: Stage {
    /// Parameters of `synthetic.capture`.
    public struct Parameters: StageParameters {
        @Param("Subject seed: identity shape, skin, hair, performance and backdrop. Same seed, same bytes.", range: 0...1_000_000_000)
        public var seed: Int = 1
        @Param("Training cameras on a horizontal arc in front of the subject.", range: 1...16)
        public var cameras: Int = 8
        @Param("Angle spanned by the training cameras, degrees.", range: 0...180)
        public var arcDegrees: Double = 120
        @Param("Rows of the training arc: 2 alternates cameras 10 cm above and 6 cm below (cameras 16, camera_rows 2: a NeRSemble-like rig).", range: 1...2)
        public var cameraRows: Int = 1
        @Param("Extra cameras between and above the arc for novel-view evaluation (ground truth only).", range: 0...4)
        public var heldOutCameras: Int = 2
        @Param("Image width, pixels.", range: 32...2048)
        public var width: Int = 256
        @Param("Image height, pixels.", range: 32...2048)
        public var height: Int = 256
        @Param("Frames of the training sequence (the capture itself).", range: 2...1000)
        public var frames: Int = 90
        @Param("Frames of the held-out sequence with other expressions (ground truth, for reenactment).", range: 0...1000)
        public var heldOutFrames: Int = 30
        @Param("Frame rate, frames per second.", range: 1...240)
        public var fps: Double = 25
        @Param("Supersampling per axis; 2 gives antialiased edges and fractional alpha at 4× the render cost.", range: 1...4)
        public var supersampling: Int = 1
        @Param(
            "Amplitude in metres of a slow sideways sway of the whole subject (period 4 s); 0 keeps it seated. Plate-free matting needs motion.", range: 0...0.5
        )
        public var sway: Double = 0
        @Param(
            "What the subject does: talking (the default), hair-swing (turns, shakes and nods with long swinging hair) or expressive (strong expressions). Each has its own held-out sequence."
        )
        public var motion: SyntheticMotion = .talking
        @Param(
            "Amplitude in metres of slow, smooth hand-held motion of the training cameras (true per-frame cameras in groundtruth/<sequence>/cameras.f32); 0 = tripods.",
            range: 0...0.2)
        public var handheld: Double = 0
        @Param(
            "Write the training cameras as H.264 <camera>.mp4 files (plates only under groundtruth/): with cameras 1 and held_out_cameras 0, the monocular own-video test clip."
        )
        public var video: Bool = false
        @Param(
            "Draw the subject from the population's wider appearance ranges (skin tone and texture, hair colour, length 4–30 cm, volume, parting, eye colour); off keeps each seed's default subject."
        )
        public var identityVariety: Bool = false

        /// Every parameter at its default.
        public init() {}

        /// The scene configuration these parameters describe.
        public var configuration: SyntheticCaptureConfiguration {
            var configuration = SyntheticCaptureConfiguration()
            configuration.seed = UInt64(max(0, seed))
            configuration.cameraCount = cameras
            configuration.arcDegrees = Float(arcDegrees)
            configuration.cameraRows = cameraRows
            configuration.heldOutCameraCount = heldOutCameras
            configuration.width = width
            configuration.height = height
            configuration.frameCount = frames
            configuration.heldOutFrameCount = heldOutFrames
            configuration.framesPerSecond = Float(fps)
            configuration.supersampling = supersampling
            configuration.sway = Float(sway)
            configuration.motion = motion
            configuration.handheld = Float(handheld)
            configuration.video = video
            configuration.identityVariety = identityVariety
            return configuration
        }
    }

    public static let id = "synthetic.capture"
    /// 2: region ground truth (`regions/`) and the new parameters; default images are unchanged.
    public static let version = 2
    public static let summary = "Render the deterministic synthetic multi-view head capture (the embedded default) with ground truth."
    /// No inputs: the scene is procedural.
    public static let inputs: [StagePort] = []
    /// The capture directory.
    public static let outputs: [StagePort] = [
        StagePort("capture", .capture, doc: "Capture directory (cameras.json, cam*/%06d.png, background/, groundtruth/).")
    ]

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
