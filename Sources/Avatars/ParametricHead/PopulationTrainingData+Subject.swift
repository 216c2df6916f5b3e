import Foundation
import HeadModel
import MediaIO

extension PopulationTrainingData {
    /// Every camera's view of frame `frame` of `subject`'s training sequence (of either split, e.g.
    /// a held-out subject to fit) or, with `heldOut`, of its held-out-expression sequence (images
    /// under `groundtruth/heldout/images`), with the camera ids, loaded as for training.
    public static func views(population: Population, subject: Population.Subject, frame: Int, heldOut: Bool = false) throws -> [(
        camera: String, view: PopulationView
    )] {
        let directory = population.captureDirectory(of: subject)
        let capture = try Capture.open(directory)
        let count = heldOut ? population.index.heldOutExpressions.count : capture.frameCount
        guard (0..<count).contains(frame) else {
            throw AvatarError(
                "\(directory.path): frame \(frame) is outside the subject's \(count) \(heldOut ? "held-out" : "training") frames; choose 0..<\(count)")
        }
        let truth = directory.appendingPathComponent(heldOut ? "groundtruth/heldout" : "groundtruth/training")
        return try capture.cameras.map { camera in
            let image = heldOut ? truth.appendingPathComponent(String(format: "images/%@/%06d.png", camera.calibration.id, frame)) : nil
            return (camera.calibration.id, try loadView(camera: camera, frame: frame, truth: truth, image: image))
        }
    }

    /// The true head-model state of every frame of `subject`'s training (or held-out) sequence as
    /// tracking frames (`groundtruth/<sequence>/pose.f32` and `expression.f32`; landmarks empty,
    /// every camera observed), e.g. to drive a fitted GPHM avatar or fit its expression-code map.
    public static func groundTruthFrames(population: Population, subject: Population.Subject, heldOut: Bool = false) throws -> [HeadTracking.Frame] {
        let directory = population.captureDirectory(of: subject)
        let capture = try Capture.open(directory)
        let count = heldOut ? population.index.heldOutExpressions.count : capture.frameCount
        let truth = directory.appendingPathComponent(heldOut ? "groundtruth/heldout" : "groundtruth/training")
        let expressionURL = truth.appendingPathComponent("expression.f32")
        let bytes = (try? FileManager.default.attributesOfItem(atPath: expressionURL.path)[.size] as? Int) ?? 0
        guard count > 0, bytes > 0, bytes % (4 * count) == 0 else {
            throw AvatarError("\(expressionURL.path): missing or not \(count) frames of float32 expression coefficients; re-run synthetic.population")
        }
        let width = bytes / (4 * count)
        let expression = try rawFloats(expressionURL, count: count * width).map(Double.init)
        let pose = try rawFloats(truth.appendingPathComponent("pose.f32"), count: count * 18).map(Double.init)
        return (0..<count).map { f in
            let p = Array(pose[(18 * f)..<(18 * f + 18)])
            return HeadTracking.Frame(
                rotation: Array(p[0..<3]), translation: Array(p[15..<18]), jaw: Array(p[6..<9]), neck: Array(p[3..<6]), leftEye: Array(p[9..<12]),
                rightEye: Array(p[12..<15]), expression: Array(expression[(width * f)..<(width * f + width)]), landmarks: [], meanResidualPixels: 0,
                observedViews: capture.cameras.count)
        }
    }
}
