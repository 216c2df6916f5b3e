import Avatars
import Foundation

extension TrainingSummary {
    /// Renders every validation view and up to 16 training views spread over frames and cameras
    /// (`TrainingSummary.trainingSample`) and averages their PSNR (`TrainingSummary.meanPSNR`).
    static func measure(trainer: RiggedTrainer, data: TrainingData, seconds: Double, steps: Int) throws -> TrainingSummary {
        func meanPSNR(_ views: [TrainingView]) throws -> Double? {
            try TrainingSummary.meanPSNR(views) { (try trainer.render($0), $0.target.scalars) }
        }
        let sample = TrainingSummary.trainingSample(count: data.training.count, cameras: data.trainingCameras.count).map { data.training[$0] }
        return TrainingSummary(
            iterations: trainer.iteration, gaussianCount: trainer.binding.count, trainingPSNR: try meanPSNR(sample) ?? 0,
            heldOutCameraPSNR: try meanPSNR(data.validation), seconds: seconds, steps: steps)
    }
}
