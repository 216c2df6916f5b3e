/// MediaIO reads and writes Geometry's image family (`Image8`, `Image16`, `FloatImage`) and converts
/// calibrations to Geometry's `PinholeCamera`; re-exporting Geometry lets its users name those
/// types with one import.
@_exported import Geometry
