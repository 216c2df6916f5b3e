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

    static func load(frameSet: FrameSet, tracking: HeadTracking, heldOutCameras: [String], heldOutFrames: Int,
                     factor: Int) throws -> CaptureViews {
        let manifest = frameSet.manifest
        guard let calibrations = manifest.calibrations else {
            throw DynamicGaussiansError("\(frameSet.directory.path): the frames carry no camera calibrations; gaussians.dynamic needs calibrated cameras (a capture with cameras.json)")
        }
        guard tracking.frames.count == manifest.frameCount else {
            throw DynamicGaussiansError("the tracking has \(tracking.frames.count) frames but the FrameSet has \(manifest.frameCount); connect the tracking fitted to these frames")
        }
        guard manifest.width % factor == 0, manifest.height % factor == 0 else {
            throw DynamicGaussiansError("the frames are \(manifest.width)x\(manifest.height), not divisible by the super-resolution factor \(factor); decode at a multiple of \(factor) or change sr_factor")
        }
        for camera in heldOutCameras where !manifest.cameras.contains(camera) {
            throw DynamicGaussiansError("held_out_cameras names '\(camera)', which the frames do not have (\(manifest.cameras.joined(separator: ", ")))")
        }
        let trainingCameras = manifest.cameras.filter { !heldOutCameras.contains($0) }
        guard !trainingCameras.isEmpty else {
            throw DynamicGaussiansError("held_out_cameras holds out every camera; keep at least one for training")
        }
        let candidateFrames = manifest.frameCount - heldOutFrames
        guard candidateFrames >= 1 else {
            throw DynamicGaussiansError("held_out_frames = \(heldOutFrames) leaves no training frame of \(manifest.frameCount); lower it")
        }
        let frames = (0..<candidateFrames).filter { tracking.frames[$0].observedViews > 0 }
        guard !frames.isEmpty else {
            throw DynamicGaussiansError("no face was tracked in any of the \(candidateFrames) training frames (every tracking frame has 0 observed views); the capture shows no detectable face — check the landmark stage's output or the footage")
        }
        var training: [SupervisedView] = [], heldOut: [SupervisedView] = []
        for frame in frames {
            for (index, camera) in manifest.cameras.enumerated() {
                let view = try loadView(frameSet: frameSet, frame: frame, camera: camera, calibration: calibrations[index], factor: factor)
                if heldOutCameras.contains(camera) { heldOut.append(view) } else { training.append(view) }
            }
        }
        return CaptureViews(training: training, heldOutCameraViews: heldOut, trainingCameras: trainingCameras, trainingFrames: frames)
    }

    static func loadView(frameSet: FrameSet, frame: Int, camera: String, calibration: CameraCalibration, factor: Int) throws -> SupervisedView {
        let image = try frameSet.floatImage(frame: frame, camera: camera)
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
        let pinhole = try calibration.pinholeCamera()
        return SupervisedView(frame: frame, cameraID: camera, camera: pinhole,
                              target: Tensor(shape: [3, height, width], scalars: channelFirst),
                              lowResolutionTarget: Tensor(shape: [h, w, 3], scalars: low))
    }
}
