import Avatars
import Foundation

extension TrainingSummary {
    /// Renders every held-out-camera view and up to 16 training views spread over frames and cameras
    /// (`TrainingSummary.trainingSample`) and averages their PSNR (`TrainingSummary.meanPSNR`).
    static func measure(
        trainer: DynamicTrainer, views: CaptureViews, guidanceSource: String, seconds: Double,
        steps: Int
    ) throws -> TrainingSummary {
        func meanPSNR(_ views: [SupervisedView]) throws -> Double? {
            try TrainingSummary.meanPSNR(views) { (try trainer.render($0), $0.target.scalars) }
        }
        let sample = TrainingSummary.trainingSample(count: views.training.count, cameras: views.trainingCameras.count).map { views.training[$0] }
        return TrainingSummary(
            iterations: trainer.iteration, gaussianCount: trainer.model.count, guidanceSource: guidanceSource,
            trainingPSNR: try meanPSNR(sample) ?? 0, heldOutCameraPSNR: try meanPSNR(views.heldOutCameraViews),
            seconds: seconds, steps: steps)
    }
}
