import AvatarFlow
import Foundation
import Geometry
import HeadCaptureFixtures
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
            records.append(
                HeadTracking.Frame(
                    rotation: [0.05 * sin(2 * .pi * t), 0.25 * sin(2 * .pi * t), 0], translation: [0, 0, 0],
                    jaw: [0.2 * t, 0, 0], expression: expression, landmarks: [], meanResidualPixels: 0, observedViews: cameraCount))
        }
        let cameraIDs = (0..<cameraCount).map { "cam\($0)" }
        cameras = cameraIDs
        let truth = HeadTracking(model: model.name, cameras: cameraIDs, identity: [], scale: 1, frames: records)
        try truth.write(to: tracking)

        let (centre, radius) = try RenderedHeadFrames.boundingSphere(truth: truth, model: model)
        let distance = 4 * radius
        let geometryCameras = (0..<cameraCount).map { c -> Geometry.PinholeCamera in
            let azimuth = Float(-40 + 80 * Double(c) / Double(max(1, cameraCount - 1))) * .pi / 180
            let elevation: Float = c % 2 == 0 ? 0.15 : -0.1
            let eye = centre + distance * SIMD3(sin(azimuth) * cos(elevation), sin(elevation), cos(azimuth) * cos(elevation))
            return Geometry.PinholeCamera(
                id: cameraIDs[c], width: size, height: size, horizontalFieldOfView: 2 * atan(1.15 * radius / distance),
                eye: eye, target: centre)
        }
        try RenderedHeadFrames.write(truth: truth, model: model, cameras: geometryCameras, to: frames, cullBackFaces: true)
    }
}
