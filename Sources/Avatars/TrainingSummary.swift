import Foundation
import Tensors

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
    public init(
        iterations: Int, gaussianCount: Int, guidanceSource: String? = nil, trainingPSNR: Double, heldOutCameraPSNR: Double?,
        seconds: Double, steps: Int
    ) {
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

    /// Indices of the training views `training.json` scores, shared by every avatar family: all of
    /// them when there are at most `limit` (16), otherwise `limit` views spread over frames *and*
    /// cameras — views are stored frame-major over `cameras` training cameras, and view `k` is
    /// `(k·count / limit + k mod cameras) mod count`. A plain stride `count / limit` is a multiple of
    /// the camera count whenever the frame count is a multiple of 16, and then sees one camera only;
    /// the spread rule on `count ≤ limit` views would repeat some views and skip others.
    public static func trainingSample(count: Int, cameras: Int, limit: Int = 16) -> [Int] {
        guard count > limit else { return Array(0..<count) }
        let cameras = Swift.max(1, cameras)
        return (0..<limit).map { k in (k * count / limit + k % cameras) % count }
    }

    /// Mean `ImageQuality.psnr` (dB, render clamped to [0, 1]) over `views`, each rendered by
    /// `render` into `(rendered, target)` samples of equal length; nil when `views` is empty.
    /// Every avatar family scores `training.json` with it.
    public static func meanPSNR<View>(_ views: [View], render: (View) throws -> (rendered: [Float], target: [Float])) rethrows -> Double? {
        guard !views.isEmpty else { return nil }
        return try views.map { view in
            let (rendered, target) = try render(view)
            return ImageQuality.psnr(rendered, target)
        }.reduce(0, +) / Double(views.count)
    }
}
