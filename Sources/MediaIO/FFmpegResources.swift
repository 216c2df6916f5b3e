import CFFmpeg
import Foundation

// One owning class per FFmpeg resource; each frees its resource in deinit. They are internal and
// used by one reader or writer at a time, so they are not Sendable.

/// Text for an FFmpeg error code (the av_err2str macro does not import into Swift).
func ffmpegErrorText(_ code: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    cffmpeg_error_string(code, &buffer, buffer.count)
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// FFmpeg logs to stderr by default; the library reports through typed errors, so logging is
/// silenced once per process unless AVATARFLOW_FFMPEG_LOG is set (for debugging).
let quietFFmpegLogging: Void = {
    cffmpeg_set_log_quiet(ProcessInfo.processInfo.environment["AVATARFLOW_FFMPEG_LOG"] == nil ? 1 : 0)
}()

/// An opened input file (demuxer): owns an `AVFormatContext` from `avformat_open_input`.
final class FFmpegInputFile {
    let context: UnsafeMutablePointer<AVFormatContext>

    init(path: String) throws {
        _ = quietFFmpegLogging
        guard FileManager.default.fileExists(atPath: path) || path.contains("%") else {
            throw MediaIOError(.fileNotFound, path: path, "video file not found; check the path")
        }
        var opened: UnsafeMutablePointer<AVFormatContext>?
        let status = avformat_open_input(&opened, path, nil, nil)
        guard status >= 0, let opened else {
            throw MediaIOError(
                .unsupportedFormat, path: path,
                "FFmpeg cannot open the file (\(ffmpegErrorText(status))); it is truncated, damaged or not a video/image format the installed FFmpeg reads")
        }
        context = opened
        let infoStatus = avformat_find_stream_info(context, nil)
        guard infoStatus >= 0 else {
            throw MediaIOError(.corruptData, path: path, "cannot read stream information (\(ffmpegErrorText(infoStatus))); the file is damaged")
        }
    }

    deinit {
        var pointer: UnsafeMutablePointer<AVFormatContext>? = context
        avformat_close_input(&pointer)
    }
}

/// An output file (muxer): owns an `AVFormatContext` from `avformat_alloc_output_context2` and its AVIO handle.
final class FFmpegOutputFile {
    let context: UnsafeMutablePointer<AVFormatContext>
    private var ioOpened = false

    init(path: String) throws {
        _ = quietFFmpegLogging
        var allocated: UnsafeMutablePointer<AVFormatContext>?
        let status = avformat_alloc_output_context2(&allocated, nil, nil, path)
        guard status >= 0, let allocated else {
            throw MediaIOError(
                .unsupportedFormat, path: path,
                "no FFmpeg muxer for this file extension (\(ffmpegErrorText(status))); use .mp4, .mkv, .mov or .avi")
        }
        context = allocated
    }

    /// Opens the file for writing unless the muxer writes no file itself.
    func openIO(path: String) throws {
        if (context.pointee.oformat.pointee.flags & AVFMT_NOFILE) != 0 { return }
        let status = avio_open(&context.pointee.pb, path, AVIO_FLAG_WRITE)
        guard status >= 0 else {
            throw MediaIOError(.writeFailed, path: path, "cannot create the file (\(ffmpegErrorText(status))); check the directory exists and is writable")
        }
        ioOpened = true
    }

    deinit {
        if ioOpened { avio_closep(&context.pointee.pb) }
        avformat_free_context(context)
    }
}

/// An `AVCodecContext` (decoder or encoder), freed with `avcodec_free_context`.
final class FFmpegCodecContext {
    let context: UnsafeMutablePointer<AVCodecContext>

    init(codec: UnsafePointer<AVCodec>, path: String) throws {
        guard let allocated = avcodec_alloc_context3(codec) else {
            throw MediaIOError(.invalidArgument, path: path, "out of memory allocating a codec context")
        }
        context = allocated
    }

    deinit {
        var pointer: UnsafeMutablePointer<AVCodecContext>? = context
        avcodec_free_context(&pointer)
    }
}

/// An `AVPacket`, freed with `av_packet_free`.
final class FFmpegPacket {
    let packet: UnsafeMutablePointer<AVPacket>

    init() {
        guard let allocated = av_packet_alloc() else { fatalError("av_packet_alloc failed: out of memory") }
        packet = allocated
    }

    deinit {
        var pointer: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&pointer)
    }
}

/// An `AVFrame`, freed with `av_frame_free`.
final class FFmpegFrame {
    let frame: UnsafeMutablePointer<AVFrame>

    init() {
        guard let allocated = av_frame_alloc() else { fatalError("av_frame_alloc failed: out of memory") }
        frame = allocated
    }

    /// Plane pointers of the frame, as swscale wants them.
    var planes: [UnsafePointer<UInt8>?] {
        withUnsafeBytes(of: frame.pointee.data) { raw in
            (0..<8).map {
                UnsafePointer(
                    raw.load(
                        fromByteOffset: $0 * MemoryLayout<UnsafeMutablePointer<UInt8>?>.stride,
                        as: UnsafeMutablePointer<UInt8>?.self))
            }
        }
    }

    /// Mutable plane pointers of the frame.
    var mutablePlanes: [UnsafeMutablePointer<UInt8>?] {
        withUnsafeBytes(of: frame.pointee.data) { raw in
            (0..<8).map {
                raw.load(
                    fromByteOffset: $0 * MemoryLayout<UnsafeMutablePointer<UInt8>?>.stride,
                    as: UnsafeMutablePointer<UInt8>?.self)
            }
        }
    }

    /// Bytes per row of each plane.
    var strides: [Int32] {
        withUnsafeBytes(of: frame.pointee.linesize) { raw in
            (0..<8).map { raw.load(fromByteOffset: $0 * 4, as: Int32.self) }
        }
    }

    deinit {
        var pointer: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&pointer)
    }
}

/// A swscale context converting one (size, pixel format) to another, freed with `sws_freeContext`.
/// Defaults to SWS_BICUBIC, the flags the ffmpeg CLI's auto-inserted scale filter uses, so RGB output
/// is bit-identical to `ffmpeg -pix_fmt rgb24`.
final class FFmpegScaler {
    let context: OpaquePointer
    let sourceWidth: Int32, sourceHeight: Int32, sourceFormat: AVPixelFormat
    let destinationWidth: Int32, destinationHeight: Int32, destinationFormat: AVPixelFormat

    init(
        sourceWidth: Int32, sourceHeight: Int32, sourceFormat: AVPixelFormat,
        destinationWidth: Int32, destinationHeight: Int32, destinationFormat: AVPixelFormat, path: String,
        flags: Int32 = SWS_BICUBIC
    ) throws {
        guard
            let created = sws_getContext(
                sourceWidth, sourceHeight, sourceFormat,
                destinationWidth, destinationHeight, destinationFormat,
                flags, nil, nil, nil)
        else {
            throw MediaIOError(
                .unsupportedFormat, path: path,
                "swscale cannot convert \(sourceWidth)×\(sourceHeight) pixel format \(sourceFormat.rawValue) to \(destinationWidth)×\(destinationHeight) format \(destinationFormat.rawValue)"
            )
        }
        context = created
        self.sourceWidth = sourceWidth
        self.sourceHeight = sourceHeight
        self.sourceFormat = sourceFormat
        self.destinationWidth = destinationWidth
        self.destinationHeight = destinationHeight
        self.destinationFormat = destinationFormat
    }

    func matches(
        sourceWidth: Int32, sourceHeight: Int32, sourceFormat: AVPixelFormat,
        destinationWidth: Int32, destinationHeight: Int32
    ) -> Bool {
        self.sourceWidth == sourceWidth && self.sourceHeight == sourceHeight && self.sourceFormat == sourceFormat
            && self.destinationWidth == destinationWidth && self.destinationHeight == destinationHeight
    }

    /// Applies the YUV matrix and range a decoded frame declares, exactly as libavfilter's scale
    /// filter does: unspecified or unknown matrices fall back to BT.601, unspecified range keeps
    /// swscale's choice (limited, or full for the yuvj formats).
    func applyColorimetry(of frame: UnsafePointer<AVFrame>) {
        var inverseTable: UnsafeMutablePointer<Int32>?
        var table: UnsafeMutablePointer<Int32>?
        var sourceFull: Int32 = 0, destinationFull: Int32 = 0
        var brightness: Int32 = 0, contrast: Int32 = 0, saturation: Int32 = 0
        guard
            sws_getColorspaceDetails(
                context, &inverseTable, &sourceFull, &table, &destinationFull,
                &brightness, &contrast, &saturation) >= 0
        else { return }
        var colorspace = Int32(frame.pointee.colorspace.rawValue)
        if colorspace < 1 || colorspace > 10 || colorspace == 8 { colorspace = Int32(AVCOL_SPC_BT470BG.rawValue) }
        let coefficients = sws_getCoefficients(colorspace)
        if frame.pointee.color_range != AVCOL_RANGE_UNSPECIFIED {
            sourceFull = frame.pointee.color_range == AVCOL_RANGE_JPEG ? 1 : 0
        }
        _ = sws_setColorspaceDetails(
            context, coefficients, sourceFull, coefficients, destinationFull,
            brightness, contrast, saturation)
    }

    /// Converts one picture.
    func scale(
        sourcePlanes: [UnsafePointer<UInt8>?], sourceStrides: [Int32],
        destinationPlanes: [UnsafeMutablePointer<UInt8>?], destinationStrides: [Int32]
    ) {
        _ = sws_scale(context, sourcePlanes, sourceStrides, 0, sourceHeight, destinationPlanes, destinationStrides)
    }

    deinit {
        sws_freeContext(context)
    }
}

/// A 64-byte-aligned scratch buffer for packed 3-byte pixels whose rows are padded like FFmpeg's
/// own frame buffers (width rounded up to 64 pixels): swscale's SIMD paths write whole vector chunks
/// past the row end, which with tight rows would overwrite the next row, so converting straight
/// into an exactly-sized array is never safe.
final class AlignedPixelBuffer {
    let bytes: UnsafeMutablePointer<UInt8>
    let stride: Int
    let height: Int

    init(rowBytes: Int, height: Int) {
        let pixels = (rowBytes + 2) / 3
        stride = (((pixels + 63) & ~63) * 3 + 63) & ~63
        self.height = height
        let raw = UnsafeMutableRawPointer.allocate(byteCount: stride * (height + 1), alignment: 64)
        bytes = raw.bindMemory(to: UInt8.self, capacity: stride * (height + 1))
    }

    deinit {
        bytes.deallocate()
    }
}
