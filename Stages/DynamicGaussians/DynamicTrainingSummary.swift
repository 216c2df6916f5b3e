import Foundation

/// `training.json` in the avatar artifact: PSNR of the super-resolved renders on training views and
/// on the held-out cameras (novel views of the training frames) and speed (the engine's stage record has peak memory).
struct DynamicTrainingSummary: Codable {
    var iterations: Int
    var gaussianCount: Int
    var guidanceSource: String
    var trainingPSNR: Double
    var heldOutCameraPSNR: Double?
    var seconds: Double
    var iterationsPerSecond: Double

    enum CodingKeys: String, CodingKey {
        case iterations, seconds
        case gaussianCount = "gaussian_count"
        case guidanceSource = "guidance_source"
        case trainingPSNR = "training_psnr_db"
        case heldOutCameraPSNR = "held_out_camera_psnr_db"
        case iterationsPerSecond = "iterations_per_second"
    }

    static let fileName = "training.json"

    /// Renders every held-out-camera view and 16 training views spread over frames and cameras, and averages PSNR.
    static func measure(trainer: DynamicTrainer, views: CaptureViews, guidanceSource: String, seconds: Double,
                        steps: Int) throws -> DynamicTrainingSummary {
        func meanPSNR(_ views: [SupervisedView]) throws -> Double? {
            guard !views.isEmpty else { return nil }
            return try views.map { DynamicTrainer.psnr(try trainer.render($0), $0.target.scalars) }.reduce(0, +) / Double(views.count)
        }
        // 16 views spread over frames and cameras (views are stored frame-major, so a plain stride
        // that is a multiple of the camera count would see one camera only).
        let count = views.training.count, cameras = max(1, views.trainingCameras.count)
        let sample = (0..<min(16, count)).map { k in views.training[(k * count / min(16, count) + k % cameras) % count] }
        return DynamicTrainingSummary(iterations: trainer.iteration, gaussianCount: trainer.model.count, guidanceSource: guidanceSource,
                                      trainingPSNR: try meanPSNR(sample) ?? 0, heldOutCameraPSNR: try meanPSNR(views.heldOutCameraViews),
                                      seconds: seconds, iterationsPerSecond: Double(steps) / max(seconds, 1e-9))
    }

    func write(to directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: directory.appendingPathComponent(Self.fileName), options: .atomic)
    }
}
