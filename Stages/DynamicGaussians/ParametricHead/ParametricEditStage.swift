import AvatarFlow
import Avatars
import Foundation
import HeadModel
import MediaIO
import Splatting
import Tensors

/// `gphm.edit`: GPHM's editing applications (§3.4) on a fitted avatar (`gphm.fit-image`'s
/// `avatar`): the codes of a target image are fitted (the fit's first phase), then the avatar is
/// rendered while one code moves linearly from its own to the target's — `expression`: the fitted
/// identity takes on the target's expression (the last frame is the expression transfer);
/// `identity`: the identity code moves to the target person's with the avatar's expression.
public struct ParametricEditStage: Stage {
    /// Parameters; fitting defaults are the paper's.
    public struct Parameters: StageParameters {
        /// Allowed values of `mode`.
        public enum Mode: String, ParameterChoice {
            /// Avatar's z^exp → the target's (expression transfer at the end).
            case expression
            /// Avatar's z^id → the target's (identity interpolation).
            case identity
        }

        @Param("expression: interpolate to the target's expression code (transfer at the end); identity: to the target's identity code.")
        public var mode: Mode = .expression
        @Param("Subject of the target image (a population subject id); empty = the first training subject.")
        public var targetSubject: String = ""
        @Param("Frame of the target subject's training sequence (its expression).", range: 0...100_000)
        public var targetFrame: Int = 1
        @Param("Camera of the target image; empty = the middle camera.")
        public var targetCamera: String = ""
        @Param("Frames of the sequence: the code at t = 1/steps … 1 (1 = the transfer only).", range: 1...10_000)
        public var steps: Int = 16
        @Param("Cameras of the target subject's capture to render; empty = all.")
        public var cameras: [String] = []
        @Param("Steps on the target's codes (paper 200).", range: 0...100_000)
        public var codeIterations: Int = 200
        @Param("Adam learning rate of the codes (paper 1e-3).", name: "code_lr", range: 0...1)
        public var codeLearningRate: Double = 1e-3
        @Param("Weight of L_lr in the fitting loss (eq. 10's 0.1).", range: 0...1000)
        public var lowWeight: Double = 0.1

        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "gphm.edit"
    public static let version = 1
    public static let summary = "GPHM expression transfer and identity/expression interpolation of a fitted avatar (§3.4), as frames."
    public static let inputs = [
        StagePort("avatar", .avatar, doc: "A fitted GPHM avatar (gphm.fit-image's `avatar`)."),
        StagePort("population", .population, doc: "The population holding the target image."),
    ]
    public static let outputs = [
        StagePort("frames", .frameSet, doc: "RGBA renders over white of every step from the chosen cameras (calibrated), for video.encode and eval.identity.")
    ]

    public init() {}

    /// Fits the target's codes and renders the sequence.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let input = try context.input("avatar")
        guard let avatar = try AvatarLoader.load(from: input) as? ParametricHeadAvatar else {
            throw DynamicGaussiansError("\(input.path): gphm.edit edits avatars of family \(ParametricHeadAvatar.family); connect gphm.fit-image's avatar")
        }
        let population = try Population.open(try context.input("population"))
        let choice = try ParametricImageChoice(
            population: population, id: parameters.targetSubject, fallback: population.trainingSubjects.first, parameter: "target_subject",
            frame: parameters.targetFrame, camera: parameters.targetCamera, cameraParameter: "target_camera")
        let (subject, targetCamera) = (choice.subject, choice.camera)
        let rasterizer = GaussianRasterizer()
        let fitting = ParametricHeadFitting(
            codeIterations: parameters.codeIterations, codeLearningRate: Float(parameters.codeLearningRate), refineIterations: 0,
            lowWeight: Float(parameters.lowWeight))
        let codes = try avatar.fitCodes(to: choice.view, fitting: fitting, rasterizer: rasterizer)
        context.log(
            String(format: "target %@ frame %d (%@): codes fitted, L_hr %.4f", subject.id, parameters.targetFrame, targetCamera, codes.loss))
        let (from, to) = parameters.mode == .expression ? (avatar.expression, codes.expression) : (avatar.identity, codes.identity)
        let sequence = try ParametricHeadAvatar.codeSequence(from: from, to: to, steps: parameters.steps)

        let capture = try Capture.open(population.captureDirectory(of: subject))
        let wanted = parameters.cameras.isEmpty ? capture.cameras.map(\.calibration.id) : parameters.cameras
        let calibrations = try wanted.map { id -> CameraCalibration in
            guard let camera = capture.cameras.first(where: { $0.calibration.id == id }) else {
                throw DynamicGaussiansError(
                    "camera '\(id)' is not in the target subject's capture (\(capture.cameras.map(\.calibration.id).joined(separator: ", ")))")
            }
            return camera.calibration
        }
        let cameras = try calibrations.map { try $0.pinholeCamera() }
        let writer = try FrameSetWriter(
            directory: try context.output("frames"), cameras: wanted, calibrations: calibrations, size: capture.size, channels: 4,
            frameRate: Rational(25, 1))
        let rest = HeadTracking.Frame(
            rotation: [0, 0, 0], translation: [0, 0, 0], jaw: [0, 0, 0], expression: [], landmarks: [], meanResidualPixels: 0, observedViews: 1)
        for (index, code) in sequence.enumerated() {
            let identity = parameters.mode == .identity ? code : avatar.identity
            let expression = parameters.mode == .expression ? code : avatar.expression
            let images = try avatar.render(identity: identity, expression: expression, pose: rest, cameras: cameras, rasterizer: rasterizer)
            try writer.append(images.map(Image8.init(rounding:)), timestamp: Double(index) / 25, sourceIndex: index)
            context.reportProgress(completed: index + 1, total: sequence.count, unit: "frames")
        }
        _ = try writer.finish()
    }
}
