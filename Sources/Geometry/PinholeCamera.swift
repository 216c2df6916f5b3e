import Foundation

/// A pinhole camera with OpenCV conventions: camera axes x right, y down, z forward; intrinsics
/// in pixels; the centre of pixel column `i` lies at `u = i` (so an image centred on the axis
/// has `cx = (width − 1) / 2`). Lens distortion is not modelled.
public struct PinholeCamera: Sendable, Equatable, Hashable {
    /// Identifier, e.g. "cam03" (the camera's id in cameras.json and its folder name in captures);
    /// empty for a camera that belongs to no capture (a novel orbit view, a test view).
    public var id: String
    /// Image width in pixels.
    public var width: Int
    /// Image height in pixels.
    public var height: Int
    /// Focal length along x, pixels.
    public var fx: Float
    /// Focal length along y, pixels.
    public var fy: Float
    /// Principal point x, pixels.
    public var cx: Float
    /// Principal point y, pixels.
    public var cy: Float
    /// World-to-camera extrinsics: `p_cam = R p_world + t`.
    public var worldToCamera: RigidTransform

    /// Creates a camera from intrinsics in pixels and world-to-camera extrinsics (default: the
    /// identity, a camera at the world origin looking down +z).
    public init(
        id: String = "", width: Int, height: Int, fx: Float, fy: Float, cx: Float, cy: Float,
        worldToCamera: RigidTransform = .identity
    ) {
        self.id = id
        self.width = width
        self.height = height
        self.fx = fx
        self.fy = fy
        self.cx = cx
        self.cy = cy
        self.worldToCamera = worldToCamera
    }

    /// Creates a camera with square pixels from a horizontal field of view (radians), the principal
    /// point at the image centre, placed at `eye` looking at `target` (see `lookAt`).
    public init(
        id: String, width: Int, height: Int, horizontalFieldOfView: Float,
        eye: SIMD3<Float>, target: SIMD3<Float>, up: SIMD3<Float> = SIMD3(0, 1, 0)
    ) {
        let focal = Float(width) / 2 / tan(horizontalFieldOfView / 2)
        self.init(
            id: id, width: width, height: height, fx: focal, fy: focal,
            cx: Float(width - 1) / 2, cy: Float(height - 1) / 2,
            worldToCamera: PinholeCamera.lookAt(eye: eye, target: target, up: up))
    }

    /// The world-to-camera transform of a camera at `eye` looking at `target`, with image "up"
    /// (−y in OpenCV axes) as close as possible to the world direction `up`.
    public static func lookAt(eye: SIMD3<Float>, target: SIMD3<Float>, up: SIMD3<Float>) -> RigidTransform {
        let forward = simdNormalize(target - eye)
        var right = simdCross(forward, up)
        if simdLength(right) < 1e-6 { right = simdCross(forward, SIMD3(1, 0, 0)) }
        right = simdNormalize(right)
        let down = simdCross(forward, right)
        let rotation = Matrix3x3(rows: right, down, forward)
        return RigidTransform(rotation: rotation, translation: -(rotation * eye))
    }

    /// The row-major 3×3 intrinsic matrix `K = [fx 0 cx; 0 fy cy; 0 0 1]`.
    public var intrinsicMatrix: Matrix3x3 {
        Matrix3x3(rows: SIMD3(fx, 0, cx), SIMD3(0, fy, cy), SIMD3(0, 0, 1))
    }

    /// The camera centre in world coordinates.
    public var center: SIMD3<Float> {
        worldToCamera.inverse.translation
    }

    /// Projects a camera-space point: returns (u, v, z) with u, v in pixels and z the depth
    /// along the optical axis (metres). Points with z ≤ 0 are behind the camera.
    @inlinable public func projectCameraPoint(_ p: SIMD3<Float>) -> SIMD3<Float> {
        SIMD3(fx * p.x / p.z + cx, fy * p.y / p.z + cy, p.z)
    }

    /// Projects a world point to (u, v, depth); see `projectCameraPoint`.
    @inlinable public func project(_ world: SIMD3<Float>) -> SIMD3<Float> {
        projectCameraPoint(worldToCamera.apply(world))
    }

    /// The camera-space point at pixel (u, v) and depth z (the inverse of `projectCameraPoint`).
    public func unproject(u: Float, v: Float, depth z: Float) -> SIMD3<Float> {
        SIMD3((u - cx) / fx * z, (v - cy) / fy * z, z)
    }

    /// Whether pixel coordinates fall inside the image (pixel centres at integers, so the
    /// image spans [−0.5, width − 0.5) × [−0.5, height − 0.5)).
    public func contains(u: Float, v: Float) -> Bool {
        u >= -0.5 && v >= -0.5 && u < Float(width) - 0.5 && v < Float(height) - 0.5
    }

    /// This camera with the image resized by `scale` (intrinsics scaled consistently with the
    /// pixel-centre convention).
    public func scaled(by scale: Float) -> PinholeCamera {
        let newWidth = Int((Float(width) * scale).rounded()), newHeight = Int((Float(height) * scale).rounded())
        let sx = Float(newWidth) / Float(width), sy = Float(newHeight) / Float(height)
        return PinholeCamera(
            id: id, width: newWidth, height: newHeight, fx: fx * sx, fy: fy * sy,
            cx: (cx + 0.5) * sx - 0.5, cy: (cy + 0.5) * sy - 0.5, worldToCamera: worldToCamera)
    }
}
