import Foundation
import HeadModel
import Splatting

/// The `export_ply_frames` output shared by the avatar training stages: the posed Gaussians of
/// chosen driving frames written as 3DGS PLY files `ply/frame_XXXXXX.ply` into the avatar folder.
public enum PosedGaussianPLYExport {
    /// What is wrong with `frames` for a tracking of `frameCount` frames (naming the parameter, the
    /// frame and the valid range), or nil when every frame exists — checked before training starts.
    public static func problem(frames: [Int], frameCount: Int) -> String? {
        guard let frame = frames.first(where: { !(0..<frameCount).contains($0) }) else { return nil }
        return "export_ply_frames names frame \(frame) but the tracking has \(frameCount) frames; use 0…\(frameCount - 1)"
    }

    /// Writes `avatar`'s Gaussians posed by each of `frames` of `tracking` into `output/ply/`
    /// (nothing when `frames` is empty). The frames must exist (see `problem`).
    public static func write(_ avatar: some GaussianAvatarRenderer, driving tracking: HeadTracking, frames: [Int], into output: URL) throws {
        guard !frames.isEmpty else { return }
        let folder = output.appendingPathComponent("ply")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for frame in frames {
            let name = "frame_" + String(format: "%06d", frame) + ".ply"
            try GaussianPLY.write(try avatar.scene(driving: tracking.frames[frame]), to: folder.appendingPathComponent(name))
        }
    }
}
