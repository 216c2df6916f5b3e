import AvatarFlow
import Avatars
import Foundation
import MediaIO
import Splatting
import Tensors

/// `gphm.fit-image`: GPHM's single-image fitting (§3.4) of a person the model was not trained on —
/// codes by inverse rendering of one image, then f_col and X_can refined — scored on the same
/// frame's other cameras (novel views of the new identity), with pictures.
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

        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "gphm.fit-image"
    public static let version = 1
    public static let summary = "GPHM single-image fit of a new identity (§3.4), scored on the frame's other cameras."
    public static let inputs = [
        StagePort("model", .parametricHead, doc: "gphm.train-gaussians' ParametricHeadModel (stage \"gaussians\")."),
        StagePort("population", .population, doc: "The population holding the subject to fit (usually a held-out one)."),
    ]
    public static let outputs = [
        StagePort("report", .report, doc: "metrics.json / metrics.md (fitted view and unseen cameras: PSNR, SSIM), pictures/<camera>.png.")
    ]

    public init() {}

    /// Fits and scores.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let model = try ParametricGaussianModel(restoring: try ParametricHeadModel.read(from: try context.input("model")))
        let population = try Population.open(try context.input("population"))
        let subject: Population.Subject
        if parameters.subject.isEmpty {
            guard let first = population.heldOutSubjects.first else {
                throw DynamicGaussiansError("the population has no held-out subject; set `subject` or re-run synthetic.population with held_out_identities ≥ 1")
            }
            subject = first
        } else {
            guard let named = population.index.subjects.first(where: { $0.id == parameters.subject }) else {
                throw DynamicGaussiansError(
                    "subject '\(parameters.subject)' is not in the population (\(population.index.subjects.map(\.id).joined(separator: ", ")))")
            }
            subject = named
        }
        let views = try PopulationTrainingData.views(population: population, subject: subject, frame: parameters.frame)
        let fitted = parameters.camera.isEmpty ? views[views.count / 2].camera : parameters.camera
        guard let target = views.first(where: { $0.camera == fitted }) else {
            throw DynamicGaussiansError("camera '\(fitted)' is not in the subject's capture (\(views.map(\.camera).joined(separator: ", ")))")
        }
        let rasterizer = GaussianRasterizer()
        let fitting = ParametricHeadFitting(
            codeIterations: parameters.codeIterations, codeLearningRate: Float(parameters.codeLearningRate),
            refineIterations: parameters.refineIterations, refineLearningRate: Float(parameters.refineLearningRate),
            lowWeight: Float(parameters.lowWeight))
        let start = Date()
        let result = try fitting.fit(model: model, view: target.view, rasterizer: rasterizer)
        let seconds = Date().timeIntervalSince(start)
        context.log(
            String(
                format: "fitted %@ (frame %d, camera %@) in %.1f s: L_hr %.4f after the codes, %.4f after refining", subject.id, parameters.frame, fitted,
                seconds, result.codeLoss, result.refinedLoss))
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
