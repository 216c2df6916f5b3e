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

/// Which source frames `video.decode` and `video.read` keep and how they shape them; both stages
/// embed it, so the parameters keep their own names (`size`, `crop`, `first_frame`, …).
public struct FrameSelection: InlinedParameterGroup {
    /// Allowed values of `colour`.
    public enum Colour: String, ParameterChoice {
        case ffmpeg, accurate
    }

    @Param("Longer side of the output frames in pixels, aspect ratio kept; 0 keeps the source's size.", range: 0...8192)
    public var size: Int = 0
    @Param("Crop [x, y, width, height] in pixels (of the rotated picture), applied before resizing; empty keeps the whole frame.", range: 0...100_000)
    public var crop: [Int] = []
    @Param("First source frame to decode (0-based).", range: 0...100_000_000)
    public var firstFrame: Int = 0
    @Param("Source frames to consider from first_frame; 0 means to the end.", range: 0...100_000_000)
    public var frameCount: Int = 0
    @Param("Keep every N-th frame of the range.", range: 1...10_000)
    public var everyNth: Int = 1
    @Param("Target frame rate in frames/s by dropping frames; 0 keeps the source rate.", range: 0...1000)
    public var fps: Double = 0
    @Param("YUV to RGB: ffmpeg = bit-identical to `ffmpeg -pix_fmt rgb24`; accurate = interpolated chroma (+~3 dB).")
    public var colour: Colour = .ffmpeg

    /// Every parameter at its default.
    public init() {}

    /// Decodes `cameras` (nil: all) of `capture` into the stage's `frames` output with this
    /// selection, reporting progress; refuses a selection that keeps no frame.
    func decode(_ capture: Capture, cameras: [String]?, stage: String, context: StageContext) throws {
        let options = try DecodeParameterSupport.options(
            stage: stage, size: size, crop: crop, firstFrame: firstFrame, frameCount: frameCount, everyNth: everyNth, fps: fps,
            colour: colour == .accurate ? .accurate : .ffmpegCompatible, sourceSize: capture.size)
        let rangeEnd = min(capture.frameCount, options.frameRange?.upperBound ?? capture.frameCount)
        let considered = max(0, rangeEnd - firstFrame)
        let expected = fps > 0 ? nil : (considered + everyNth - 1) / everyNth
        let frameSet = try FrameSetConversion.decode(capture, cameras: cameras, options: options, into: try context.output("frames")) { done in
            context.reportProgress(completed: done, total: expected, unit: "frames")
        }
        guard frameSet.manifest.frameCount > 0 else {
            throw VideoIOStageError(stage: stage, "no frames selected: first_frame \(firstFrame) is past the source's \(capture.frameCount) frames")
        }
        context.log("wrote \(frameSet.manifest.frameCount) frames of \(frameSet.manifest.width)x\(frameSet.manifest.height)")
    }
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
