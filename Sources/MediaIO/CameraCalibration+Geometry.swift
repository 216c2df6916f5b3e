import Geometry

extension CameraCalibration {
    /// The calibration as the project's one camera type (Geometry's `PinholeCamera`, Float32) — the
    /// only calibration → camera conversion; every stage that projects, rasterises or splats uses it.
    /// Each value is rounded once from Double to Float32 (exact for calibrations written from Float32
    /// cameras, such as synthetic captures). Throws when `worldToCamera` is not a rigid transform.
    public func pinholeCamera() throws -> PinholeCamera {
        PinholeCamera(
            id: id, width: width, height: height, fx: Float(fx), fy: Float(fy), cx: Float(cx), cy: Float(cy),
            worldToCamera: try RigidTransform(rowMajor4x4: worldToCamera.map(Float.init)))
    }
}
