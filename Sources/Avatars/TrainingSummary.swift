import Foundation

/// `training.json` in an AvatarModel artifact, the same for every avatar family: final PSNR on a
/// sample of training views and on the held-out cameras (novel views of the training frames),
/// Gaussian count and speed (the engine's stage record has the peak memory).
public struct TrainingSummary: Codable, Sendable, Equatable {
    /// Steps completed.
    public var iterations: Int
    /// Gaussians at the end.
    public var gaussianCount: Int
    /// Source of the guidance the avatar started from (GHA: "sdf-dmtet" | "template"), if any.
    public var guidanceSource: String?
    /// Mean PSNR over the training-view sample, dB.
    public var trainingPSNR: Double
    /// Mean PSNR over the held-out cameras' views, dB (nil without held-out cameras).
    public var heldOutCameraPSNR: Double?
    /// Wall-clock seconds of this run's steps.
    public var seconds: Double
    /// Steps per second of this run.
    public var iterationsPerSecond: Double

    enum CodingKeys: String, CodingKey {
        case iterations, seconds
        case gaussianCount = "gaussian_count"
        case guidanceSource = "guidance_source"
        case trainingPSNR = "training_psnr_db"
        case heldOutCameraPSNR = "held_out_camera_psnr_db"
        case iterationsPerSecond = "iterations_per_second"
    }

    /// File name inside the AvatarModel artifact.
    public static let fileName = "training.json"

    /// Creates a summary; the rate is derived from `steps` and `seconds`.
    public init(iterations: Int, gaussianCount: Int, guidanceSource: String? = nil, trainingPSNR: Double, heldOutCameraPSNR: Double?,
                seconds: Double, steps: Int) {
        self.iterations = iterations
        self.gaussianCount = gaussianCount
        self.guidanceSource = guidanceSource
        self.trainingPSNR = trainingPSNR
        self.heldOutCameraPSNR = heldOutCameraPSNR
        self.seconds = seconds
        iterationsPerSecond = Double(steps) / max(seconds, 1e-9)
    }

    /// Writes `training.json` into `directory`.
    public func write(to directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: directory.appendingPathComponent(Self.fileName), options: .atomic)
    }
}
