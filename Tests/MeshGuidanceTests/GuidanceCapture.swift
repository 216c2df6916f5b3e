import Foundation
import Geometry
import HeadCaptureFixtures
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
            records.append(
                HeadTracking.Frame(
                    rotation: [0.04 * t, 0.1 * sin(2 * .pi * t), 0], translation: [0.01 * t, 0, 0],
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

        let (centre, radius) = try RenderedHeadFrames.boundingSphere(truth: truth, model: model)
        let distance = 3.5 * radius
        let cameras = (0..<(ringCameras + heldOut)).map { c -> PinholeCamera in
            let isHeldOut = c >= ringCameras
            let slot = isHeldOut ? (Float(c - ringCameras) + 0.5) * Float(ringCameras) / Float(heldOut) : Float(c)
            let azimuth = 2 * Float.pi * slot / Float(ringCameras)
            let elevation: Float = isHeldOut ? 0.05 : (c % 2 == 0 ? 0.35 : -0.2)
            let eye = centre + distance * SIMD3(sin(azimuth) * cos(elevation), sin(elevation), cos(azimuth) * cos(elevation))
            return PinholeCamera(
                id: ids[c], width: size, height: size, horizontalFieldOfView: 2 * atan(1.1 * radius / distance),
                eye: eye, target: centre)
        }
        try RenderedHeadFrames.write(truth: truth, model: model, cameras: cameras, to: frames)
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
