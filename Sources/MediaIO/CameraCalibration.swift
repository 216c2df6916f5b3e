/// One camera's entry in `cameras.json` (`CamerasFile`) and `frameset.json`, as stored: the
/// on-disk record, in Double as written, with the capture-only `media` path. It is not a camera
/// to compute with: `pinholeCamera()` (CameraCalibration+Geometry.swift) is the one conversion to
/// the project's camera type, Geometry's `PinholeCamera`, used by fitting, splatting and mesh
/// rasterisation alike. See docs/capture-format.md.
///
/// Conventions (OpenCV): image x right, y down, pixel centres at integer coordinates; camera axes
/// x right, y down, z forward (looking direction). Intrinsics are in pixels. `worldToCamera` is a
/// 4×4 row-major rigid transform mapping world points (metres, or the model's units) to camera
/// coordinates: `p_cam = R · p_world + t`, with R in the upper-left 3×3 and t in the last column.
public struct CameraCalibration: Codable, Sendable, Hashable {
    /// Camera id; names the video file / image folder and the FrameSet sub-directory.
    public var id: String
    /// Image width in pixels the intrinsics refer to.
    public var width: Int
    /// Image height in pixels the intrinsics refer to.
    public var height: Int
    /// Focal length along x, in pixels.
    public var fx: Double
    /// Focal length along y, in pixels.
    public var fy: Double
    /// Principal point x, in pixels.
    public var cx: Double
    /// Principal point y, in pixels.
    public var cy: Double
    /// World-to-camera 4×4 transform, row-major (16 values, last row 0 0 0 1).
    public var worldToCamera: [Double]
    /// Optional path of this camera's video file or image folder, relative to the capture directory.
    public var media: String?

    enum CodingKeys: String, CodingKey {
        case id, width, height, fx, fy, cx, cy, media
        case worldToCamera = "world_to_camera"
    }

    /// Creates a calibration.
    public init(
        id: String, width: Int, height: Int, fx: Double, fy: Double, cx: Double, cy: Double,
        worldToCamera: [Double], media: String? = nil
    ) {
        self.id = id
        self.width = width
        self.height = height
        self.fx = fx
        self.fy = fy
        self.cx = cx
        self.cy = cy
        self.worldToCamera = worldToCamera
        self.media = media
    }

    /// The calibration of the sub-image `rect` (principal point shifted by the crop origin).
    public func cropped(to rect: PixelRect) -> CameraCalibration {
        var result = self
        result.width = rect.width
        result.height = rect.height
        result.cx = cx - Double(rect.x)
        result.cy = cy - Double(rect.y)
        return result
    }

    /// The calibration after resizing the image to `size`. With pixel centres at integers a pixel
    /// coordinate maps as `x' = (x + 0.5) · s - 0.5`, so `cx' = (cx + 0.5) · sx - 0.5` and `fx' = fx · sx`.
    public func resized(to size: PixelSize) -> CameraCalibration {
        let sx = Double(size.width) / Double(width), sy = Double(size.height) / Double(height)
        var result = self
        result.width = size.width
        result.height = size.height
        result.fx = fx * sx
        result.fy = fy * sy
        result.cx = (cx + 0.5) * sx - 0.5
        result.cy = (cy + 0.5) * sy - 0.5
        return result
    }
}
