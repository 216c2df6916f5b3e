import AvatarFlow
import Foundation
import Geometry
import HeadModel
import MediaIO

/// `parsing.head-hair`: head, hair and body masks from the matte and the fitted head model.
///
/// The Masks artifact is a FrameSet (same cameras, frames and calibrations as the input) whose
/// RGB channels hold the soft head, hair and body masks (R = head, G = hair, B = body, 0–255,
/// summing to the alpha matte), plus `masks.json` naming the channels. A learned parser can
/// replace this stage by writing the same artifact.
public struct HeadHairParsingStage: Stage {
    /// Parameters of `parsing.head-hair`.
    public struct Parameters: StageParameters {
        @Param(path: "Head model directory the tracking was fitted with; empty for the built-in procedural model.")
        public var model: String = ""
        @Param("Count the rasterised scalp as head (bald subjects); by default it is hair.")
        public var scalpIsHead: Bool = false
        @Param("Guided filter radius in pixels for refining the mask edges.", range: 1...30)
        public var guidedRadius: Int = 3
        @Param("Guided filter regulariser ε.", range: 1e-8...1)
        public var guidedEpsilon: Double = 1e-3

        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "parsing.head-hair"
    public static let version = 1
    public static let summary = "Head, hair and body masks from the alpha matte and the fitted head mesh."
    public static let inputs = [
        StagePort("frames", .frameSet, doc: "Matted RGBA frames (alpha in A) with calibrations."),
        StagePort("tracking", .tracking, doc: "The fitted head model per frame."),
    ]
    public static let outputs = [StagePort("masks", .masks, doc: "R = head, G = hair, B = body soft masks per frame and camera.")]

    /// Channel names of the Masks artifact, in order.
    public static let channelNames = ["head", "hair", "body"]

    public init() {}

    /// Parses every frame of every camera.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let frames = try FrameSet.open(try context.input("frames"))
        let tracking = try HeadTracking.read(from: try context.input("tracking"))
        let manifest = frames.manifest
        guard manifest.channels == 4 else {
            throw MattingError(
                camera: manifest.cameras.first ?? "", path: frames.directory.path,
                "the frames have no alpha channel; connect the output of a matting stage (e.g. matting.difference)")
        }
        guard let calibrations = manifest.calibrations else {
            throw MattingError(
                camera: manifest.cameras.first ?? "", path: frames.directory.path,
                "the frames carry no camera calibrations, so the head model cannot be projected")
        }
        guard tracking.frames.count == manifest.frameCount else {
            throw MattingError(
                camera: manifest.cameras.first ?? "", path: frames.directory.path,
                "the tracking has \(tracking.frames.count) frames but the frames have \(manifest.frameCount); connect the tracking of the same decode")
        }
        let model = parameters.model.isEmpty ? ProceduralHeadBuilder.build() : try HeadModelFormat.read(from: context.resolvePath(parameters.model))
        let cameras = try calibrations.map { try $0.pinholeCamera() }
        let parser = HeadHairParser(
            scalpIsHead: parameters.scalpIsHead, guidedRadius: parameters.guidedRadius,
            guidedEpsilon: Float(parameters.guidedEpsilon))
        let parts = HeadHairParser.triangleParts(model: model, scalpIsHead: parameters.scalpIsHead)
        let output = try context.output("masks")
        let writer = try FrameSetWriter(
            directory: output, cameras: manifest.cameras, calibrations: calibrations,
            size: PixelSize(width: manifest.width, height: manifest.height), channels: 3,
            frameRate: manifest.frameRate)
        for frame in 0..<manifest.frameCount {
            let vertices = try tracking.vertices(frame: frame, model: model)
            let images = try manifest.cameras.map { try frames.image(frame: frame, camera: $0) }
            let parsed = parallelMap(images.count) { index -> Image8 in
                let image = images[index], pixels = manifest.width * manifest.height
                let fragments = MeshRasterizer().rasterize(positions: vertices, triangles: model.triangles, camera: cameras[index])
                let alpha = (0..<pixels).map { Float(image.samples[$0 * 4 + 3]) / 255 }
                let guide = (0..<3).map { channel in (0..<pixels).map { Float(image.samples[$0 * 4 + channel]) / 255 } }
                let masks = parser.parse(
                    alpha: alpha, guide: guide, width: manifest.width, height: manifest.height,
                    fragments: fragments, triangleParts: parts)
                var samples = [UInt8](repeating: 0, count: pixels * 3)
                for pixel in 0..<pixels {
                    for part in 0..<3 { samples[pixel * 3 + part] = Image8.byte(scaled: masks[part][pixel] * 255) }
                }
                return Image8(width: manifest.width, height: manifest.height, channels: 3, samples: samples)
            }
            try writer.append(parsed, timestamp: manifest.timestamps[frame], sourceIndex: manifest.sourceFrameIndices[frame])
            context.reportProgress(completed: frame + 1, total: manifest.frameCount, unit: "frames")
        }
        try writer.finish()
        let description: ConfigValue = .object([
            "format": "avatarflow.masks", "version": .int(1),
            "channels": .list(Self.channelNames.map(ConfigValue.string)),
        ])
        try Data(description.canonicalJSON.utf8).write(to: output.appendingPathComponent("masks.json"))
    }
}
