/// What a video file declares about its video stream, read without decoding frames.
public struct VideoInfo: Sendable, Hashable {
    /// The file (or image-sequence pattern) this describes.
    public let path: String
    /// FFmpeg's demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "avi", "image2".
    public let containerName: String
    /// FFmpeg's decoder name, e.g. "h264", "vp9", "mpeg4", "ffv1", "png".
    public let codecName: String
    /// Width of the coded pictures in pixels, before rotation.
    public let codedWidth: Int
    /// Height of the coded pictures in pixels, before rotation.
    public let codedHeight: Int
    /// Clockwise rotation (0, 90, 180 or 270 degrees) the file's display matrix asks for.
    public let rotationDegrees: Int
    /// Average frame rate (frames per second), when the container declares one.
    public let frameRate: Rational?
    /// Seconds per timestamp tick of the stream.
    public let timeBase: Rational
    /// Frame count stored in the container header, when present (MP4/MOV/AVI yes, MKV usually no).
    public let declaredFrameCount: Int?
    /// Stream or file duration in seconds, when known.
    public let durationSeconds: Double?

    /// Display width after rotation, in pixels.
    public var width: Int { rotationDegrees % 180 == 0 ? codedWidth : codedHeight }
    /// Display height after rotation, in pixels.
    public var height: Int { rotationDegrees % 180 == 0 ? codedHeight : codedWidth }
}

/// How a `VideoReader` selects and shapes frames. Operations apply in this order: frame range,
/// sampling, rotation (when `applyRotation`), crop (in rotated display coordinates), resize.
public struct VideoDecodeOptions: Sendable, Hashable {
    /// Source frame indices to consider (0-based, presentation order); nil means all frames.
    /// Decoding stops as soon as the range is passed.
    public var frameRange: Range<Int>?
    /// Which frames of the range to return.
    public var sampling: FrameSampling
    /// Rectangle to keep, in display pixels after rotation; nil keeps the whole picture.
    public var crop: PixelRect?
    /// Output size after cropping (swscale bicubic); nil keeps the cropped size.
    public var outputSize: PixelSize?
    /// Honour the file's rotation metadata like the ffmpeg CLI's autorotate (default true).
    public var applyRotation: Bool
    /// Decoder threads; 0 lets FFmpeg choose (one per core, as the CLI does).
    public var threadCount: Int
    /// How YUV is converted to RGB (default: bit-identical to the ffmpeg CLI).
    public var colourConversion: ColourConversion

    /// YUV → RGB conversion quality.
    public enum ColourConversion: String, Sendable, Hashable, Codable {
        /// swscale SWS_BICUBIC, as `ffmpeg -pix_fmt rgb24`: bit-identical to the CLI, but 4:2:0
        /// chroma is replicated, not interpolated.
        case ffmpegCompatible
        /// SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT: interpolated chroma and exact
        /// rounding, about 3 dB higher PSNR after a yuv420p round trip, slower.
        case accurate
    }

    /// Creates options; the defaults return every frame at its native size, rotated for display.
    public init(
        frameRange: Range<Int>? = nil, sampling: FrameSampling = .all, crop: PixelRect? = nil,
        outputSize: PixelSize? = nil, applyRotation: Bool = true, threadCount: Int = 0,
        colourConversion: ColourConversion = .ffmpegCompatible
    ) {
        self.frameRange = frameRange
        self.sampling = sampling
        self.crop = crop
        self.outputSize = outputSize
        self.applyRotation = applyRotation
        self.threadCount = threadCount
        self.colourConversion = colourConversion
    }
}

/// One decoded frame with its exact timestamp.
public struct VideoFrame: Sendable {
    /// Index of this frame in the source stream (0-based, presentation order, before sampling).
    public let sourceIndex: Int
    /// Presentation timestamp in `timeBase` ticks (FFmpeg's best-effort timestamp).
    public let presentationTimestamp: Int64
    /// Seconds per tick.
    public let timeBase: Rational
    /// The picture as packed RGB8 (`channels == 3`).
    public let image: Image8

    /// The picture as Float32 HWC in [0, 1].
    public var floatImage: FloatImage { FloatImage(image) }

    /// Presentation time in seconds (`presentationTimestamp · timeBase`), as ffmpeg's `pts_time`.
    public var timeSeconds: Double {
        Double(presentationTimestamp) * Double(timeBase.numerator) / Double(timeBase.denominator)
    }
}
