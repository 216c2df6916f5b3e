import Splatting
import Tensors

/// One training or validation image: the frame it shows, its camera, the target composited over
/// the training background (`[H, W, 3]`) and the matte (`[H, W]`).
struct TrainingView: Sendable {
    /// Frame index in the FrameSet / Tracking.
    var frame: Int
    /// Camera id.
    var cameraID: String
    /// The camera.
    var camera: Splatting.PinholeCamera
    /// RGB target over the background, `[H, W, 3]`.
    var target: Tensor
    /// Alpha matte of the target, `[H, W]` (all ones for RGB frames).
    var alpha: Tensor
}
