import Geometry

extension CameraCalibration {
    /// The calibration as a Geometry pinhole camera (Float32), for rasterising and projecting.
    /// Throws when `worldToCamera` is not a rigid transform.
    public func pinholeCamera() throws -> PinholeCamera {
        PinholeCamera(
            id: id, width: width, height: height, fx: Float(fx), fy: Float(fy), cx: Float(cx), cy: Float(cy),
            worldToCamera: try RigidTransform(rowMajor4x4: worldToCamera.map(Float.init)))
    }
}
