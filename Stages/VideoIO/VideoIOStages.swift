import AvatarFlow
import MediaIO

/// The VideoIO stage family: decode captures, encode and import/export frames.
public enum VideoIOStages {
    /// Every stage of the family, for the catalogue.
    public static let all: [any Stage.Type] = [
        VideoDecodeStage.self, VideoReadStage.self, VideoEncodeStage.self, ImagesReadStage.self, ImagesWriteStage.self,
    ]
}

extension ArtifactType {
    /// A plain folder of PNG/JPEG images: files directly in it (one camera), or one sub-folder per
    /// camera. Read by `images.read`, written by `images.write`.
    public static let imageFolder: ArtifactType = "ImageFolder"
}

/// A stage of the VideoIO family refused its parameters or inputs.
public struct VideoIOStageError: Error, CustomStringConvertible {
    public var stage: String
    /// What is wrong and how to fix it.
    public var message: String
    /// Creates the error.
    public init(stage: String, _ message: String) {
        self.stage = stage
        self.message = message
    }
    /// `stage: message`.
    public var description: String { "\(stage): \(message)" }
}

/// Shared parameter handling of the decoding stages.
enum DecodeParameterSupport {
    /// Output size with the longer side `longerSide` and the aspect ratio of `source` kept (nil when 0).
    static func outputSize(longerSide: Int, source: PixelSize) -> PixelSize? {
        guard longerSide > 0, source.width > 0, source.height > 0 else { return nil }
        let scale = Double(longerSide) / Double(max(source.width, source.height))
        return PixelSize(
            width: max(1, Int((Double(source.width) * scale).rounded())),
            height: max(1, Int((Double(source.height) * scale).rounded())))
    }

    /// Decode options from the common parameters; `sourceSize` is the frame size before cropping.
    static func options(
        stage: String, size: Int, crop: [Int], firstFrame: Int, frameCount: Int, everyNth: Int, fps: Double,
        colour: VideoDecodeOptions.ColourConversion, sourceSize: PixelSize
    ) throws -> VideoDecodeOptions {
        var options = VideoDecodeOptions()
        if !crop.isEmpty {
            guard crop.count == 4 else {
                throw VideoIOStageError(stage: stage, "crop needs [x, y, width, height] (4 integers), got \(crop.count) values")
            }
            guard crop[0] >= 0, crop[1] >= 0, crop[2] > 0, crop[3] > 0 else {
                throw VideoIOStageError(
                    stage: stage,
                    "crop \(crop) is empty or starts outside the picture: [x, y, width, height] needs x, y ≥ 0 and width, height > 0 (or `crop: []` for none)")
            }
            options.crop = PixelRect(x: crop[0], y: crop[1], width: crop[2], height: crop[3])
        }
        let cropped = options.crop.map { PixelSize(width: $0.width, height: $0.height) } ?? sourceSize
        options.outputSize = outputSize(longerSide: size, source: cropped)
        if firstFrame > 0 || frameCount > 0 {
            options.frameRange = firstFrame..<(frameCount > 0 ? firstFrame + frameCount : Int.max)
        }
        if fps > 0 && everyNth > 1 {
            throw VideoIOStageError(stage: stage, "set either fps (\(fps)) or every_nth (\(everyNth)), not both")
        }
        if fps > 0 {
            options.sampling = .targetFPS(fps)
        } else if everyNth > 1 {
            options.sampling = .everyNth(everyNth)
        }
        options.colourConversion = colour
        return options
    }
}
