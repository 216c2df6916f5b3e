/// A pinhole camera in OpenCV conventions: camera axes x right, y down, z forward; pixel
/// `(i, j)` (column, row) has its centre at image coordinates `(i, j)` (integer pixel centres,
/// as in OpenCV and the graphdeco rasteriser), so a centred principal point is `((W−1)/2, (H−1)/2)`.
///
/// The projection of a camera-space point `t` is `u = fx·tx/tz + cx`, `v = fy·ty/tz + cy`;
/// the principal point may be anywhere (off-centre crops are supported).
public struct PinholeCamera: Sendable, Equatable {
    /// Image width in pixels.
    public var width: Int
    /// Image height in pixels.
    public var height: Int
    /// Focal length along x, in pixels.
    public var fx: Float
    /// Focal length along y, in pixels.
    public var fy: Float
    /// Principal point x, in pixels.
    public var cx: Float
    /// Principal point y, in pixels.
    public var cy: Float
    /// World-to-camera rigid transform, 4×4 row-major (the last row is `0 0 0 1`).
    public var worldToCamera: [Float]
    /// Gaussians whose centre has camera depth `tz ≤ near` are culled (world units).
    public var near: Float

    /// Creates a camera; `worldToCamera` is a row-major 4×4 matrix (16 values).
    public init(
        width: Int, height: Int, fx: Float, fy: Float, cx: Float, cy: Float,
        worldToCamera: [Float] = PinholeCamera.identityPose, near: Float = 0.01
    ) {
        precondition(worldToCamera.count == 16, "worldToCamera must hold 16 values (4×4 row-major)")
        self.width = width
        self.height = height
        self.fx = fx
        self.fy = fy
        self.cx = cx
        self.cy = cy
        self.worldToCamera = worldToCamera
        self.near = near
    }

    /// The 4×4 identity pose (camera at the world origin looking down +z).
    public static let identityPose: [Float] = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]

    /// A world-to-camera pose for a camera at `eye` looking at `target`, with `up` the world
    /// direction that should appear upwards in the image (OpenCV axes: image y points down).
    public static func lookAt(eye: SIMD3<Float>, target: SIMD3<Float>, up: SIMD3<Float>) -> [Float] {
        let forward = normalize(target - eye)
        let right = normalize(cross(forward, up))
        let down = cross(forward, right)
        let rows = [right, down, forward]
        var matrix = [Float](repeating: 0, count: 16)
        for row in 0..<3 {
            matrix[row * 4 + 0] = rows[row].x
            matrix[row * 4 + 1] = rows[row].y
            matrix[row * 4 + 2] = rows[row].z
            matrix[row * 4 + 3] = -(rows[row] * eye).sum()
        }
        matrix[15] = 1
        return matrix
    }

    /// The camera centre in world coordinates, `−Rᵀ·t` of the world-to-camera transform.
    public var centre: SIMD3<Float> {
        let m = worldToCamera
        let t = SIMD3<Float>(m[3], m[7], m[11])
        return -SIMD3<Float>(
            m[0] * t.x + m[4] * t.y + m[8] * t.z,
            m[1] * t.x + m[5] * t.y + m[9] * t.z,
            m[2] * t.x + m[6] * t.y + m[10] * t.z)
    }
}

@inline(__always) func normalize(_ v: SIMD3<Float>) -> SIMD3<Float> { v / (v * v).sum().squareRoot() }

@inline(__always) func cross(_ a: SIMD3<Float>, _ b: SIMD3<Float>) -> SIMD3<Float> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}
