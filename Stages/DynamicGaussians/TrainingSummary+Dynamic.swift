import Avatars
import Foundation
import Tensors

extension TrainingSummary {
    /// Renders every held-out-camera view and 16 training views spread over frames and cameras, and averages PSNR.
    static func measure(trainer: DynamicTrainer, views: CaptureViews, guidanceSource: String, seconds: Double,
                        steps: Int) throws -> TrainingSummary {
        func meanPSNR(_ views: [SupervisedView]) throws -> Double? {
            guard !views.isEmpty else { return nil }
            return try views.map { ImageQuality.psnr(try trainer.render($0), $0.target.scalars) }.reduce(0, +) / Double(views.count)
        }
        let sample = TrainingSummary.trainingSample(count: views.training.count, cameras: views.trainingCameras.count).map { views.training[$0] }
        return TrainingSummary(iterations: trainer.iteration, gaussianCount: trainer.model.count, guidanceSource: guidanceSource,
                               trainingPSNR: try meanPSNR(sample) ?? 0, heldOutCameraPSNR: try meanPSNR(views.heldOutCameraViews),
                               seconds: seconds, steps: steps)
    }
}
