import Foundation
import MediaIO

extension PopulationTrainingData {
    /// Every camera's view of frame `frame` of `subject`'s training sequence (of either split, e.g.
    /// a held-out subject to fit), with the camera ids, loaded as for training.
    public static func views(population: Population, subject: Population.Subject, frame: Int) throws -> [(camera: String, view: PopulationView)] {
        let directory = population.captureDirectory(of: subject)
        let capture = try Capture.open(directory)
        guard (0..<capture.frameCount).contains(frame) else {
            throw AvatarError("\(directory.path): frame \(frame) is outside the subject's \(capture.frameCount) frames; choose 0..<\(capture.frameCount)")
        }
        let truth = directory.appendingPathComponent("groundtruth/training")
        return try capture.cameras.map { ($0.calibration.id, try loadView(camera: $0, frame: frame, truth: truth)) }
    }
}
