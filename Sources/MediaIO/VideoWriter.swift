import CFFmpeg
import Foundation

/// Encodes RGB8 frames into a video file (MP4/MOV/MKV/AVI, chosen by the file extension).
///
/// Odd sizes: yuv420p needs even dimensions, so H.264 and MPEG-4 pad an odd width or height by one
/// pixel, replicating the last column or row; `encodedSize` reports the size in the file. FFV1
/// (RGB) keeps odd sizes as they are.
///
/// Call `append(_:)` for each frame, then `finish()`; a writer dropped without `finish()` leaves an
/// incomplete file. Not Sendable: use from one thread.
public final class VideoWriter {
    /// The file being written.
    public let url: URL
    /// Size of the frames `append` accepts.
    public let frameSize: PixelSize
    /// Size of the pictures stored in the file (frame size padded to even for yuv420p codecs).
    public let encodedSize: PixelSize
    /// The FFmpeg encoder in use ("libx264", "mpeg4" or "ffv1").
    public let encoderName: String
    /// The options in effect.
    public let options: VideoEncodeOptions

    private let output: FFmpegOutputFile
    private let encoder: FFmpegCodecContext
    private let stream: UnsafeMutablePointer<AVStream>
    private let picture = FFmpegFrame()
    private let packet = FFmpegPacket()
    private let converter: FFmpegScaler
    private let staging: AlignedPixelBuffer
    private var framesWritten: Int64 = 0
    private var finished = false

    /// Creates the file and writes its header. Frames must then be `frameSize` RGB8 images.
    public init(url: URL, frameSize: PixelSize, options: VideoEncodeOptions = VideoEncodeOptions()) throws {
        let path = url.path
        guard frameSize.width > 0, frameSize.height > 0 else {
            throw MediaIOError(.invalidArgument, path: path, "frame size \(frameSize) must be positive")
        }
        guard options.frameRate.numerator > 0, options.frameRate.denominator > 0 else {
            throw MediaIOError(.invalidArgument, path: path, "frame rate \(options.frameRate) must be positive")
        }
        self.url = url
        self.frameSize = frameSize
        self.options = options
        output = try FFmpegOutputFile(path: path)

        var (codec, pixelFormat) = try Self.findEncoder(options.codec, path: path)
        if options.chroma == .full && pixelFormat == AV_PIX_FMT_YUV420P && String(cString: codec.pointee.name) == "libx264" {
            pixelFormat = AV_PIX_FMT_YUV444P
        }
        encoderName = String(cString: codec.pointee.name)
        let needsEvenSize = pixelFormat == AV_PIX_FMT_YUV420P
        encodedSize =
            needsEvenSize
            ? PixelSize(width: (frameSize.width + 1) & ~1, height: (frameSize.height + 1) & ~1) : frameSize

        guard let newStream = avformat_new_stream(output.context, nil) else {
            throw MediaIOError(.writeFailed, path: path, "cannot add a video stream to the container")
        }
        stream = newStream
        encoder = try FFmpegCodecContext(codec: codec, path: path)
        let context = encoder.context
        context.pointee.width = Int32(encodedSize.width)
        context.pointee.height = Int32(encodedSize.height)
        context.pointee.pix_fmt = pixelFormat
        context.pointee.time_base = AVRational(num: Int32(options.frameRate.denominator), den: Int32(options.frameRate.numerator))
        context.pointee.framerate = AVRational(num: Int32(options.frameRate.numerator), den: Int32(options.frameRate.denominator))
        context.pointee.sample_aspect_ratio = AVRational(num: 1, den: 1)
        context.pointee.thread_count = Int32(options.threadCount)
        if pixelFormat == AV_PIX_FMT_YUV420P || pixelFormat == AV_PIX_FMT_YUV444P {
            context.pointee.colorspace = AVCOL_SPC_SMPTE170M
            context.pointee.color_range = AVCOL_RANGE_MPEG
        } else {
            context.pointee.colorspace = AVCOL_SPC_RGB
            context.pointee.color_range = AVCOL_RANGE_JPEG
        }
        if (output.context.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER) != 0 {
            context.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER
        }
        var settings: OpaquePointer?
        defer { av_dict_free(&settings) }
        Self.configureRateControl(options, encoderName: encoderName, context: context, settings: &settings)
        let openStatus = avcodec_open2(context, codec, &settings)
        guard openStatus >= 0 else {
            throw MediaIOError(.writeFailed, path: path, "the \(encoderName) encoder refused the settings (\(ffmpegErrorText(openStatus)))")
        }
        guard avcodec_parameters_from_context(stream.pointee.codecpar, context) >= 0 else {
            throw MediaIOError(.writeFailed, path: path, "cannot copy encoder parameters to the stream")
        }
        stream.pointee.time_base = context.pointee.time_base
        stream.pointee.avg_frame_rate = context.pointee.framerate
        try output.openIO(path: path)
        let headerStatus = avformat_write_header(output.context, nil)
        guard headerStatus >= 0 else {
            throw MediaIOError(
                .writeFailed, path: path,
                "cannot write the container header (\(ffmpegErrorText(headerStatus))); is this codec allowed in a .\(url.pathExtension) file?")
        }

        picture.frame.pointee.format = pixelFormat.rawValue
        picture.frame.pointee.width = Int32(encodedSize.width)
        picture.frame.pointee.height = Int32(encodedSize.height)
        guard av_frame_get_buffer(picture.frame, 0) >= 0 else {
            throw MediaIOError(.writeFailed, path: path, "out of memory allocating an encoder picture")
        }
        converter = try FFmpegScaler(
            sourceWidth: Int32(encodedSize.width), sourceHeight: Int32(encodedSize.height),
            sourceFormat: AV_PIX_FMT_RGB24,
            destinationWidth: Int32(encodedSize.width), destinationHeight: Int32(encodedSize.height),
            destinationFormat: pixelFormat, path: path)
        staging = AlignedPixelBuffer(rowBytes: encodedSize.width * 3, height: encodedSize.height)
    }

    private static func findEncoder(_ codec: VideoEncodeOptions.Codec, path: String) throws -> (UnsafePointer<AVCodec>, AVPixelFormat) {
        switch codec {
        case .h264:
            if let x264 = avcodec_find_encoder_by_name("libx264") { return (x264, AV_PIX_FMT_YUV420P) }
            if let mpeg4 = avcodec_find_encoder(AV_CODEC_ID_MPEG4) { return (mpeg4, AV_PIX_FMT_YUV420P) }
        case .mpeg4:
            if let mpeg4 = avcodec_find_encoder(AV_CODEC_ID_MPEG4) { return (mpeg4, AV_PIX_FMT_YUV420P) }
        case .ffv1:
            // FFV1 takes 8-bit RGB as packed 0RGB32 (BGR0 in memory on little-endian hosts).
            if let ffv1 = avcodec_find_encoder(AV_CODEC_ID_FFV1) { return (ffv1, AV_PIX_FMT_BGR0) }
        }
        throw MediaIOError(
            .unsupportedFormat, path: path, "the installed FFmpeg has no \(codec.rawValue) encoder; install a full FFmpeg build (Debian: libavcodec-extra)")
    }

    private static func configureRateControl(
        _ options: VideoEncodeOptions, encoderName: String,
        context: UnsafeMutablePointer<AVCodecContext>, settings: inout OpaquePointer?
    ) {
        switch (encoderName, options.rateControl) {
        case ("libx264", .constantQuality(let crf)):
            av_dict_set(&settings, "crf", String(crf), 0)
            av_dict_set(&settings, "preset", options.preset, 0)
        case ("libx264", .bitrate(let bitsPerSecond)):
            context.pointee.bit_rate = Int64(bitsPerSecond)
            av_dict_set(&settings, "preset", options.preset, 0)
        case ("mpeg4", .constantQuality(let crf)):
            context.pointee.flags |= AV_CODEC_FLAG_QSCALE
            context.pointee.global_quality = Int32(FF_QP2LAMBDA) * Int32(max(2, (crf / 6).rounded()))
        case ("mpeg4", .bitrate(let bitsPerSecond)):
            context.pointee.bit_rate = Int64(bitsPerSecond)
        default:
            break
        }
    }

    /// Encodes one RGB8 frame of `frameSize`; its timestamp is the number of frames written so far / fps.
    public func append(_ image: Image8) throws {
        guard !finished else {
            throw MediaIOError(.invalidArgument, path: url.path, "append after finish(); create a new VideoWriter")
        }
        guard image.channels == 3, image.width == frameSize.width, image.height == frameSize.height else {
            throw MediaIOError(
                .invalidArgument, path: url.path, frameIndex: Int(framesWritten),
                "expected a \(frameSize) RGB image, got \(image.width)x\(image.height) with \(image.channels) channels")
        }
        stageWithEdgePadding(image)
        guard av_frame_make_writable(picture.frame) >= 0 else {
            throw MediaIOError(.writeFailed, path: url.path, "out of memory making the encoder picture writable")
        }
        converter.scale(
            sourcePlanes: [UnsafePointer(staging.bytes), nil, nil, nil], sourceStrides: [Int32(staging.stride), 0, 0, 0],
            destinationPlanes: picture.mutablePlanes, destinationStrides: picture.strides)
        picture.frame.pointee.pts = framesWritten
        framesWritten += 1
        try send(picture.frame)
    }

    /// Flushes the encoder and writes the container trailer; the file is complete afterwards.
    public func finish() throws {
        guard !finished else { return }
        finished = true
        try send(nil)
        let status = av_write_trailer(output.context)
        guard status >= 0 else {
            throw MediaIOError(.writeFailed, path: url.path, "cannot finish the file (\(ffmpegErrorText(status))); disk full?")
        }
    }

    /// Copies the frame into the aligned staging buffer, replicating the last column/row into padding.
    private func stageWithEdgePadding(_ image: Image8) {
        let rowBytes = image.width * 3
        image.samples.withUnsafeBufferPointer { samples in
            for row in 0..<encodedSize.height {
                let sourceRow = samples.baseAddress! + min(row, image.height - 1) * rowBytes
                let destination = staging.bytes + row * staging.stride
                destination.update(from: sourceRow, count: rowBytes)
                if encodedSize.width > image.width {
                    (destination + rowBytes).update(from: sourceRow + rowBytes - 3, count: 3)
                }
            }
        }
    }

    private func send(_ frame: UnsafeMutablePointer<AVFrame>?) throws {
        let status = avcodec_send_frame(encoder.context, frame)
        guard status >= 0 else {
            throw MediaIOError(.writeFailed, path: url.path, frameIndex: Int(framesWritten) - 1, "the encoder rejected the frame (\(ffmpegErrorText(status)))")
        }
        while true {
            let received = avcodec_receive_packet(encoder.context, packet.packet)
            if received == cffmpeg_averror_eagain() || received == cffmpeg_averror_eof() { return }
            guard received >= 0 else {
                throw MediaIOError(.writeFailed, path: url.path, "encoding failed (\(ffmpegErrorText(received)))")
            }
            av_packet_rescale_ts(packet.packet, encoder.context.pointee.time_base, stream.pointee.time_base)
            packet.packet.pointee.stream_index = stream.pointee.index
            let written = av_interleaved_write_frame(output.context, packet.packet)
            guard written >= 0 else {
                throw MediaIOError(.writeFailed, path: url.path, "cannot write to the file (\(ffmpegErrorText(written))); disk full?")
            }
        }
    }
}
