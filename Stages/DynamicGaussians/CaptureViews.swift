import Avatars
import Foundation
import HeadModel
import MediaIO
import Splatting
import Tensors

/// One supervised image of GHA training: the frame, the camera, the target at full size
/// (`[3, H, W]`, as Ψ outputs it) and box-filtered to the feature image's size (`[h, w, 3]`, I_lr's target).
struct SupervisedView {
    /// Frame index in the FrameSet / Tracking.
    var frame: Int
    /// Camera id.
    var cameraID: String
    /// The full-size camera.
    var camera: PinholeCamera
    /// RGB over the background, channel-first `[3, H, W]`.
    var target: Tensor
    /// RGB box-averaged by the super-resolution factor, `[H/f, W/f, 3]`.
    var lowResolutionTarget: Tensor
}

/// The training and held-out views of a capture. Frames whose tracking saw no face
/// (`observedViews == 0`) are left out; held-out cameras and trailing frames as in GaussianAvatars' splits.
struct CaptureViews {
    var training: [SupervisedView]
    /// Views of the training frames from the held-out cameras (novel-view validation).
    var heldOutCameraViews: [SupervisedView]
    var trainingCameras: [String]
    var trainingFrames: [Int]
    /// Frames left out of training because no face was tracked in them.
    var untrackedFrames: [Int]

    static func load(
        frameSet: FrameSet, tracking: HeadTracking, heldOutCameras: [String], heldOutFrames: Int,
        factor: Int
    ) throws -> CaptureViews {
        let split: CalibratedViews
        do {
            split = try CalibratedViews.open(
                frameSet: frameSet, tracking: tracking, heldOutCameras: heldOutCameras, heldOutFrames: heldOutFrames,
                consumer: "gaussians.dynamic", sizeMultiple: factor, trackedFramesOnly: true)
        } catch let error as AvatarError {
            throw DynamicGaussiansError(error.description)
        }
        let views = split.views(frames: split.trainingFrames)
        return CaptureViews(
            training: try views.training.map { try loadView(frameSet: frameSet, $0, factor: factor) },
            heldOutCameraViews: try views.heldOut.map { try loadView(frameSet: frameSet, $0, factor: factor) },
            trainingCameras: split.trainingCameras, trainingFrames: split.trainingFrames, untrackedFrames: split.untrackedFrames)
    }

    static func loadView(frameSet: FrameSet, _ view: CalibratedViews.View, factor: Int) throws -> SupervisedView {
        let image = try frameSet.floatImage(frame: view.frame, camera: view.cameraID)
        let (width, height) = (image.width, image.height)
        let plane = width * height
        var channelFirst = [Float](repeating: 0, count: 3 * plane)
        for p in 0..<plane {
            for c in 0..<3 { channelFirst[c * plane + p] = image.samples[p * image.channels + c] }
        }
        let (w, h) = (width / factor, height / factor)
        var low = [Float](repeating: 0, count: w * h * 3)
        let weight = 1 / Float(factor * factor)
        for y in 0..<h {
            for x in 0..<w {
                for dy in 0..<factor {
                    for dx in 0..<factor {
                        let p = (y * factor + dy) * width + x * factor + dx
                        for c in 0..<3 { low[3 * (y * w + x) + c] += weight * image.samples[p * image.channels + c] }
                    }
                }
            }
        }
        return SupervisedView(
            frame: view.frame, cameraID: view.cameraID, camera: view.camera,
            target: Tensor(shape: [3, height, width], scalars: channelFirst),
            lowResolutionTarget: Tensor(shape: [h, w, 3], scalars: low))
    }
}
