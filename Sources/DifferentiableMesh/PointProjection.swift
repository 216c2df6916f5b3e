import Geometry
import Tensors

/// Differentiable pinhole projection of world points to pixels (the landmark reprojection term of
/// the photometric tracking refinement, on the same tape as the mesh render).
public enum PointProjection {
    /// Projects `points` `[N, 3]` (world) with `camera` to pixel coordinates `[N, 2]`:
    /// p = R x + t, u = fx·p.x/p.z + cx, v = fy·p.y/p.z + cy (`PinholeCamera.project`).
    ///
    /// Backward: ∂L/∂p = (fx g_u / z, fy g_v / z, −(fx p.x g_u + fy p.y g_v) / z²), ∂L/∂x = Rᵀ ∂L/∂p.
    /// A point at or behind the camera (z ≤ `nearPlane`) projects to its clamped depth and gets no
    /// gradient, so one bad point cannot produce infinities.
    /// - Throws: `DifferentiableMeshError` if `points` is not `[N, 3]`.
    public static func project(_ points: Variable, camera: PinholeCamera, nearPlane: Float = 1e-3) throws -> Variable {
        let count = points.shape.first ?? 0
        guard points.shape == [count, 3] else {
            throw DifferentiableMeshError("points to project must be [N, 3], got \(points.shape)")
        }
        let scalars = points.value.scalars
        let cameraPoints = (0..<count).map { i in
            camera.worldToCamera.apply(SIMD3(scalars[3 * i], scalars[3 * i + 1], scalars[3 * i + 2]))
        }
        var pixels = [Float](repeating: 0, count: 2 * count)
        for (i, p) in cameraPoints.enumerated() {
            let z = max(p.z, nearPlane)
            pixels[2 * i] = camera.fx * p.x / z + camera.cx
            pixels[2 * i + 1] = camera.fy * p.y / z + camera.cy
        }
        return Tape.record(inputs: [points], outputs: [Tensor(shape: [count, 2], scalars: pixels)]) { gradients in
            let g = gradients[0].scalars
            let rotation = camera.worldToCamera.rotation.transposed
            var result = [Float](repeating: 0, count: 3 * count)
            for (i, p) in cameraPoints.enumerated() where p.z > nearPlane {
                let inverseZ = 1 / p.z, gu = g[2 * i], gv = g[2 * i + 1]
                let cameraGradient = SIMD3(
                    camera.fx * inverseZ * gu, camera.fy * inverseZ * gv,
                    -(camera.fx * p.x * gu + camera.fy * p.y * gv) * inverseZ * inverseZ)
                let world = rotation * cameraGradient
                for a in 0..<3 { result[3 * i + a] = world[a] }
            }
            return [Tensor(shape: [count, 3], scalars: result)]
        }[0]
    }
}
