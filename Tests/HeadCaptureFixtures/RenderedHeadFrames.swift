import Foundation
import Geometry
import HeadModel
import MediaIO

/// Writes the frames of a tiny synthetic capture for tests: the tracked procedural head rendered
/// with smooth vertex colours by the mesh rasteriser from the given cameras, composited over white
/// (RGBA with the coverage as alpha, as `matting.difference` writes them), with calibrations.
public enum RenderedHeadFrames {
    /// Renders every frame of `truth` from every camera into a FrameSet at `directory`; the colours
    /// vary smoothly over the head's rest shape, relative to frame 0's bounding sphere.
    public static func write(
        truth: HeadTracking, model: HeadModel, cameras: [PinholeCamera], to directory: URL,
        cullBackFaces: Bool = false
    ) throws {
        let (centre, radius) = try boundingSphere(truth: truth, model: model)
        let colours = model.templatePositions.flatMap { p -> [Float] in
            let q = (p - centre) / radius
            return [0.55 + 0.3 * sin(6 * q.x), 0.45 + 0.3 * sin(5 * q.y + 1), 0.5 + 0.3 * cos(4 * q.z)]
        }
        let calibrations = cameras.map {
            CameraCalibration(
                id: $0.id, width: $0.width, height: $0.height, fx: Double($0.fx), fy: Double($0.fy), cx: Double($0.cx), cy: Double($0.cy),
                worldToCamera: $0.worldToCamera.rowMajor4x4.map(Double.init))
        }
        let size = PixelSize(width: cameras[0].width, height: cameras[0].height)
        let writer = try FrameSetWriter(
            directory: directory, cameras: cameras.map(\.id), calibrations: calibrations, size: size,
            channels: 4, frameRate: Rational(25, 1))
        for f in 0..<truth.frames.count {
            let mesh = TriangleMesh(
                positions: try truth.vertices(frame: f, model: model), triangles: model.triangles,
                attributes: ["color": VertexAttribute(channels: 3, values: colours)])
            let images = try cameras.map { camera -> Image8 in
                let rgba = try MeshRasterizer(cullBackFaces: cullBackFaces).renderColor(mesh, camera: camera).rgba
                let pixels = camera.width * camera.height
                var samples = [UInt8](repeating: 0, count: pixels * 4)
                for p in 0..<pixels {
                    let a = rgba.samples[4 * p + 3]
                    for c in 0..<3 { samples[4 * p + c] = Image8.byte(unit: rgba.samples[4 * p + c] + (1 - a)) }
                    samples[4 * p + 3] = Image8.byte(unit: a)
                }
                return Image8(width: camera.width, height: camera.height, channels: 4, samples: samples)
            }
            try writer.append(images, timestamp: Double(f) / 25, sourceIndex: f)
        }
        try writer.finish()
    }

    /// Centre and radius of the sphere around frame 0's bounding box, world units (for placing cameras).
    public static func boundingSphere(truth: HeadTracking, model: HeadModel) throws -> (centre: SIMD3<Float>, radius: Float) {
        var lower = SIMD3<Float>(repeating: .infinity), upper = SIMD3<Float>(repeating: -.infinity)
        for v in try truth.vertices(frame: 0, model: model) {
            lower = pointwiseMin(lower, v)
            upper = pointwiseMax(upper, v)
        }
        return ((lower + upper) / 2, ((upper - lower) * (upper - lower)).sum().squareRoot() / 2)
    }
}
