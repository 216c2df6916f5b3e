import Avatars
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
    /// Frames left out of training because no face was tracked in them.
    var untrackedFrames: [Int]
    /// 1.1 × the largest distance of a camera centre from their mean (3DGS `cameras_extent`).
    var sceneExtent: Float

    static func load(frameSet: FrameSet, tracking: HeadTracking, heldOutCameras: [String], heldOutFrames: Int) throws -> TrainingData {
        let split: CalibratedViews
        do {
            split = try CalibratedViews.open(
                frameSet: frameSet, tracking: tracking, heldOutCameras: heldOutCameras,
                heldOutFrames: heldOutFrames, consumer: "gaussians.rigged", trackedFramesOnly: true)
        } catch let error as AvatarError {
            throw RiggedGaussiansError(error.description)
        }
        let views = split.views(frames: split.trainingFrames)
        return TrainingData(
            training: try views.training.map { try loadView(frameSet: frameSet, $0) },
            validation: try views.heldOut.map { try loadView(frameSet: frameSet, $0) },
            trainingCameras: split.trainingCameras, trainingFrames: split.trainingFrames.count, untrackedFrames: split.untrackedFrames,
            sceneExtent: split.sceneExtent)
    }

    static func loadView(frameSet: FrameSet, _ view: CalibratedViews.View) throws -> TrainingView {
        let image = try frameSet.floatImage(frame: view.frame, camera: view.cameraID)
        let pixels = image.width * image.height
        var rgb = [Float](repeating: 0, count: pixels * 3)
        for p in 0..<pixels {
            for c in 0..<3 { rgb[3 * p + c] = image.samples[p * image.channels + c] }
        }
        return TrainingView(
            frame: view.frame, cameraID: view.cameraID, camera: view.camera,
            target: Tensor(shape: [image.height, image.width, 3], scalars: rgb))
    }
}
