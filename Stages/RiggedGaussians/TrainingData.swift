import Foundation
import HeadModel
import MediaIO
import Splatting
import Tensors

/// The training and validation views of a capture, loaded into memory.
///
/// Targets are the FrameSet's RGB as stored: `matting.difference` has already composited the
/// foreground onto its background (white by default), which must match `white_background`.
struct TrainingData {
    var training: [TrainingView]
    var validation: [TrainingView]
    var trainingCameras: [String]
    var trainingFrames: Int
    /// 1.1 × the largest distance of a camera centre from their mean (3DGS `cameras_extent`).
    var sceneExtent: Float

    static func load(frameSet: FrameSet, tracking: HeadTracking, heldOutCameras: [String], heldOutFrames: Int) throws -> TrainingData {
        let manifest = frameSet.manifest
        guard let calibrations = manifest.calibrations else {
            throw RiggedGaussiansError("\(frameSet.directory.path): the frames carry no camera calibrations; gaussians.rigged needs calibrated cameras (a capture with cameras.json)")
        }
        guard tracking.frames.count == manifest.frameCount else {
            throw RiggedGaussiansError("the tracking has \(tracking.frames.count) frames but the FrameSet has \(manifest.frameCount); connect the tracking fitted to these frames")
        }
        for camera in heldOutCameras where !manifest.cameras.contains(camera) {
            throw RiggedGaussiansError("held_out_cameras names '\(camera)', which the frames do not have (\(manifest.cameras.joined(separator: ", ")))")
        }
        let trainingCameras = manifest.cameras.filter { !heldOutCameras.contains($0) }
        guard !trainingCameras.isEmpty else {
            throw RiggedGaussiansError("held_out_cameras holds out every camera; keep at least one for training")
        }
        let trainingFrames = manifest.frameCount - heldOutFrames
        guard trainingFrames >= 1 else {
            throw RiggedGaussiansError("held_out_frames = \(heldOutFrames) leaves no training frame of \(manifest.frameCount); lower it")
        }
        let cameras = try calibrations.map { try $0.pinholeCamera() }
        var training: [TrainingView] = [], validation: [TrainingView] = []
        for frame in 0..<trainingFrames {
            for (index, camera) in manifest.cameras.enumerated() {
                let view = try loadView(frameSet: frameSet, frame: frame, camera: camera, pinhole: cameras[index])
                if heldOutCameras.contains(camera) { validation.append(view) } else { training.append(view) }
            }
        }
        let centres = cameras.map(\.center)
        let mean = centres.reduce(SIMD3<Float>.zero, +) / Float(centres.count)
        let radius = centres.map { (($0 - mean) * ($0 - mean)).sum().squareRoot() }.max() ?? 0
        return TrainingData(training: training, validation: validation, trainingCameras: trainingCameras,
                            trainingFrames: trainingFrames, sceneExtent: max(radius, 0.1) * 1.1)
    }

    static func loadView(frameSet: FrameSet, frame: Int, camera: String, pinhole: PinholeCamera) throws -> TrainingView {
        let image = try frameSet.floatImage(frame: frame, camera: camera)
        let pixels = image.width * image.height
        var rgb = [Float](repeating: 0, count: pixels * 3)
        for p in 0..<pixels {
            for c in 0..<3 { rgb[3 * p + c] = image.samples[p * image.channels + c] }
        }
        return TrainingView(frame: frame, cameraID: camera, camera: pinhole,
                            target: Tensor(shape: [image.height, image.width, 3], scalars: rgb))
    }
}
