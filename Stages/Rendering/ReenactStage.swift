import AvatarFlow
import Avatars
import Foundation
import HeadModel
import MediaIO
import Splatting

/// `render.reenact`: drives a trained avatar of any family with a Tracking sequence —
/// self-reenactment with the avatar's own tracking, or cross-identity with another capture's —
/// and renders it from the FrameSet's calibrated cameras or along a novel orbit. Driving frames in
/// which no face was tracked (`observed_views` 0) are left out of the output, by name.
public struct ReenactStage: Stage {
    /// Parameters of `render.reenact`.
    public struct Parameters: StageParameters {
        @Param("Cameras of the frames input to render; empty = all of them.")
        public var cameras: [String] = []
        @Param("Render one novel camera orbiting the head instead of the capture's cameras.")
        public var orbit: Bool = false
        @Param("Half-angle of the orbit's azimuth sweep over the sequence, degrees.", range: 0...180)
        public var orbitDegrees: Double = 30
        @Param("Temporal smoothing of the driving tracking: moving-average radius in frames (0 = off).", range: 0...100)
        public var smoothing: Int = 0
        @Param("First driving frame to render.", range: 0...10_000_000)
        public var firstFrame: Int = 0
        @Param("Driving frames to render (0 = all from first_frame).", range: 0...10_000_000)
        public var frameCount: Int = 0
        @Param("Render only the last N driving frames, e.g. a held-out test sequence (0 = use first_frame/frame_count).", range: 0...10_000_000)
        public var lastFrames: Int = 0
        @Param("Output frame rate when the frames input does not give one (paper videos: 25).", range: 1...1000)
        public var frameRate: Int = 25

        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "render.reenact"
    public static let version = 2
    public static let summary = "Drive a trained avatar with a tracking sequence; render capture cameras or a novel orbit."
    public static let inputs = [
        StagePort("avatar", .avatar, doc: "A trained avatar of any family."),
        StagePort("driving", .tracking, doc: "The driving sequence (the avatar's own tracking, or another capture's)."),
        StagePort("frames", .frameSet, optional: true, doc: "Calibrated frames whose cameras (and frame rate) are used."),
    ]
    public static let outputs = [StagePort("frames", .frameSet, doc: "RGBA renders: RGB over the avatar's background, A the accumulated opacity.")]

    public init() {}

    /// Renders every requested frame from every requested camera.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let avatar = try AvatarLoader.load(from: try context.input("avatar"))
        let driving = try HeadTracking.read(from: try context.input("driving"))
        guard driving.model == avatar.headModel.name else {
            throw RenderingError(
                "the driving tracking uses head model '\(driving.model)' but the avatar was trained with '\(avatar.headModel.name)'; drive it with a tracking of the same model"
            )
        }
        let reference = try context.optionalInput("frames").map { try FrameSet.open($0) }
        let first = parameters.lastFrames > 0 ? driving.frames.count - parameters.lastFrames : parameters.firstFrame
        let count =
            parameters.lastFrames > 0
            ? parameters.lastFrames
            : parameters.frameCount == 0 ? driving.frames.count - first : parameters.frameCount
        guard first >= 0, count > 0, first + count <= driving.frames.count else {
            throw RenderingError(
                "first_frame \(parameters.firstFrame), frame_count \(parameters.frameCount) and last_frames \(parameters.lastFrames) select no valid range of the \(driving.frames.count) driving frames"
            )
        }
        let untracked = Set((first..<(first + count)).filter { driving.frames[$0].observedViews == 0 })
        guard untracked.count < count else {
            throw RenderingError(
                "no face was tracked in any of the \(count) driving frames \(first)–\(first + count - 1) (observed_views 0); see the tracking's fit-quality report, or drive another range"
            )
        }
        if !untracked.isEmpty {
            context.warn(
                "\(untracked.count) of \(count) driving frames are not rendered: no face was tracked in them (\(FrameList.describe(untracked.sorted())))")
        }
        let smoothed = DrivingSequence.smoothed(driving.frames, radius: parameters.smoothing)
        let sequence = Array(smoothed[first..<(first + count)])
        let views = try cameraViews(reference: reference, parameters: parameters, avatar: avatar, firstFrame: sequence[0])
        let size = PixelSize(width: views.calibrations[0].width, height: views.calibrations[0].height)
        guard views.calibrations.allSatisfy({ $0.width == size.width && $0.height == size.height }) else {
            throw RenderingError("the selected cameras have different image sizes; render them in separate stages (cameras: [...])")
        }
        let frameRate = reference?.manifest.frameRate ?? Rational(parameters.frameRate, 1)
        let writer = try FrameSetWriter(
            directory: try context.output("frames"), cameras: views.ids,
            calibrations: parameters.orbit ? nil : views.calibrations, size: size, channels: 4,
            frameRate: frameRate)
        let rasterizer = GaussianRasterizer()
        func write(_ index: Int, _ rendered: [FloatImage]) throws {
            defer { context.reportProgress(completed: index + 1, total: count, unit: "frames") }
            guard !untracked.contains(first + index) else { return }
            let seconds = Double(index) * Double(frameRate.denominator) / Double(frameRate.numerator)
            try writer.append(rendered.map(Image8.init(rounding:)), timestamp: seconds, sourceIndex: first + index)
        }
        if let sequential = avatar as? any MotionHistoryAvatar {
            // An avatar with memory runs through the whole driving sequence in order from rest at its first frame.
            try sequential.renderSequence(
                driving: smoothed, range: first..<(first + count),
                cameras: { frame in (0..<views.ids.count).map { views.camera($0, frame - first, count) } }, rasterizer: rasterizer
            ) { try write($0 - first, $1) }
        } else {
            for (index, state) in sequence.enumerated() where !untracked.contains(first + index) {
                let cameras = (0..<views.ids.count).map { views.camera($0, index, count) }
                try write(index, try avatar.render(driving: state, cameras: cameras, rasterizer: rasterizer))
            }
        }
        try writer.finish()
    }

    /// Cameras to render: ids, calibrations and a camera per (view, frame index, frame count).
    struct Views {
        var ids: [String]
        var calibrations: [CameraCalibration]
        var camera: (Int, Int, Int) -> PinholeCamera
    }

    func cameraViews(
        reference: FrameSet?, parameters: Parameters, avatar: any GaussianAvatarRenderer,
        firstFrame: HeadTracking.Frame
    ) throws -> Views {
        guard let reference, let calibrations = reference.manifest.calibrations else {
            throw RenderingError(
                "render.reenact needs calibrated cameras: connect `frames` (a FrameSet with calibrations) to render its cameras or to place the orbit")
        }
        let wanted = parameters.cameras.isEmpty ? reference.manifest.cameras : parameters.cameras
        let chosen = try wanted.map { id -> CameraCalibration in
            guard let calibration = calibrations.first(where: { $0.id == id }) else {
                throw RenderingError("camera '\(id)' is not in the frames (\(reference.manifest.cameras.joined(separator: ", ")))")
            }
            return calibration
        }
        if !parameters.orbit {
            let cameras = try chosen.map { try $0.pinholeCamera() }
            return Views(ids: wanted, calibrations: chosen, camera: { view, _, _ in cameras[view] })
        }
        let base = chosen[0]
        let baseCamera = try base.pinholeCamera()
        let scene = try avatar.scene(driving: firstFrame)
        var centre = SIMD3<Float>.zero
        for i in 0..<scene.count { centre += SIMD3(scene.means[3 * i], scene.means[3 * i + 1], scene.means[3 * i + 2]) }
        centre /= Float(max(1, scene.count))
        let up = -baseCamera.worldToCamera.rotation.row1
        let offset = baseCamera.center - centre
        let sweep = Float(parameters.orbitDegrees * .pi / 180)
        return Views(
            ids: ["orbit"], calibrations: [base],
            camera: { _, index, count in
                let angle = count > 1 ? -sweep + 2 * sweep * Float(index) / Float(count - 1) : 0
                let eye = centre + Self.rotate(offset, about: up, by: angle)
                var camera = baseCamera
                camera.id = "orbit"
                camera.worldToCamera = PinholeCamera.lookAt(eye: eye, target: centre, up: up)
                return camera
            })
    }

    static func rotate(_ v: SIMD3<Float>, about axis: SIMD3<Float>, by angle: Float) -> SIMD3<Float> {
        let k = axis / (axis * axis).sum().squareRoot()
        let c = cos(angle), s = sin(angle)
        let kxv = SIMD3(k.y * v.z - k.z * v.y, k.z * v.x - k.x * v.z, k.x * v.y - k.y * v.x)
        return v * c + kxv * s + k * ((k * v).sum() * (1 - c))
    }
}
