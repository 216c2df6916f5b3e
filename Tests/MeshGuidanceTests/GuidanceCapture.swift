import Foundation
import Geometry
import HeadModel
import MediaIO

/// A tiny multi-view capture of the bare procedural head with known tracking: vertex-coloured
/// renders over white (RGBA, as `matting.difference` writes them), a ring of cameras all around
/// the head (so the whole surface is observed) plus held-out cameras between them, and the
/// ground-truth Tracking artifact with its 3D landmarks.
struct GuidanceCapture {
    let root: URL
    let frames: URL
    let tracking: URL
    let truth: HeadTracking
    let trainingCameras: [String]
    let heldOutCameras: [String]

    static let model = ProceduralHeadBuilder.build()

    init(size: Int = 96, frameCount: Int = 4, ringCameras: Int = 8, heldOut: Int = 2) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("guidance-\(UUID().uuidString)")
        frames = root.appendingPathComponent("frames")
        tracking = root.appendingPathComponent("tracking")
        let model = Self.model
        try FileManager.default.createDirectory(at: tracking, withIntermediateDirectories: true)
        var identity = [Double](repeating: 0, count: model.identityCount)
        for k in 0..<min(3, identity.count) { identity[k] = 0.5 * sin(Double(k) + 1) }
        let ids = (0..<ringCameras).map { "cam\($0)" } + (0..<heldOut).map { "held\($0)" }
        trainingCameras = Array(ids.prefix(ringCameras))
        heldOutCameras = Array(ids.suffix(heldOut))
        var records: [HeadTracking.Frame] = []
        let scale = 1.0
        for f in 0..<frameCount {
            let t = Double(f) / Double(max(1, frameCount - 1))
            var expression = [Double](repeating: 0, count: model.expressionCount)
            for k in 0..<min(3, expression.count) { expression[k] = 0.3 * t * sin(Double(k) + 2) }
            records.append(HeadTracking.Frame(rotation: [0.04 * t, 0.1 * sin(2 * .pi * t), 0], translation: [0.01 * t, 0, 0],
                                              jaw: [0.1 * t, 0, 0], expression: expression, landmarks: [], meanResidualPixels: 0,
                                              observedViews: ringCameras))
        }
        var withLandmarks = HeadTracking(model: model.name, cameras: ids, identity: identity, scale: scale, frames: records)
        for f in 0..<frameCount {
            let landmarks = model.landmarkPositions(vertices: try withLandmarks.vertices(frame: f, model: model))
            withLandmarks.frames[f].landmarks = landmarks.map { [Double($0.x), Double($0.y), Double($0.z)] }
        }
        truth = withLandmarks
        try truth.write(to: tracking)

        var lower = SIMD3<Float>(repeating: .infinity), upper = SIMD3<Float>(repeating: -.infinity)
        for v in try truth.vertices(frame: 0, model: model) { lower = pointwiseMin(lower, v); upper = pointwiseMax(upper, v) }
        let centre = (lower + upper) / 2, radius = ((upper - lower) * (upper - lower)).sum().squareRoot() / 2
        let colours = model.templatePositions.flatMap { p -> [Float] in
            let q = (p - centre) / radius
            return [0.55 + 0.3 * sin(6 * q.x), 0.45 + 0.3 * sin(5 * q.y + 1), 0.5 + 0.3 * cos(4 * q.z)]
        }
        let distance = 3.5 * radius
        let cameras = (0..<(ringCameras + heldOut)).map { c -> PinholeCamera in
            let isHeldOut = c >= ringCameras
            let slot = isHeldOut ? (Float(c - ringCameras) + 0.5) * Float(ringCameras) / Float(heldOut) : Float(c)
            let azimuth = 2 * Float.pi * slot / Float(ringCameras)
            let elevation: Float = isHeldOut ? 0.05 : (c % 2 == 0 ? 0.35 : -0.2)
            let eye = centre + distance * SIMD3(sin(azimuth) * cos(elevation), sin(elevation), cos(azimuth) * cos(elevation))
            return PinholeCamera(id: ids[c], width: size, height: size, horizontalFieldOfView: 2 * atan(1.1 * radius / distance),
                                 eye: eye, target: centre)
        }
        let calibrations = cameras.map {
            CameraCalibration(id: $0.id, width: $0.width, height: $0.height, fx: Double($0.fx), fy: Double($0.fy), cx: Double($0.cx), cy: Double($0.cy),
                              worldToCamera: $0.worldToCamera.rowMajor4x4.map(Double.init))
        }
        let writer = try FrameSetWriter(directory: frames, cameras: ids, calibrations: calibrations,
                                        size: PixelSize(width: size, height: size), channels: 4, frameRate: Rational(25, 1))
        for f in 0..<frameCount {
            let mesh = TriangleMesh(positions: try truth.vertices(frame: f, model: model), triangles: model.triangles,
                                    attributes: ["color": VertexAttribute(channels: 3, values: colours)])
            let images = try cameras.map { camera -> Image8 in
                let rgba = try MeshRasterizer().renderColor(mesh, camera: camera).rgba
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

    /// The true neutral head (identity applied, zero expression, rest pose) without the mouth
    /// cavity, which no camera sees, in model units.
    func neutralHead() throws -> TriangleMesh {
        let model = Self.model
        let vertices = try model.shapedVertices(identity: truth.identity.map(Float.init), expression: [Float](repeating: 0, count: model.expressionCount))
        let hidden = Set(model.vertexRegions.indices.filter { model.vertexRegions[$0] == .mouthInterior })
        let triangles = model.triangles.filter { !hidden.contains(Int($0.x)) && !hidden.contains(Int($0.y)) && !hidden.contains(Int($0.z)) }
        return TriangleMesh(positions: vertices, triangles: triangles)
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
}
