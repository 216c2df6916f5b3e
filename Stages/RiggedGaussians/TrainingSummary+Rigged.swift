import Avatars
import Foundation
import Tensors

extension TrainingSummary {
    /// Renders every validation view and up to 16 training views (evenly spaced) and averages PSNR.
    static func measure(trainer: RiggedTrainer, data: TrainingData, seconds: Double, steps: Int) throws -> TrainingSummary {
        func meanPSNR(_ views: [TrainingView]) throws -> Double? {
            guard !views.isEmpty else { return nil }
            return try views.map { ImageQuality.psnr(try trainer.render($0), $0.target.scalars) }.reduce(0, +) / Double(views.count)
        }
        let stride = max(1, data.training.count / 16)
        let sample = Swift.stride(from: 0, to: data.training.count, by: stride).map { data.training[$0] }
        return TrainingSummary(iterations: trainer.iteration, gaussianCount: trainer.binding.count, trainingPSNR: try meanPSNR(sample) ?? 0,
                               heldOutCameraPSNR: try meanPSNR(data.validation), seconds: seconds, steps: steps)
    }
}
