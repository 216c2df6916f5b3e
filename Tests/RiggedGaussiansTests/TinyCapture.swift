import AvatarFlow
import Foundation
import Geometry
import HeadModel
import MediaIO

/// A tiny multi-view capture of the procedural head with known tracking: vertex-coloured mesh
/// renders composited over white (RGBA, as `matting.difference` writes them) with calibrations,
/// and the ground-truth Tracking artifact.
struct TinyCapture {
    /// Owns the temporary directory (removed with the last copy of the capture) and runs stages in it.
    let harness: StageHarness
    let root: URL
    let frames: URL
    let tracking: URL
    let model: HeadModel
    let cameras: [String]

    static let model = ProceduralHeadBuilder.build()

    init(size: Int = 64, frameCount: Int = 8, cameraCount: Int = 4) throws {
        harness = try StageHarness(label: "rigged")
        root = harness.root
        frames = root.appendingPathComponent("frames")
        tracking = root.appendingPathComponent("tracking")
        model = Self.model
        try FileManager.default.createDirectory(at: tracking, withIntermediateDirectories: true)
        var records: [HeadTracking.Frame] = []
        for f in 0..<frameCount {
            let t = Double(f) / Double(max(1, frameCount - 1))
            var expression = [Double](repeating: 0, count: model.expressionCount)
            for k in 0..<min(4, expression.count) { expression[k] = 0.4 * (0.5 + 0.5 * sin(2 * .pi * t + Double(k))) }
            records.append(HeadTracking.Frame(rotation: [0.05 * sin(2 * .pi * t), 0.25 * sin(2 * .pi * t), 0], translation: [0, 0, 0],
                                              jaw: [0.2 * t, 0, 0], expression: expression, landmarks: [], meanResidualPixels: 0, observedViews: cameraCount))
        }
        let cameraIDs = (0..<cameraCount).map { "cam\($0)" }
        cameras = cameraIDs
        let truth = HeadTracking(model: model.name, cameras: cameraIDs, identity: [], scale: 1, frames: records)
        try truth.write(to: tracking)

        let rest = model.templatePositions
        var lower = SIMD3<Float>(repeating: .infinity), upper = SIMD3<Float>(repeating: -.infinity)
        for v in try truth.vertices(frame: 0, model: model) { lower = pointwiseMin(lower, v); upper = pointwiseMax(upper, v) }
        let centre = (lower + upper) / 2, radius = ((upper - lower) * (upper - lower)).sum().squareRoot() / 2
        let colours = rest.flatMap { p -> [Float] in
            let q = (p - centre) / radius
            return [0.55 + 0.3 * sin(6 * q.x), 0.45 + 0.3 * sin(5 * q.y + 1), 0.5 + 0.3 * cos(4 * q.z)]
        }
        let distance = 4 * radius
        let geometryCameras = (0..<cameraCount).map { c -> Geometry.PinholeCamera in
            let azimuth = Float(-40 + 80 * Double(c) / Double(max(1, cameraCount - 1))) * .pi / 180
            let elevation: Float = c % 2 == 0 ? 0.15 : -0.1
            let eye = centre + distance * SIMD3(sin(azimuth) * cos(elevation), sin(elevation), cos(azimuth) * cos(elevation))
            return Geometry.PinholeCamera(id: cameraIDs[c], width: size, height: size, horizontalFieldOfView: 2 * atan(1.15 * radius / distance),
                                          eye: eye, target: centre)
        }
        let calibrations = geometryCameras.map {
            CameraCalibration(id: $0.id, width: $0.width, height: $0.height, fx: Double($0.fx), fy: Double($0.fy), cx: Double($0.cx), cy: Double($0.cy),
                              worldToCamera: $0.worldToCamera.rowMajor4x4.map(Double.init))
        }
        let writer = try FrameSetWriter(directory: frames, cameras: cameraIDs, calibrations: calibrations,
                                        size: PixelSize(width: size, height: size), channels: 4, frameRate: Rational(25, 1))
        for f in 0..<frameCount {
            let mesh = TriangleMesh(positions: try truth.vertices(frame: f, model: model), triangles: model.triangles,
                                    attributes: ["color": VertexAttribute(channels: 3, values: colours)])
            let images = try geometryCameras.map { camera -> Image8 in
                let rgba = try MeshRasterizer(cullBackFaces: true).renderColor(mesh, camera: camera).rgba
                var samples = [UInt8](repeating: 0, count: size * size * 4)
                for p in 0..<(size * size) {
                    let a = rgba.pixels[4 * p + 3]
                    for c in 0..<3 { samples[4 * p + c] = UInt8(min(max(rgba.pixels[4 * p + c] + (1 - a), 0), 1) * 255 + 0.5) }
                    samples[4 * p + 3] = UInt8(a * 255 + 0.5)
                }
                return Image8(width: size, height: size, channels: 4, samples: samples)
            }
            try writer.append(images, timestamp: Double(f) / 25, sourceIndex: f)
        }
        try writer.finish()
    }
}
