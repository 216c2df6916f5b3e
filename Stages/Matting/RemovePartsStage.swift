import AvatarFlow
import Foundation
import MediaIO

/// `matting.remove-parts`: takes parsed parts (e.g. the body: neck and shoulders) out of a matte.
///
/// GHA evaluates self-reenactment "using face parsing to remove the body parts in the image"
/// (§5.2); this stage does that to matted RGBA frames with a Masks artifact (`parsing.head-hair`
/// or a learned parser): the removed masks are subtracted from the alpha, and the colour is
/// re-composited onto the same background, so the result is what the matting stage would have
/// written had the removed parts not been there. Feed it to training and scoring alike.
public struct RemovePartsStage: Stage {
    /// Parameters of `matting.remove-parts`.
    public struct Parameters: StageParameters {
        /// A parsed part, named as in the masks' channels (`parsing.head-hair`).
        public enum Part: String, ParameterChoice {
            case head, hair, body

            /// The part's channel in the masks (`HeadHairParsingStage.channelNames`).
            var channel: Int {
                switch self {
                case .head: 0
                case .hair: 1
                case .body: 2
                }
            }
        }

        /// Allowed values of `background`.
        public enum Background: String, ParameterChoice {
            case white, black
        }

        @Param("Parts taken out of the matte: any of head, hair, body (GHA §5.2 removes the body: neck and shoulders).")
        public var parts: [Part] = [.body]
        @Param("Background the input frames were composited onto; must match the matting stage's `background`.")
        public var background: Background = .white

        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "matting.remove-parts"
    public static let version = 1
    public static let summary = "Remove parsed parts (by default the body) from matted frames: alpha minus the parts' masks, colour re-composited."
    /// Matted frames and their part masks.
    public static let inputs = [
        StagePort("frames", .frameSet, doc: "Matted RGBA frames (RGB composited onto white or black, alpha in A)."),
        StagePort("masks", .masks, doc: "Soft part masks of the same frames (R = head, G = hair, B = body), e.g. from parsing.head-hair."),
    ]
    /// The frames without the removed parts.
    public static let outputs = [StagePort("frames", .frameSet, doc: "RGBA frames without the removed parts, same cameras, frames and calibrations.")]

    public init() {}

    /// Removes the parts from every frame of every camera.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let frames = try FrameSet.open(try context.input("frames"))
        let masks = try FrameSet.open(try context.input("masks"))
        let manifest = frames.manifest
        let description = masks.directory.appendingPathComponent(MaskSet.descriptionFileName)
        if let data = FileManager.default.contents(atPath: description.path),
            (try? JSONDecoder().decode(MaskSet.Description.self, from: data))?.encoding == .labels
        {
            throw MattingError(
                camera: manifest.cameras.first ?? "", path: description.path,
                "these masks are label maps (e.g. synthetic.region-masks), not head/hair/body channels; connect parsing.head-hair's masks")
        }
        let channels = Set(parameters.parts).map(\.channel).sorted()
        guard manifest.channels == 4 else {
            throw MattingError(
                camera: manifest.cameras.first ?? "", path: frames.directory.path,
                "the frames have no alpha channel; connect the output of a matting stage (e.g. matting.difference)")
        }
        guard masks.manifest.cameras == manifest.cameras, masks.manifest.frameCount == manifest.frameCount,
            masks.manifest.width == manifest.width, masks.manifest.height == manifest.height, masks.manifest.channels >= 3
        else {
            throw MattingError(
                camera: manifest.cameras.first ?? "", path: masks.directory.path,
                "the masks (\(masks.manifest.cameras.count) cameras × \(masks.manifest.frameCount) frames of \(masks.manifest.width)x\(masks.manifest.height)) do not match the frames (\(manifest.cameras.count) × \(manifest.frameCount) of \(manifest.width)x\(manifest.height)); parse the same matted frames"
            )
        }
        let background: Float = parameters.background == .white ? 1 : 0
        let writer = try FrameSetWriter(
            directory: try context.output("frames"), cameras: manifest.cameras, calibrations: manifest.calibrations,
            size: PixelSize(width: manifest.width, height: manifest.height), channels: 4,
            frameRate: manifest.frameRate)
        for frame in 0..<manifest.frameCount {
            let images = try manifest.cameras.map { camera in
                Self.remove(
                    channels, of: try masks.image(frame: frame, camera: camera), from: try frames.image(frame: frame, camera: camera),
                    background: background)
            }
            try writer.append(images, timestamp: manifest.timestamps[frame], sourceIndex: manifest.sourceFrameIndices[frame])
            context.reportProgress(completed: frame + 1, total: manifest.frameCount, unit: "frames")
        }
        _ = try writer.finish()
    }

    /// One RGBA image without the mask channels `channels`: α' = max(0, α − Σ masks), the
    /// premultiplied colour RGB − (1−α)·background scaled by α'/α, re-composited over the background.
    static func remove(_ channels: [Int], of masks: Image8, from image: Image8, background: Float) -> Image8 {
        var samples = image.samples
        let maskChannels = masks.channels
        for pixel in 0..<(image.width * image.height) {
            let alpha = Float(image.samples[pixel * 4 + 3]) / 255
            guard alpha > 0 else { continue }
            let removed = channels.reduce(Float(0)) { $0 + Float(masks.samples[pixel * maskChannels + $1]) / 255 }
            let kept = max(0, alpha - removed)
            let fraction = kept / alpha
            for channel in 0..<3 {
                let premultiplied = Float(image.samples[pixel * 4 + channel]) / 255 - (1 - alpha) * background
                let value = premultiplied * fraction + (1 - kept) * background
                samples[pixel * 4 + channel] = Image8.byte(scaled: value * 255)
            }
            samples[pixel * 4 + 3] = Image8.byte(scaled: kept * 255)
        }
        return Image8(width: image.width, height: image.height, channels: 4, samples: samples)
    }
}
