import AvatarFlow
import Foundation
import MediaIO

/// `images.write`: a FrameSet → a plain image folder (PNG), e.g. to inspect or hand frames to
/// other tools. One camera writes `000000.png…` directly; several write one sub-folder each.
public struct ImagesWriteStage: Stage {
    /// Parameters of `images.write`.
    public struct Parameters: StageParameters {
        /// Camera ids to write; empty for all.
        public var cameras: [String]
        /// What to do with an alpha channel.
        public var alpha: String
        /// Keep every N-th frame.
        public var everyNth: Int
        /// zlib compression level of the PNGs.
        public var compression: Int

        enum CodingKeys: String, CodingKey {
            case cameras, alpha, compression
            case everyNth = "every_nth"
        }

        /// The schema.
        public static let fields: [ParameterField] = [
            .stringList("cameras", [], doc: "Camera ids to write; empty writes all cameras."),
            .choice(
                "alpha", "keep", ["keep", "drop", "black", "white"],
                doc: "RGBA frames: keep = RGBA PNGs, drop = ignore alpha, black/white = composite over that colour."),
            .int("every_nth", 1, range: 1...10_000, doc: "Write every N-th frame."),
            .int("compression", 6, range: 0...9, doc: "PNG zlib compression level (0 fastest, 9 smallest)."),
        ]
    }

    /// The stage id.
    public static let id = "images.write"
    /// Output-format version.
    public static let version = 1
    /// One line.
    public static let summary = "Write a FrameSet as a plain folder of PNG images (one sub-folder per camera when several)."
    /// The frames.
    public static let inputs: [StagePort] = [StagePort("frames", .frameSet, doc: "Frames to write.")]
    /// The folder.
    public static let outputs: [StagePort] = [StagePort("images", .imageFolder, doc: "PNG files named %06d.png by FrameSet frame index.")]

    /// Creates the stage.
    public init() {}

    /// Writes the selected frames.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let frameSet = try FrameSet.open(try context.input("frames"))
        let cameras = parameters.cameras.isEmpty ? frameSet.manifest.cameras : parameters.cameras
        for camera in cameras where !frameSet.manifest.cameras.contains(camera) {
            throw VideoIOStageError(stage: Self.id, "no camera '\(camera)' in the FrameSet; cameras are \(frameSet.manifest.cameras.joined(separator: ", "))")
        }
        let output = try context.output("images")
        let frames = Array(stride(from: 0, to: frameSet.manifest.frameCount, by: parameters.everyNth))
        for (done, frame) in frames.enumerated() {
            for camera in cameras {
                let folder = cameras.count == 1 ? output : output.appendingPathComponent(camera)
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                let image = Self.applyAlphaPolicy(try frameSet.image(frame: frame, camera: camera), policy: parameters.alpha)
                try PNGFile.write(
                    image, to: folder.appendingPathComponent(FrameSetManifest.fileName(frame: frame)),
                    compressionLevel: parameters.compression)
            }
            context.reportProgress(completed: done + 1, total: frames.count, unit: "frames")
        }
    }

    /// RGBA handling: keep, drop, or composite over black/white (`c·a + background·(1 − a)`, rounded).
    static func applyAlphaPolicy(_ image: Image8, policy: String) -> Image8 {
        guard image.channels == 4, policy != "keep" else { return image }
        if policy == "drop" { return image.withChannels(3, opaque: 255) }
        let background: UInt32 = policy == "white" ? 255 : 0
        var result = Image8(width: image.width, height: image.height, channels: 3)
        for pixel in 0..<(image.width * image.height) {
            let alpha = UInt32(image.samples[pixel * 4 + 3])
            for c in 0..<3 {
                let colour = UInt32(image.samples[pixel * 4 + c])
                result.samples[pixel * 3 + c] = UInt8((colour * alpha + background * (255 - alpha) + 127) / 255)
            }
        }
        return result
    }
}
