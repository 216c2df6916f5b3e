import AvatarFlow
import FaceAnalysis
import Foundation
import Geometry
import HeadModel
import MediaIO

/// `face.overlay`: draws the fitted head mesh (shaded, semi-transparent) and the fitted 3D
/// landmarks (green) — plus, when connected, the detected 2D landmarks (red) — onto the frames,
/// to inspect a fit by eye or encode it as a video with `video.encode`.
public struct FitOverlayStage: Stage {
    /// Parameters of `face.overlay`.
    public struct Parameters: StageParameters {
        @Param(path: "Head model directory the tracking was fitted with; empty for the built-in procedural model.")
        public var model: String = ""
        @Param("Opacity of the shaded fitted mesh drawn over the frame (0 hides it).", range: 0...1)
        public var meshOpacity: Double = 0.45
        @Param("Landmark dot radius in pixels (0 hides the landmarks).", range: 0...10)
        public var dotRadius: Int = 1

        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "face.overlay"
    public static let version = 1
    public static let summary = "Draw the fitted head mesh and landmarks on the frames, to inspect a fit."
    public static let inputs = [
        StagePort("frames", .frameSet, doc: "Frames with calibrations."),
        StagePort("tracking", .tracking, doc: "The fit to draw."),
        StagePort("landmarks", .landmarks, optional: true, doc: "Detected 2D landmarks to draw in red."),
    ]
    public static let outputs = [StagePort("frames", .frameSet, doc: "RGB frames with the overlay.")]

    public init() {}

    /// Draws every frame of every camera.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let frames = try FrameSet.open(try context.input("frames"))
        let tracking = try HeadTracking.read(from: try context.input("tracking"))
        let detections = try context.optionalInput("landmarks").map(FaceLandmarkSet.read(from:))
        let manifest = frames.manifest
        guard let calibrations = manifest.calibrations else {
            throw FaceTrackingError("\(frames.directory.path): the frames carry no camera calibrations, so the fit cannot be projected")
        }
        guard tracking.frames.count == manifest.frameCount else {
            throw FaceTrackingError(
                "the tracking has \(tracking.frames.count) frames but the frames have \(manifest.frameCount); connect the tracking of the same decode")
        }
        let model = parameters.model.isEmpty ? ProceduralHeadBuilder.build() : try HeadModelFormat.read(from: context.resolvePath(parameters.model))
        let cameras = try calibrations.map { try $0.pinholeCamera() }
        let writer = try FrameSetWriter(
            directory: try context.output("frames"), cameras: manifest.cameras, calibrations: calibrations,
            size: PixelSize(width: manifest.width, height: manifest.height), frameRate: manifest.frameRate)
        for frame in 0..<manifest.frameCount {
            let vertices = try tracking.vertices(frame: frame, model: model)
            let mesh = TriangleMesh(positions: vertices, triangles: model.triangles)
            let normals = mesh.vertexNormals()
            let fitted = tracking.frames[frame].landmarks.map { SIMD3<Float>(Float($0[0]), Float($0[1]), Float($0[2])) }
            let images = try manifest.cameras.map { try frames.image(frame: frame, camera: $0).withChannels(3, opaque: 255) }
            let overlays = parallelMap(images.count) { index -> Image8 in
                let camera = cameras[index]
                var image = images[index]
                let fragments = MeshRasterizer().rasterize(positions: vertices, triangles: model.triangles, camera: camera)
                let shading = fragments.interpolate(VertexAttribute(vectors: normals), triangles: model.triangles)
                let toCamera = camera.worldToCamera.rotation
                for pixel in 0..<(image.width * image.height) where fragments.triangleIndex[pixel] >= 0 {
                    let normal = toCamera * SIMD3(shading.samples[pixel * 3], shading.samples[pixel * 3 + 1], shading.samples[pixel * 3 + 2])
                    let light = Float(0.25 + 0.75 * max(0, -normal.z / max(1e-6, (normal * normal).sum().squareRoot())))
                    let tint: SIMD3<Float> = SIMD3(0.55, 0.75, 1.0) * light * 255
                    let opacity = Float(parameters.meshOpacity)
                    for channel in 0..<3 {
                        let blended = (1 - opacity) * Float(image.samples[pixel * 3 + channel]) + opacity * tint[channel]
                        image.samples[pixel * 3 + channel] = Image8.byte(scaled: blended)
                    }
                }
                for point in fitted {
                    let projected = camera.project(point)
                    Self.dot(&image, x: projected.x, y: projected.y, radius: parameters.dotRadius, colour: (40, 230, 60))
                }
                if let detection = detections?.frames[frame][index] {
                    for point in detection.points {
                        Self.dot(&image, x: Float(point[0]), y: Float(point[1]), radius: parameters.dotRadius, colour: (235, 40, 40))
                    }
                }
                return image
            }
            try writer.append(overlays, timestamp: manifest.timestamps[frame], sourceIndex: manifest.sourceFrameIndices[frame])
            context.reportProgress(completed: frame + 1, total: manifest.frameCount, unit: "frames")
        }
        try writer.finish()
    }

    /// Paints a filled square dot centred on (x, y).
    static func dot(_ image: inout Image8, x: Float, y: Float, radius: Int, colour: (UInt8, UInt8, UInt8)) {
        guard radius > 0, x.isFinite, y.isFinite else { return }
        let cx = Int(x.rounded()), cy = Int(y.rounded())
        for py in (cy - radius)...(cy + radius) where py >= 0 && py < image.height {
            for px in (cx - radius)...(cx + radius) where px >= 0 && px < image.width {
                let base = (py * image.width + px) * 3
                image.samples[base] = colour.0
                image.samples[base + 1] = colour.1
                image.samples[base + 2] = colour.2
            }
        }
    }
}
