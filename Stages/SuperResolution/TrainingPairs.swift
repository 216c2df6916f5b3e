import Foundation
import MediaIO

/// One supervised example: a low-resolution image and the reference of the same camera and
/// instant at `factor` times its size, both RGB.
struct TrainingPair: Sendable {
    /// The low-resolution RGB image (e.g. a render at size / factor).
    var low: Image8
    /// The full-size RGB reference.
    var high: Image8
    /// Camera id, for messages.
    var camera: String
    /// Index of the reference frame.
    var frame: Int
}

/// The training pairs of `superres.train`: for every camera in both FrameSets (minus the held-out
/// ones), low-resolution frame i is paired with reference frame `source_frame_indices[i]` — the
/// alignment `eval.images` uses, so renders of `render.reenact` meet the frames they reproduce.
/// Reference frames among the last `heldOutFrames` are left out (the test sequence).
enum TrainingPairs {
    /// The upsampling factor from `low` to `reference` (2 or 4).
    /// - Throws: `SuperResolutionError` when the sizes are not related by ×2 or ×4.
    static func factor(low: FrameSetManifest, reference: FrameSetManifest) throws -> Int {
        for factor in [2, 4] where low.width * factor == reference.width && low.height * factor == reference.height {
            return factor
        }
        throw SuperResolutionError(
            "the low-resolution frames are \(low.width)×\(low.height) and the reference \(reference.width)×\(reference.height); the reference must be exactly 2 or 4 times larger (render the avatar at the reference size / 2 or / 4)"
        )
    }

    /// Reads the pairs.
    /// - Throws: `SuperResolutionError` when the sizes do not fit, a held-out camera is unknown or
    ///   no pair is left; FrameSet read errors.
    static func load(low: FrameSet, reference: FrameSet, heldOutCameras: [String], heldOutFrames: Int) throws -> [TrainingPair] {
        _ = try factor(low: low.manifest, reference: reference.manifest)
        let common = low.manifest.cameras.filter { reference.manifest.cameras.contains($0) }
        for camera in heldOutCameras where !common.contains(camera) {
            throw SuperResolutionError(
                "held_out_cameras names '\(camera)', which is not in both FrameSets (common cameras: \(common.joined(separator: ", ")))")
        }
        let cameras = common.filter { !heldOutCameras.contains($0) }
        let lastTrainingFrame = reference.manifest.frameCount - heldOutFrames
        var pairs: [TrainingPair] = []
        for camera in cameras {
            for (index, frame) in low.manifest.sourceFrameIndices.enumerated() where frame >= 0 && frame < lastTrainingFrame {
                pairs.append(
                    TrainingPair(
                        low: try low.image(frame: index, camera: camera).withChannels(3, opaque: 255),
                        high: try reference.image(frame: frame, camera: camera).withChannels(3, opaque: 255),
                        camera: camera, frame: frame))
            }
        }
        guard !pairs.isEmpty else {
            throw SuperResolutionError(
                "no training pairs: the FrameSets share the cameras [\(common.joined(separator: ", "))] (minus held_out_cameras [\(heldOutCameras.joined(separator: ", "))]) and the low-resolution frames show reference frames \(low.manifest.sourceFrameIndices.min() ?? 0)…\(low.manifest.sourceFrameIndices.max() ?? 0), of which none is before the \(heldOutFrames) held-out ones; render training frames of the reference's cameras"
            )
        }
        return pairs
    }
}
