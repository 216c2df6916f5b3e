import Geometry
import HeadModel
import LinearAlgebra
import MediaIO

/// The fitter works in Double; these read the one camera type (Geometry's `PinholeCamera`, Float32,
/// built from the calibration by `CameraCalibration.pinholeCamera()`) widened to Double. Widening is
/// exact, so a calibration written from Float32 values (every synthetic capture) projects exactly as
/// the Double calibration did.
extension PinholeCamera {
    /// World-to-camera rotation `R` in Double.
    var rotation64: DoubleRotation {
        let r = worldToCamera.rotation
        return DoubleRotation(rows: (SIMD3<Double>(r.row0), SIMD3<Double>(r.row1), SIMD3<Double>(r.row2)))
    }
    /// World-to-camera translation `t` in Double (world units, metres).
    var translation64: SIMD3<Double> { SIMD3<Double>(worldToCamera.translation) }
    /// Focal length along x in Double, pixels.
    var fx64: Double { Double(fx) }
    /// Focal length along y in Double, pixels.
    var fy64: Double { Double(fy) }
    /// Principal point x in Double, pixels.
    var cx64: Double { Double(cx) }
    /// Principal point y in Double, pixels.
    var cy64: Double { Double(cy) }

    /// Camera-space point `R p + t` of a world point, in Double.
    func toCamera(_ point: SIMD3<Double>) -> SIMD3<Double> { rotation64.apply(point) + translation64 }

    /// Pixel coordinates of a world point, in Double (nil behind the camera, depth ≤ 1e-9).
    func project(_ point: SIMD3<Double>) -> SIMD2<Double>? {
        let p = toCamera(point)
        guard p.z > 1e-9 else { return nil }
        return SIMD2(fx64 * p.x / p.z + cx64, fy64 * p.y / p.z + cy64)
    }
}

/// Linear multi-view triangulation and similarity alignment, used to initialise the fit.
enum MultiViewGeometry {
    /// The least-squares 3D point whose projections best match `pixels` (one per camera, ≥ 2).
    static func triangulate(_ pixels: [(PinholeCamera, SIMD2<Double>)]) -> SIMD3<Double>? {
        guard pixels.count >= 2 else { return nil }
        var normal = [Double](repeating: 0, count: 9), right = [Double](repeating: 0, count: 3)
        for (camera, pixel) in pixels {
            let xn = (pixel.x - camera.cx64) / camera.fx64, yn = (pixel.y - camera.cy64) / camera.fy64
            let r = camera.rotation64.rows, t = camera.translation64
            for (row, value) in [(xn * r.2 - r.0, t.x - xn * t.z), (yn * r.2 - r.1, t.y - yn * t.z)] {
                let coefficients = [row.x, row.y, row.z]
                for i in 0..<3 {
                    right[i] += coefficients[i] * value
                    for j in 0..<3 { normal[i * 3 + j] += coefficients[i] * coefficients[j] }
                }
            }
        }
        guard let solution = DenseLinearAlgebra.solveSymmetric(normal, right, n: 3) else { return nil }
        return SIMD3(solution[0], solution[1], solution[2])
    }

    /// The similarity (scale, rotation, translation) mapping `source` onto `target` in the
    /// least-squares sense (Horn's quaternion method).
    static func similarity(from source: [SIMD3<Double>], to target: [SIMD3<Double>]) -> (scale: Double, rotation: DoubleRotation, translation: SIMD3<Double>) {
        let count = Double(source.count)
        let sourceMean = source.reduce(.zero, +) / count, targetMean = target.reduce(.zero, +) / count
        var s = [[Double]](repeating: [0, 0, 0], count: 3)
        var sourceSpread = 0.0
        for (a, b) in zip(source, target) {
            let p = a - sourceMean, q = b - targetMean
            sourceSpread += (p * p).sum()
            let pv = [p.x, p.y, p.z], qv = [q.x, q.y, q.z]
            for i in 0..<3 { for j in 0..<3 { s[i][j] += pv[i] * qv[j] } }
        }
        let n: [Double] = [
            s[0][0] + s[1][1] + s[2][2], s[1][2] - s[2][1], s[2][0] - s[0][2], s[0][1] - s[1][0],
            s[1][2] - s[2][1], s[0][0] - s[1][1] - s[2][2], s[0][1] + s[1][0], s[2][0] + s[0][2],
            s[2][0] - s[0][2], s[0][1] + s[1][0], -s[0][0] + s[1][1] - s[2][2], s[1][2] + s[2][1],
            s[0][1] - s[1][0], s[2][0] + s[0][2], s[1][2] + s[2][1], -s[0][0] - s[1][1] + s[2][2],
        ]
        let (values, vectors) = DenseLinearAlgebra.symmetricEigen(n, n: 4)
        let best = values.indices.max { values[$0] < values[$1] }!
        let (w, x, y, z) = (vectors[0 * 4 + best], vectors[1 * 4 + best], vectors[2 * 4 + best], vectors[3 * 4 + best])
        let rotation = DoubleRotation(
            rows: (
                SIMD3(1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)),
                SIMD3(2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)),
                SIMD3(2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y))
            ))
        var projected = 0.0
        for (a, b) in zip(source, target) { projected += ((b - targetMean) * rotation.apply(a - sourceMean)).sum() }
        let scale = sourceSpread > 0 ? projected / sourceSpread : 1
        return (scale, rotation, targetMean - scale * rotation.apply(sourceMean))
    }
}
