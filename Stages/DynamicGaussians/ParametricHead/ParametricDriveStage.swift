import AvatarFlow
import Avatars
import Foundation
import HeadModel
import MediaIO
import Splatting
import Tensors

/// `gphm.drive`: a fitted GPHM avatar driven by a video of someone else (issue 20 item 4): the
/// codes of every driving frame are fitted by inverse rendering (the fit's first phase; warm-started
/// from the previous frame's), and the avatar's identity is rendered with each frame's expression
/// code from the driving camera.
public struct ParametricDriveStage: Stage {
    /// Parameters; fitting defaults are the paper's (first frame) and ours (warm-started frames).
    public struct Parameters: StageParameters {
        @Param("Camera of the driving frames to fit and render; empty = the middle camera.")
        public var camera: String = ""
        @Param("Steps on the codes of the first driving frame, from the mean training codes (paper 200).", range: 0...100_000)
        public var codeIterations: Int = 200
        @Param("Steps on the codes of every later frame, from the previous frame's codes.", range: 0...100_000)
        public var warmIterations: Int = 50
        @Param("Adam learning rate of the codes (paper 1e-3).", name: "code_lr", range: 0...1)
        public var codeLearningRate: Double = 1e-3
        @Param("Weight of L_lr in the fitting loss (eq. 10's 0.1).", range: 0...1000)
        public var lowWeight: Double = 0.1

        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "gphm.drive"
    public static let version = 1
    public static let summary = "A fitted GPHM avatar driven by a video: expression codes fitted per driving frame (warm-started), rendered as frames."
    public static let inputs = [
        StagePort("avatar", .avatar, doc: "A fitted GPHM avatar (gphm.fit-image's `avatar`)."),
        StagePort(
            "frames", .frameSet, doc: "The driving video: calibrated frames of a head over white (RGB, or RGBA with the matte), even sizes."),
    ]
    public static let outputs = [
        StagePort("frames", .frameSet, doc: "RGBA renders over white from the driving camera, one per driving frame (calibrated).")
    ]

    public init() {}

    /// Fits every driving frame's codes and renders the avatar with their expression codes.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let input = try context.input("avatar")
        guard let avatar = try AvatarLoader.load(from: input) as? ParametricHeadAvatar else {
            throw DynamicGaussiansError("\(input.path): gphm.drive drives avatars of family \(ParametricHeadAvatar.family); connect gphm.fit-image's avatar")
        }
        let driving = try FrameSet.open(try context.input("frames"))
        guard let calibrations = driving.manifest.calibrations, !driving.manifest.cameras.isEmpty else {
            throw DynamicGaussiansError("the driving frames have no camera calibrations; connect a calibrated FrameSet (e.g. gphm.fit-image's `frames`)")
        }
        let camera = parameters.camera.isEmpty ? driving.manifest.cameras[driving.manifest.cameras.count / 2] : parameters.camera
        guard let calibration = calibrations.first(where: { $0.id == camera }) else {
            throw DynamicGaussiansError("camera '\(camera)' is not in the driving frames (\(driving.manifest.cameras.joined(separator: ", ")))")
        }
        let views = try (0..<driving.manifest.frameCount).map {
            try PopulationView(image: try driving.image(frame: $0, camera: camera), calibration: calibration)
        }
        let rasterizer = GaussianRasterizer()
        let fitting = ParametricHeadFitting(
            codeIterations: parameters.codeIterations, codeLearningRate: Float(parameters.codeLearningRate), refineIterations: 0,
            lowWeight: Float(parameters.lowWeight))
        let start = Date()
        let codes = try avatar.fitCodes(toSequence: views, fitting: fitting, warmIterations: parameters.warmIterations, rasterizer: rasterizer)
        context.log(
            String(
                format: "fitted %d driving frames (%@) in %.1f s; L_hr first %.4f, mean %.4f", codes.count, camera, Date().timeIntervalSince(start),
                codes.first?.loss ?? .nan, codes.map(\.loss).reduce(0, +) / Float(max(1, codes.count))))
        let writer = try FrameSetWriter(
            directory: try context.output("frames"), cameras: [camera], calibrations: [calibration],
            size: PixelSize(width: calibration.width, height: calibration.height), channels: 4, frameRate: driving.manifest.frameRate)
        let rest = HeadTracking.Frame(
            rotation: [0, 0, 0], translation: [0, 0, 0], jaw: [0, 0, 0], expression: [], landmarks: [], meanResidualPixels: 0, observedViews: 1)
        let pinhole = try calibration.pinholeCamera()
        for (index, code) in codes.enumerated() {
            let images = try avatar.render(identity: avatar.identity, expression: code.expression, pose: rest, cameras: [pinhole], rasterizer: rasterizer)
            try writer.append(
                images.map(Image8.init(rounding:)), timestamp: driving.manifest.timestamps[index], sourceIndex: driving.manifest.sourceFrameIndices[index])
            context.reportProgress(completed: index + 1, total: codes.count, unit: "frames")
        }
        _ = try writer.finish()
    }
}
