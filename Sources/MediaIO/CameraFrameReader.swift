import Foundation

/// Streams one camera's frames (from a video file or an image folder) as RGB8 with the same
/// selection and shaping rules as `VideoReader`. Image folders get timestamps `index / frameRate`.
public final class CameraFrameReader {
    /// Size of the returned frames.
    public let outputSize: PixelSize
    private let video: VideoReader?
    private let files: [URL]
    private let frameRate: Rational
    private let sourceSize: PixelSize
    private let options: VideoDecodeOptions
    private var selector: FrameSelector
    private var nextFileIndex = 0

    init(video: VideoReader) {
        self.video = video
        files = []
        frameRate = video.info.frameRate ?? Rational(25, 1)
        sourceSize = PixelSize(width: video.info.width, height: video.info.height)
        options = video.options
        selector = FrameSelector(range: nil, sampling: .all)
        outputSize = video.outputSize
    }

    init(images: [URL], frameRate: Rational, size: PixelSize, options: VideoDecodeOptions) throws {
        video = nil
        files = images
        self.frameRate = frameRate
        self.options = options
        sourceSize = size
        let path = images.first?.deletingLastPathComponent().path ?? ""
        try FrameSelector.validate(range: options.frameRange, sampling: options.sampling, path: path)
        selector = FrameSelector(range: options.frameRange, sampling: options.sampling)
        var shaped = size
        if let crop = options.crop {
            guard crop.width > 0, crop.height > 0, crop.x >= 0, crop.y >= 0,
                crop.x + crop.width <= size.width, crop.y + crop.height <= size.height
            else {
                throw MediaIOError(.invalidArgument, path: path, "crop does not fit inside the \(size) images")
            }
            shaped = PixelSize(width: crop.width, height: crop.height)
        }
        outputSize = options.outputSize ?? shaped
    }

    /// The next selected frame, or nil after the last one.
    public func nextFrame() throws -> VideoFrame? {
        if let video { return try video.nextFrame() }
        while nextFileIndex < files.count {
            let index = nextFileIndex
            nextFileIndex += 1
            let seconds = Double(index) * Double(frameRate.denominator) / Double(frameRate.numerator)
            switch selector.decide(index: index, seconds: seconds) {
            case .stop: return nil
            case .skip: continue
            case .take: break
            }
            var image = try Self.readImage(files[index])
            guard image.width == sourceSize.width && image.height == sourceSize.height else {
                throw MediaIOError(
                    .invalidLayout, path: files[index].path, frameIndex: index,
                    "image is \(image.width)x\(image.height) but the folder's frames are \(sourceSize); every image of a camera needs the same size")
            }
            if let crop = options.crop { image = PixelTransforms.crop(image, to: crop) }
            image = try ImageScaling.resize(image, to: outputSize)
            return VideoFrame(
                sourceIndex: index, presentationTimestamp: Int64(index),
                timeBase: Rational(frameRate.denominator, frameRate.numerator), image: image)
        }
        return nil
    }

    /// Reads one image file as RGB8: PNG through libpng, other formats (JPEG) through FFmpeg.
    static func readImage(_ url: URL) throws -> Image8 {
        if url.pathExtension.lowercased() == "png" {
            return try PNGFile.read8(url).withChannels(3, opaque: 255)
        }
        let reader = try VideoReader(url: url)
        guard let frame = try reader.nextFrame() else {
            throw MediaIOError(.noFrames, path: url.path, "the image could not be decoded")
        }
        return frame.image
    }
}
