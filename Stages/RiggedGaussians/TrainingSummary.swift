import Foundation

/// `training.json` in the avatar artifact: final PSNR on the training views and on the held-out
/// cameras (novel views of the training frames), Gaussian count and speed.
struct TrainingSummary: Codable {
    var iterations: Int
    var gaussianCount: Int
    var trainingPSNR: Double
    var validationPSNR: Double?
    var seconds: Double
    var iterationsPerSecond: Double

    enum CodingKeys: String, CodingKey {
        case iterations, seconds
        case gaussianCount = "gaussian_count"
        case trainingPSNR = "training_psnr_db"
        case validationPSNR = "held_out_camera_psnr_db"
        case iterationsPerSecond = "iterations_per_second"
    }

    static let fileName = "training.json"

    /// Renders every validation view and up to 16 training views (evenly spaced) and averages PSNR.
    static func measure(trainer: RiggedTrainer, data: TrainingData, seconds: Double, steps: Int) throws -> TrainingSummary {
        func meanPSNR(_ views: [TrainingView]) throws -> Double? {
            guard !views.isEmpty else { return nil }
            var total = 0.0
            for view in views {
                let image = try trainer.render(view)
                let target = view.target.scalars
                var squared = 0.0
                for i in 0..<image.count {
                    let d = Double(Swift.min(Swift.max(image[i], 0), 1)) - Double(target[i])
                    squared += d * d
                }
                total += 10 * log10(1 / max(squared / Double(image.count), 1e-12))
            }
            return total / Double(views.count)
        }
        let stride = max(1, data.training.count / 16)
        let sample = Swift.stride(from: 0, to: data.training.count, by: stride).map { data.training[$0] }
        return TrainingSummary(iterations: trainer.iteration, gaussianCount: trainer.binding.count,
                               trainingPSNR: try meanPSNR(sample) ?? 0, validationPSNR: try meanPSNR(data.validation),
                               seconds: seconds, iterationsPerSecond: Double(steps) / max(seconds, 1e-9))
    }

    func write(to directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: directory.appendingPathComponent(Self.fileName), options: .atomic)
    }
}
