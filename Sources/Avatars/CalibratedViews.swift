import Foundation
import Geometry
import HeadModel
import MediaIO

/// The calibrated views of a FrameSet split for training an avatar or a guidance mesh: the one view
/// loader of `gaussians.rigged`, `gaussians.dynamic` and `guidance.*`, with the checks they share.
///
/// `open` refuses, with a message that says how to fix it: frames without camera calibrations, a
/// tracking with another frame count, an image size that is not a multiple of `sizeMultiple`
/// (super-resolution), frames without alpha when `requiresAlpha`, held-out cameras the frames do not
/// have or that leave no camera for training, `heldOutFrames` that leave no training frame, and —
/// with `trackedFramesOnly` — training frames in which no face was tracked at all.
///
/// The split follows GaussianAvatars: views of `heldOutCameras` are held out (novel views), and
/// the last `heldOutFrames` frames contribute no training view. Views are listed frame-major, in
/// the FrameSet's camera order. Each camera is converted once from its calibration by
/// `CameraCalibration.pinholeCamera()`; images are read by the caller, which knows its layout.
public struct CalibratedViews: Sendable {
    /// One (frame, camera) pair with its camera.
    public struct View: Sendable {
        /// Frame index in the FrameSet (and the Tracking).
        public var frame: Int
        /// Camera id.
        public var cameraID: String
        /// The camera's calibration as stored in the FrameSet (Double, for resizing without rounding).
        public var calibration: CameraCalibration
        /// The camera (`calibration.pinholeCamera()`).
        public var camera: PinholeCamera
    }

    /// The frames the views come from.
    public let frameSet: FrameSet
    /// Calibrations in the FrameSet's camera order.
    public let calibrations: [CameraCalibration]
    /// Cameras in the FrameSet's camera order.
    public let cameras: [PinholeCamera]
    /// Ids of the held-out cameras (as requested; each exists in the FrameSet).
    public let heldOutCameras: [String]
    /// Ids of the cameras that supervise training, in FrameSet order (never empty).
    public let trainingCameras: [String]
    /// Frames that supervise training: `0 ..< frameCount − heldOutFrames`, without the frames where
    /// no face was tracked when `trackedFramesOnly` (never empty).
    public let trainingFrames: [Int]
    /// Frames of `0 ..< frameCount − heldOutFrames` left out because no face was tracked in them
    /// (`observedViews == 0`); empty unless `trackedFramesOnly`. Stages report them.
    public let untrackedFrames: [Int]

    /// Checks `frameSet` against `tracking` and the split, and converts its calibrations.
    /// `consumer` names the stage in messages (e.g. "gaussians.rigged").
    /// - Throws: `AvatarError` naming the problem and its fix.
    public static func open(
        frameSet: FrameSet, tracking: HeadTracking, heldOutCameras: [String], heldOutFrames: Int,
        consumer: String, sizeMultiple: Int = 1, requiresAlpha: Bool = false,
        trackedFramesOnly: Bool = false
    ) throws -> CalibratedViews {
        let manifest = frameSet.manifest
        guard let calibrations = manifest.calibrations else {
            throw AvatarError(
                "\(frameSet.directory.path): the frames carry no camera calibrations; \(consumer) needs calibrated cameras (a capture with cameras.json)")
        }
        guard tracking.frames.count == manifest.frameCount else {
            throw AvatarError(
                "the tracking has \(tracking.frames.count) frames but the FrameSet has \(manifest.frameCount); connect the tracking fitted to these frames")
        }
        guard manifest.width % sizeMultiple == 0, manifest.height % sizeMultiple == 0 else {
            throw AvatarError(
                "the frames are \(manifest.width)x\(manifest.height), not divisible by the super-resolution factor \(sizeMultiple); decode at a multiple of \(sizeMultiple) or change sr_factor"
            )
        }
        guard !requiresAlpha || manifest.channels == 4 else {
            throw AvatarError(
                "\(frameSet.directory.path): the frames have \(manifest.channels) channels; \(consumer) needs matted RGBA frames (connect matting's output)")
        }
        for camera in heldOutCameras where !manifest.cameras.contains(camera) {
            throw AvatarError("held_out_cameras names '\(camera)', which the frames do not have (\(manifest.cameras.joined(separator: ", ")))")
        }
        let trainingCameras = manifest.cameras.filter { !heldOutCameras.contains($0) }
        guard !trainingCameras.isEmpty else {
            throw AvatarError("held_out_cameras holds out every camera; keep at least one for training")
        }
        let candidateFrames = manifest.frameCount - heldOutFrames
        guard candidateFrames >= 1 else {
            throw AvatarError("held_out_frames \(heldOutFrames) leaves none of the \(manifest.frameCount) frames for training; hold out fewer frames")
        }
        var frames = Array(0..<candidateFrames)
        var untracked: [Int] = []
        if trackedFramesOnly {
            untracked = frames.filter { tracking.frames[$0].observedViews == 0 }
            frames = frames.filter { tracking.frames[$0].observedViews > 0 }
            guard !frames.isEmpty else {
                throw AvatarError(
                    "no face was tracked in any of the \(candidateFrames) training frames (every tracking frame has 0 observed views); the capture shows no detectable face — check the landmark stage's output or the footage"
                )
            }
        }
        return CalibratedViews(
            frameSet: frameSet, calibrations: calibrations, cameras: try calibrations.map { try $0.pinholeCamera() },
            heldOutCameras: heldOutCameras, trainingCameras: trainingCameras, trainingFrames: frames, untrackedFrames: untracked)
    }

    /// The views of `frames` (frame-major, FrameSet camera order), split into training-camera and
    /// held-out-camera views.
    public func views(frames: [Int]) -> (training: [View], heldOut: [View]) {
        var training: [View] = [], heldOut: [View] = []
        for frame in frames {
            for (index, id) in frameSet.manifest.cameras.enumerated() {
                let view = View(frame: frame, cameraID: id, calibration: calibrations[index], camera: cameras[index])
                if heldOutCameras.contains(id) { heldOut.append(view) } else { training.append(view) }
            }
        }
        return (training, heldOut)
    }

    /// 1.1 × the largest distance of a camera centre from their mean, at least 0.11 (3DGS
    /// `cameras_extent`, world units), over every camera of the FrameSet.
    public var sceneExtent: Float {
        let centres = cameras.map(\.center)
        let mean = centres.reduce(SIMD3<Float>.zero, +) / Float(centres.count)
        let radius = centres.map { (($0 - mean) * ($0 - mean)).sum().squareRoot() }.max() ?? 0
        return max(radius, 0.1) * 1.1
    }
}
