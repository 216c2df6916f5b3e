import AvatarFlow
import Avatars
import Foundation
import HeadModel
import MediaIO
import Splatting
import Tensors

/// `gphm.fit-image`: GPHM's single-image fitting (§3.4) of a person the model was not trained on —
/// codes by inverse rendering of one image, then f_col and X_can refined — scored on the same
/// frame's other cameras (novel views of the new identity), with pictures. It also writes the
/// fitted person as an AvatarModel (family `gphm`, `ParametricHeadAvatar`, driven through an
/// `ExpressionCodeRegression` fitted on the training frames), the subject's true tracking and its
/// frames (training then held-out expressions), so `render.reenact` and `eval.images` score it.
public struct ParametricFitStage: Stage {
    /// Parameters; defaults are the paper's.
    public struct Parameters: StageParameters {
        @Param("Subject to fit (a population subject id); empty = the first held-out subject.")
        public var subject: String = ""
        @Param("Frame of the subject's training sequence (its expression; 0 = neutral).", range: 0...100_000)
        public var frame: Int = 0
        @Param("Camera of the one image; empty = the middle camera (frontal on the default arc).")
        public var camera: String = ""
        @Param("Steps on the codes (paper 200).", range: 0...100_000)
        public var codeIterations: Int = 200
        @Param("Adam learning rate of the codes (paper 1e-3).", name: "code_lr", range: 0...1)
        public var codeLearningRate: Double = 1e-3
        @Param("Steps on f_col and X_can with the codes fixed (paper 100).", range: 0...100_000)
        public var refineIterations: Int = 100
        @Param("Adam learning rate of f_col and X_can (paper 1e-4).", name: "refine_lr", range: 0...1)
        public var refineLearningRate: Double = 1e-4
        @Param("Weight of L_lr in the fitting loss (eq. 10's 0.1).", range: 0...1000)
        public var lowWeight: Double = 0.1
        @Param("Ridge weight of the driving map (head-model expression and jaw → expression code), per input.", range: 0...1000)
        public var ridge: Double = 1e-3
        @Param("Shift the driving map so the fitted frame's true state gives the fitted expression code (false: the population's code).")
        public var anchorDriving: Bool = true
        @Param("Frames of the `showcase` tracking per expression (blended linearly into the next).", range: 1...10_000)
        public var showcaseFrames: Int = 12

        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "gphm.fit-image"
    public static let version = 3
    public static let summary = "GPHM single-image fit of a new identity (§3.4), scored on the frame's other cameras."
    public static let inputs = [
        StagePort("model", .parametricHead, doc: "gphm.train-gaussians' ParametricHeadModel (stage \"gaussians\")."),
        StagePort("population", .population, doc: "The population holding the subject to fit (usually a held-out one)."),
    ]
    public static let outputs = [
        StagePort("report", .report, doc: "metrics.json / metrics.md (fitted view and unseen cameras: PSNR, SSIM), pictures/<camera>.png."),
        StagePort("avatar", .avatar, doc: "The fitted person as an AvatarModel of family `gphm` (render.reenact, eval.images, video.encode)."),
        StagePort("tracking", .tracking, doc: "The subject's true head-model tracking: training expressions, then held-out expressions."),
        StagePort("frames", .frameSet, doc: "The subject's head-and-hair images over white, every camera, calibrated, in the tracking's frame order."),
        StagePort(
            "showcase", .tracking, doc: "A driving sequence for videos: the subject's true expressions in turn, each blended linearly into the next."),
    ]

    public init() {}

    /// Fits and scores.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let model = try ParametricGaussianModel(restoring: try ParametricHeadModel.read(from: try context.input("model")))
        let population = try Population.open(try context.input("population"))
        let choice = try ParametricImageChoice(
            population: population, id: parameters.subject, fallback: population.heldOutSubjects.first, parameter: "subject", frame: parameters.frame,
            camera: parameters.camera, cameraParameter: "camera")
        let (subject, views, fitted, target) = (choice.subject, choice.views, choice.camera, choice.view)
        let rasterizer = GaussianRasterizer()
        let fitting = ParametricHeadFitting(
            codeIterations: parameters.codeIterations, codeLearningRate: Float(parameters.codeLearningRate),
            refineIterations: parameters.refineIterations, refineLearningRate: Float(parameters.refineLearningRate),
            lowWeight: Float(parameters.lowWeight))
        let start = Date()
        let result = try fitting.fit(model: model, view: target, rasterizer: rasterizer)
        let seconds = Date().timeIntervalSince(start)
        context.log(
            String(
                format: "fitted %@ (frame %d, camera %@) in %.1f s: L_hr %.4f after the codes, %.4f after refining", subject.id, parameters.frame, fitted,
                seconds, result.codeLoss, result.refinedLoss))
        try writeAvatar(
            context, parameters, model: model, result: result, population: population, subject: subject, views: views.map(\.camera), fitted: fitted)
        let posed = model.gaussians(
            identity: Variable(result.identity), expression: Variable(result.expression), canonicalOffsets: Variable(result.positionOffsets), on: nil)
        let pictures = try context.output("report").appendingPathComponent("pictures")
        try FileManager.default.createDirectory(at: pictures, withIntermediateDirectories: true)
        var perCamera: [String: [String: Double]] = [:]
        var unseenPSNR = 0.0, unseenSSIM = 0.0
        for (camera, view) in views {
            let high = try model.render(posed.gaussians, featureCamera: view.lowCamera, rasterizer: rasterizer, on: nil).high
            let psnr = ImageQuality.psnr(high.value.scalars, view.high.scalars)
            let ssim = Double(Losses.ssim(high, Variable(view.high)).value.scalar)
            perCamera[camera] = ["psnr": psnr, "ssim": ssim]
            if camera != fitted {
                unseenPSNR += psnr / Double(views.count - 1)
                unseenSSIM += ssim / Double(views.count - 1)
            }
            try PNGFile.write(Self.sideBySide(target: view.high, rendered: high.value), to: pictures.appendingPathComponent("\(camera).png"))
        }
        var overall: [String: Double] = ["fit_seconds": seconds, "fitted_psnr": perCamera[fitted]!["psnr"]!, "fitted_ssim": perCamera[fitted]!["ssim"]!]
        if views.count > 1 {
            overall["unseen_camera_psnr"] = unseenPSNR
            overall["unseen_camera_ssim"] = unseenSSIM
        }
        let report: [String: Any] = ["subject": subject.id, "frame": parameters.frame, "fitted_camera": fitted, "overall": overall, "per_camera": perCamera]
        let directory = try context.output("report")
        try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys]).write(to: directory.appendingPathComponent("metrics.json"))
        var markdown =
            "# GPHM single-image fit: \(subject.id), frame \(parameters.frame), fitted on \(fitted)\n\n| camera | PSNR (dB) | SSIM |\n|---|---|---|\n"
        for (camera, _) in views {
            markdown += String(
                format: "| %@%@ | %.2f | %.4f |\n", camera, camera == fitted ? " (fitted)" : "", perCamera[camera]!["psnr"]!, perCamera[camera]!["ssim"]!)
        }
        try markdown.write(to: directory.appendingPathComponent("metrics.md"), atomically: true, encoding: .utf8)
        context.log(String(format: "unseen cameras: PSNR %.2f dB, SSIM %.4f; fitted view %.2f dB", unseenPSNR, unseenSSIM, overall["fitted_psnr"]!))
    }

    /// The `avatar`, `tracking` and `frames` outputs: the driving map fitted on the model's training
    /// codes and the population's true training states, the subject's true states and images.
    func writeAvatar(
        _ context: StageContext, _ parameters: Parameters, model: ParametricGaussianModel, result: ParametricHeadFitting.Result,
        population: Population, subject: Population.Subject, views cameras: [String], fitted: String
    ) throws {
        let names = model.head.expressions.names
        var truths: [String: [HeadTracking.Frame]] = [:]
        var frames: [HeadTracking.Frame] = []
        for name in names {
            let parts = name.split(separator: "/", maxSplits: 1).map(String.init)
            guard parts.count == 2, let training = population.index.subjects.first(where: { $0.id == parts[0] }),
                let index = population.index.trainingExpressions.firstIndex(of: parts[1])
            else {
                throw DynamicGaussiansError(
                    "the model's expression code '\(name)' names no training frame of this population; connect the population the model was trained on")
            }
            if truths[training.id] == nil { truths[training.id] = try PopulationTrainingData.groundTruthFrames(population: population, subject: training) }
            frames.append(truths[training.id]![index])
        }
        let populationMap = try ExpressionCodeRegression.fit(frames: frames, codes: model.head.expressions.codes.value, ridge: parameters.ridge)
        let fittedState = try PopulationTrainingData.groundTruthFrames(population: population, subject: subject)[parameters.frame]
        let driving = parameters.anchorDriving ? try populationMap.anchored(at: fittedState, code: result.expression) : populationMap
        context.log(
            String(format: "driving map: RMS residual %.4f per code value (codes' RMS %.4f)", driving.rmsResidual, Self.rms(model.head.expressions.codes.value))
        )
        let headModel = ProceduralHeadBuilder.build()
        let manifest = AvatarManifest(
            family: ParametricHeadAvatar.family, headModel: HeadModelReference(name: headModel.name, path: ""), identity: subject.identity.map(Double.init),
            scale: 1, shDegree: 0, gaussianCount: model.count, background: [1, 1, 1], trainingCameras: [fitted],
            heldOutCameras: cameras.filter { $0 != fitted }, iterations: parameters.codeIterations + parameters.refineIterations)
        let avatar = try ParametricHeadAvatar(manifest: manifest, headModel: headModel, model: model, fit: result, driving: driving)
        try avatar.write(to: try context.output("avatar"))

        let training = try PopulationTrainingData.groundTruthFrames(population: population, subject: subject)
        let heldOut = try PopulationTrainingData.groundTruthFrames(population: population, subject: subject, heldOut: true)
        try HeadTracking(
            model: headModel.name, cameras: cameras, identity: subject.identity.map(Double.init), scale: 1, frames: training + heldOut
        ).write(to: try context.output("tracking"))
        try HeadTracking(
            model: headModel.name, cameras: cameras, identity: subject.identity.map(Double.init), scale: 1,
            frames: Self.blended(training + heldOut, framesPerState: parameters.showcaseFrames)
        ).write(to: try context.output("showcase"))
        let capture = try Capture.open(population.captureDirectory(of: subject))
        let writer = try FrameSetWriter(
            directory: try context.output("frames"), cameras: cameras, calibrations: capture.cameras.map(\.calibration), size: capture.size,
            frameRate: Rational(25, 1))
        for (index, (frame, isHeldOut)) in (training.indices.map { ($0, false) } + heldOut.indices.map { ($0, true) }).enumerated() {
            let views = try PopulationTrainingData.views(population: population, subject: subject, frame: frame, heldOut: isHeldOut)
            try writer.append(views.map { Self.image($0.view.high) }, timestamp: Double(index) / 25, sourceIndex: index)
        }
        _ = try writer.finish()
        context.log(
            "avatar written (family \(ParametricHeadAvatar.family)); tracking and frames: \(training.count) training + \(heldOut.count) held-out expressions of \(subject.id)"
        )
    }

    /// `framesPerState` frames from each state towards the next (the last towards the first), linear
    /// in every value (axis-angles too: the poses are small).
    static func blended(_ states: [HeadTracking.Frame], framesPerState: Int) -> [HeadTracking.Frame] {
        func mix(_ a: [Double], _ b: [Double], _ t: Double) -> [Double] { zip(a, b).map { (1 - t) * $0 + t * $1 } }
        return states.indices.flatMap { i in
            let a = states[i], b = states[(i + 1) % states.count]
            return (0..<framesPerState).map { step in
                let t = Double(step) / Double(framesPerState)
                var frame = a
                frame.rotation = mix(a.rotation, b.rotation, t)
                frame.translation = mix(a.translation, b.translation, t)
                frame.jaw = mix(a.jaw, b.jaw, t)
                frame.neck = mix(a.neck, b.neck, t)
                frame.leftEye = mix(a.leftEye, b.leftEye, t)
                frame.rightEye = mix(a.rightEye, b.rightEye, t)
                frame.expression = mix(a.expression, b.expression, t)
                return frame
            }
        }
    }

    /// Root mean square of a tensor's values.
    static func rms(_ tensor: Tensor) -> Double {
        (tensor.scalars.map { Double($0 * $0) }.reduce(0, +) / Double(max(1, tensor.scalars.count))).squareRoot()
    }

    /// 8-bit RGB of a `[1, 3, H, W]` tensor.
    static func image(_ tensor: Tensor) -> Image8 {
        let h = tensor.shape[2], w = tensor.shape[3]
        var samples = [UInt8](repeating: 0, count: 3 * w * h)
        for p in 0..<(w * h) {
            for c in 0..<3 { samples[3 * p + c] = Image8.byte(unit: tensor[flat: c * h * w + p]) }
        }
        return Image8(width: w, height: h, channels: 3, samples: samples)
    }

    /// [target | render], 8-bit RGB, from `[1, 3, H, W]` tensors.
    static func sideBySide(target: Tensor, rendered: Tensor) -> Image8 {
        let h = target.shape[2], w = target.shape[3]
        var samples = [UInt8](repeating: 255, count: 3 * 2 * w * h)
        for y in 0..<h {
            for x in 0..<w {
                for c in 0..<3 {
                    samples[3 * (y * 2 * w + x) + c] = Image8.byte(unit: target[flat: (c * h + y) * w + x])
                    samples[3 * (y * 2 * w + w + x) + c] = Image8.byte(unit: rendered[flat: (c * h + y) * w + x])
                }
            }
        }
        return Image8(width: 2 * w, height: h, channels: 3, samples: samples)
    }
}
