/// The rasteriser renders from Geometry's `PinholeCamera` (the project's one camera type, OpenCV
/// conventions); re-exporting Geometry lets callers of Splatting build and pass cameras without a
/// second import. The projection unpacks the camera once per render into `CameraGeometry`.
@_exported import Geometry
