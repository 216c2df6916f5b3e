import Avatars
import Foundation
import Geometry
import HeadModel
import MediaIO
import Tensors

/// One calibrated view of one frame at the render size: RGB over white and the alpha matte.
struct GuidanceView {
    var frame: Int
    var cameraID: String
    var camera: PinholeCamera
    /// `[H, W, 3]` in [0, 1].
    var rgb: Tensor
    /// `[H, W]` in [0, 1].
    var alpha: Tensor
    /// Visible head and hair masks `[H, W, 2]` (HHAvatar's eq. 20 targets), when masks were given.
    var parts: Tensor? = nil
}

/// What a tracked frame contributes: the conditions θ and β, the canonical → world map, and its
/// 3D landmarks in canonical coordinates (the supervision of eq. 13).
struct GuidanceFrame {
    var expression: Tensor
    var pose: Tensor
    var transform: CanonicalToWorld
    var landmarks: Tensor
}

/// Frames, conditions and views of a capture, loaded into memory for the guidance fit.
struct GuidanceData {
    var frames: [GuidanceFrame]
    /// Training views grouped by frame (one entry per frame with at least one view).
    var trainingByFrame: [[GuidanceView]]
    var heldOut: [GuidanceView]
    var canonicalSpace: CanonicalHeadSpace
    /// The subject's neutral landmarks in canonical coordinates (initial P0).
    var neutralLandmarks: Tensor

    /// Loads every frame's conditions and views; views of `heldOutCameras` go to `heldOut`, and the
    /// last `heldOutFrames` frames contribute no training views.
    static func load(
        frameSet: FrameSet, tracking: HeadTracking, model: HeadModel, renderSize: Int,
        heldOutCameras: [String], heldOutFrames: Int = 0, masks: MaskSet? = nil
    ) throws -> GuidanceData {
        let split: CalibratedViews
        do {
            split = try CalibratedViews.open(
                frameSet: frameSet, tracking: tracking, heldOutCameras: heldOutCameras, heldOutFrames: heldOutFrames,
                consumer: "the guidance fit", requiresAlpha: true)
        } catch let error as AvatarError {
            throw MeshGuidanceError(error.description)
        }
        let space = try CanonicalHeadSpace.of(tracking: tracking, model: model)
        let neutral = try model.shapedVertices(
            identity: tracking.identity.map(Float.init),
            expression: [Float](repeating: 0, count: model.expressionCount))
        let neutralLandmarks = model.landmarkPositions(vertices: neutral).map(space.canonical(fromModel:))
        var frames: [GuidanceFrame] = []
        for (index, frame) in tracking.frames.enumerated() {
            let transform = space.worldTransform(of: frame, scale: tracking.scale)
            let world: [SIMD3<Float>]
            if frame.landmarks.count == model.landmarks.count {
                world = frame.landmarks.map { SIMD3<Float>(Float($0[0]), Float($0[1]), Float($0[2])) }
            } else {
                world = model.landmarkPositions(vertices: try tracking.vertices(frame: index, model: model))
            }
            let canonical = world.map { transform.inverse($0) }
            let expression = CanonicalHeadSpace.expressionCondition(of: frame)
            let pose = space.poseCondition(of: frame, scale: tracking.scale)
            frames.append(
                GuidanceFrame(
                    expression: Tensor(shape: [1, expression.count], scalars: expression),
                    pose: Tensor(shape: [1, pose.count], scalars: pose), transform: transform,
                    landmarks: Tensor(shape: [canonical.count, 3], scalars: canonical.flatMap { [$0.x, $0.y, $0.z] })))
        }
        let frameCount = frameSet.manifest.frameCount
        let views = split.views(frames: Array(0..<frameCount))
        let trainingFrames = Set(split.trainingFrames)
        var training = [[GuidanceView]](repeating: [], count: frameCount)
        for view in views.training where trainingFrames.contains(view.frame) {
            training[view.frame].append(try loadView(frameSet: frameSet, view, renderSize: renderSize, masks: masks))
        }
        let heldOut = try views.heldOut.map { try loadView(frameSet: frameSet, $0, renderSize: renderSize) }
        return GuidanceData(
            frames: frames, trainingByFrame: training, heldOut: heldOut, canonicalSpace: space,
            neutralLandmarks: Tensor(shape: [neutralLandmarks.count, 3], scalars: neutralLandmarks.flatMap { [$0.x, $0.y, $0.z] }))
    }

    /// Loads one view, resized so its longer side is `renderSize` (intrinsics scaled alike), with its
    /// head and hair masks at that size when `masks` are given (training views only: eq. 20 supervises them).
    static func loadView(frameSet: FrameSet, _ view: CalibratedViews.View, renderSize: Int, masks: MaskSet? = nil) throws -> GuidanceView {
        var image = try frameSet.image(frame: view.frame, camera: view.cameraID)
        var parts: Tensor?
        if let masks {
            parts = try partTargets(masks: masks, view: view, width: image.width, height: image.height, renderSize: renderSize)
        }
        var calibration = view.calibration
        let longer = max(image.width, image.height)
        if longer != renderSize {
            let size = PixelSize(width: max(1, image.width * renderSize / longer), height: max(1, image.height * renderSize / longer))
            image = try ImageScaling.resize(image, to: size)
            calibration = calibration.resized(to: size)
        }
        let pixels = image.width * image.height
        var rgb = [Float](repeating: 0, count: 3 * pixels), alpha = [Float](repeating: 0, count: pixels)
        for p in 0..<pixels {
            for c in 0..<3 { rgb[3 * p + c] = Float(image.samples[4 * p + c]) / 255 }
            alpha[p] = Float(image.samples[4 * p + 3]) / 255
        }
        return GuidanceView(
            frame: view.frame, cameraID: view.cameraID, camera: try calibration.pinholeCamera(),
            rgb: Tensor(shape: [image.height, image.width, 3], scalars: rgb),
            alpha: Tensor(shape: [image.height, image.width], scalars: alpha), parts: parts)
    }
}

extension GuidanceData {
    /// The head and hair targets `[h, w, 2]` of a `width × height` view at `renderSize` (its longer
    /// side): box-averaged when the frames are an integer multiple of it, repeated when it is an
    /// integer multiple of the frames.
    static func partTargets(masks: MaskSet, view: CalibratedViews.View, width: Int, height: Int, renderSize: Int) throws -> Tensor {
        let longer = max(width, height)
        let downscale = longer % renderSize == 0 && width % (longer / renderSize) == 0 && height % (longer / renderSize) == 0
        guard downscale || renderSize % longer == 0 else {
            throw MeshGuidanceError(
                "the head and hair masks are resampled to render_size by an integer factor, but the frames are \(width)×\(height); set render_size to a divisor or multiple of \(longer)"
            )
        }
        let full: Tensor
        do {
            full = try OcclusionAwareMasks.target(
                masks: masks, frame: view.frame, camera: view.cameraID, width: width, height: height, factor: downscale ? longer / renderSize : 1)
        } catch let error as AvatarError {
            throw MeshGuidanceError(error.description)
        }
        guard !downscale else { return full }
        let repeatCount = renderSize / longer
        let (h, w) = (height * repeatCount, width * repeatCount)
        let values = (0..<(h * w)).flatMap { p -> [Float] in
            let source = (p / w / repeatCount) * width + (p % w) / repeatCount
            return [full.scalars[2 * source], full.scalars[2 * source + 1]]
        }
        return Tensor(shape: [h, w, 2], scalars: values)
    }
}

extension CanonicalToWorld {
    /// The canonical point that maps to `world` (the inverse of `apply`).
    func inverse(_ world: SIMD3<Float>) -> SIMD3<Float> {
        let r = Matrix3x3(rotationVector: rotation)
        return (r.transposed * (world - pivot - translation) + pivot - offset) / stretch
    }

    /// `apply` on the tape for points `[N, 3]`: x_world = stretch·R·x + (R·(offset − pivot) + pivot + translation).
    func applyToPoints(_ points: Variable) -> Variable {
        let r = Matrix3x3(rotationVector: rotation)
        let scaledTransposed = (stretch * r).transposed.rowMajor
        let bias = r * (offset - pivot) + pivot + translation
        return points.matmul(Variable(Tensor(shape: [3, 3], scalars: scaledTransposed)))
            + Variable(Tensor(shape: [1, 3], scalars: [bias.x, bias.y, bias.z]))
    }
}
