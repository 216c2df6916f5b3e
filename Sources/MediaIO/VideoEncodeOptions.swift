/// How a `VideoWriter` encodes.
public struct VideoEncodeOptions: Sendable, Hashable {
    /// The video codec.
    public enum Codec: String, Sendable, Hashable, Codable {
        /// H.264 in yuv420p (or yuv444p, see `chroma`) with libx264 (BT.601 limited range, tagged). When the installed FFmpeg
        /// has no libx264, MPEG-4 Part 2 (`mpeg4` encoder, yuv420p) is used instead and
        /// `VideoWriter.encoderName` says so.
        case h264
        /// FFV1 lossless in 8-bit RGB (packed 0RGB32): decoding returns the exact input bytes. Use .mkv or .avi.
        case ffv1
        /// MPEG-4 Part 2 (FFmpeg's native encoder), yuv420p.
        case mpeg4
    }

    /// Rate control for the lossy codecs (ignored by FFV1).
    public enum RateControl: Sendable, Hashable {
        /// Constant quality: libx264's CRF (0 lossless-ish … 51 worst; 18 is visually transparent).
        /// For MPEG-4 the value maps to a fixed quantiser `max(2, crf / 6)`.
        case constantQuality(Double)
        /// Average bitrate in bits per second.
        case bitrate(Int)
    }

    /// Chroma resolution of the YUV codecs.
    public enum Chroma: String, Sendable, Hashable, Codable {
        /// 4:2:0 (yuv420p): plays everywhere; saturated colour edges lose detail (testsrc round
        /// trips at ~32 dB even at CRF 0).
        case subsampled
        /// 4:4:4 (yuv444p, H.264 High 4:4:4 profile): full colour resolution (~50 dB on testsrc at
        /// CRF 18), but many hardware players refuse it. Only libx264 supports it here.
        case full
    }

    /// The codec (default H.264).
    public var codec: Codec
    /// Chroma resolution for H.264 (default 4:2:0).
    public var chroma: Chroma
    /// Rate control (default CRF 18).
    public var rateControl: RateControl
    /// Frames per second; frame `i` gets timestamp `i / frameRate`.
    public var frameRate: Rational
    /// libx264 speed preset ("ultrafast" … "veryslow"; default "medium", as the ffmpeg CLI).
    public var preset: String
    /// Encoder threads; 0 lets FFmpeg choose.
    public var threadCount: Int

    /// Creates options; defaults are H.264, CRF 18, 25 fps, preset medium.
    public init(
        codec: Codec = .h264, rateControl: RateControl = .constantQuality(18),
        frameRate: Rational = Rational(25, 1), preset: String = "medium", threadCount: Int = 0,
        chroma: Chroma = .subsampled
    ) {
        self.codec = codec
        self.chroma = chroma
        self.rateControl = rateControl
        self.frameRate = frameRate
        self.preset = preset
        self.threadCount = threadCount
    }
}
