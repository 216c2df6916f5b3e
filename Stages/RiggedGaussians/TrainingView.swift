import Splatting
import Tensors

/// One training or validation image: the frame it shows, its camera and the target RGB as the
/// matting stage composited it over the background (`[H, W, 3]`).
struct TrainingView: Sendable {
    /// Frame index in the FrameSet / Tracking.
    var frame: Int
    /// Camera id.
    var cameraID: String
    /// The camera.
    var camera: PinholeCamera
    /// RGB target over the background, `[H, W, 3]`.
    var target: Tensor
}
