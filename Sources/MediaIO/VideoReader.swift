import CFFmpeg
import Foundation

/// Streams decoded frames out of any video or image file the installed FFmpeg reads (MP4/H.264,
/// MKV/VP9, AVI/MPEG-4, MOV, FFV1, PNG/JPEG images and `%06d.png` image sequences) as RGB8,
/// one frame at a time: memory use does not grow with the video's length.
///
/// Colour conversion uses swscale with SWS_BICUBIC and the frame's declared matrix and range, so
/// frames at native size are bit-identical to `ffmpeg -i file -f framemd5 -pix_fmt rgb24`.
///
/// Damaged input: frames that decode are returned; the first unreadable or concealed frame, a
/// demuxer error or a stream that ends before its declared frame count or duration raises
/// `MediaIOError(.corruptData)` with the index of the first frame that could not be returned.
/// A stream without a single frame raises `.noFrames`.
///
/// Not Sendable: use one reader per thread.
public final class VideoReader {
    /// What the file declares.
    public let info: VideoInfo
    /// The options this reader applies.
    public let options: VideoDecodeOptions
    /// Size of the frames this reader returns.
    public let outputSize: PixelSize

    private let input: FFmpegInputFile
    private let decoder: FFmpegCodecContext
    private let packet = FFmpegPacket()
    private let frame = FFmpegFrame()
    private let streamIndex: Int32
    private var converter: FFmpegScaler?
    private var resizer: FFmpegScaler?
    private var scratch: AlignedPixelBuffer?
    private var resizeScratch: AlignedPixelBuffer?

    private var decodedFrameCount = 0
    private var packetsRead = 0
    private var draining = false
    private var finished = false
    private var deferredError: String?
    private var selector: FrameSelector
    private var streamStartSeconds: Double?
    private var lastDecodedSeconds: Double?

    /// Opens `url` (a file, or an image-sequence pattern such as `frames/%06d.png`) and prepares its
    /// best video stream for decoding.
    public init(url: URL, options: VideoDecodeOptions = VideoDecodeOptions()) throws {
        let path = url.path
        input = try FFmpegInputFile(path: path)
        let best = av_find_best_stream(input.context, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
        guard best >= 0, let stream = input.context.pointee.streams[Int(best)] else {
            throw MediaIOError(.noFrames, path: path, "the file has no video stream; pass a video or image file")
        }
        streamIndex = best
        let parameters = stream.pointee.codecpar!
        guard let codec = avcodec_find_decoder(parameters.pointee.codec_id) else {
            let name = String(cString: avcodec_get_name(parameters.pointee.codec_id))
            throw MediaIOError(
                .unsupportedFormat, path: path,
                "the installed FFmpeg has no decoder for codec '\(name)'; transcode the file, e.g. `ffmpeg -i in -c:v libx264 -crf 16 out.mp4`")
        }
        decoder = try FFmpegCodecContext(codec: codec, path: path)
        let context = decoder.context
        guard avcodec_parameters_to_context(context, parameters) >= 0 else {
            throw MediaIOError(.corruptData, path: path, "the video stream's codec parameters are invalid")
        }
        context.pointee.thread_count = Int32(options.threadCount)
        context.pointee.thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE
        context.pointee.pkt_timebase = stream.pointee.time_base
        let openStatus = avcodec_open2(context, codec, nil)
        guard openStatus >= 0 else {
            throw MediaIOError(
                .unsupportedFormat, path: path, "cannot open the \(String(cString: codec.pointee.name)) decoder (\(ffmpegErrorText(openStatus)))")
        }
        let codedWidth = Int(parameters.pointee.width), codedHeight = Int(parameters.pointee.height)
        guard codedWidth > 0, codedHeight > 0 else {
            throw MediaIOError(.noFrames, path: path, "the video stream declares no picture size; the file is empty or damaged")
        }

        var rotation = 0
        if options.applyRotation {
            // As the ffmpeg CLI: theta = -round(display-matrix angle) is the clockwise rotation,
            // normalised to [0, 360); only angles within 1° of a right angle are applied.
            let theta = -cffmpeg_stream_rotation_degrees(stream).rounded()
            let normalised = theta - 360 * (theta / 360 + 0.9 / 360).rounded(.down)
            rotation = [90, 180, 270].first { abs(Double($0) - normalised) < 1 } ?? 0
        }
        let timeBase = Rational(Int(stream.pointee.time_base.num), Int(stream.pointee.time_base.den))
        let rate = stream.pointee.avg_frame_rate.num > 0 ? stream.pointee.avg_frame_rate : stream.pointee.r_frame_rate
        var duration: Double?
        if stream.pointee.duration != cffmpeg_nopts_value() && stream.pointee.duration > 0 {
            duration = Double(stream.pointee.duration) * timeBase.doubleValue
        } else if let tag = av_dict_get(stream.pointee.metadata, "DURATION", nil, 0) {
            duration = Self.parseClockDuration(String(cString: tag.pointee.value))
        } else if input.context.pointee.nb_streams == 1 && input.context.pointee.duration > 0 {
            duration = Double(input.context.pointee.duration) / Double(AV_TIME_BASE)
        }
        if stream.pointee.start_time != cffmpeg_nopts_value() {
            streamStartSeconds = Double(stream.pointee.start_time) * timeBase.doubleValue
        }
        info = VideoInfo(
            path: path,
            containerName: String(cString: input.context.pointee.iformat.pointee.name),
            codecName: String(cString: codec.pointee.name),
            codedWidth: codedWidth, codedHeight: codedHeight, rotationDegrees: rotation,
            frameRate: rate.num > 0 && rate.den > 0 ? Rational(Int(rate.num), Int(rate.den)) : nil,
            timeBase: timeBase,
            declaredFrameCount: stream.pointee.nb_frames > 0 ? Int(stream.pointee.nb_frames) : nil,
            durationSeconds: duration)
        self.options = options
        selector = FrameSelector(range: options.frameRange, sampling: options.sampling)
        try ImageLimits.current.check(width: Int(codedWidth), height: Int(codedHeight), path: path)
        outputSize = try Self.validate(options: options, info: info)
    }

    private static func validate(options: VideoDecodeOptions, info: VideoInfo) throws -> PixelSize {
        var size = PixelSize(width: info.width, height: info.height)
        if let crop = options.crop {
            guard crop.width > 0, crop.height > 0, crop.x >= 0, crop.y >= 0,
                crop.x + crop.width <= info.width, crop.y + crop.height <= info.height
            else {
                throw MediaIOError(
                    .invalidArgument, path: info.path,
                    "crop \(crop.width)×\(crop.height) at (\(crop.x), \(crop.y)) does not fit inside the \(info.width)×\(info.height) picture")
            }
            size = PixelSize(width: crop.width, height: crop.height)
        }
        if let output = options.outputSize {
            guard output.width > 0, output.height > 0 else {
                throw MediaIOError(.invalidArgument, path: info.path, "output size \(output) must be positive")
            }
            size = output
        }
        try FrameSelector.validate(range: options.frameRange, sampling: options.sampling, path: info.path)
        return size
    }

    /// The next selected frame, or nil after the last one.
    public func nextFrame() throws -> VideoFrame? {
        while !finished {
            guard try decodeNextFrame() else { return nil }
            let index = decodedFrameCount - 1
            let timestamp =
                frame.frame.pointee.best_effort_timestamp != cffmpeg_nopts_value()
                ? frame.frame.pointee.best_effort_timestamp : frame.frame.pointee.pts
            switch selector.decide(index: index, seconds: Double(timestamp) * info.timeBase.doubleValue) {
            case .stop:
                finished = true
                return nil
            case .skip:
                continue
            case .take:
                break
            }
            return VideoFrame(
                sourceIndex: index, presentationTimestamp: timestamp,
                timeBase: info.timeBase, image: try convertCurrentFrame())
        }
        return nil
    }

    /// Calls `body` for each remaining selected frame, in order.
    public func forEachFrame(_ body: (VideoFrame) throws -> Void) throws {
        while let next = try nextFrame() { try body(next) }
    }

    /// Counts the video packets (one per frame for every codec FFmpeg writes) by demuxing the whole
    /// file without decoding: fast, for validating frame counts across cameras.
    public static func countFrames(url: URL) throws -> Int {
        let input = try FFmpegInputFile(path: url.path)
        let best = av_find_best_stream(input.context, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
        guard best >= 0 else {
            throw MediaIOError(.noFrames, path: url.path, "the file has no video stream; pass a video or image file")
        }
        let packet = FFmpegPacket()
        var count = 0
        while true {
            let status = av_read_frame(input.context, packet.packet)
            if status == cffmpeg_averror_eof() { break }
            if status < 0 {
                throw MediaIOError(
                    .corruptData, path: url.path, frameIndex: count, "demuxing failed (\(ffmpegErrorText(status))); the file is truncated or damaged")
            }
            if packet.packet.pointee.stream_index == best { count += 1 }
            av_packet_unref(packet.packet)
        }
        return count
    }

    /// Decodes the next frame into `frame`; false at the end of the stream.
    private func decodeNextFrame() throws -> Bool {
        let context = decoder.context
        while true {
            let received = avcodec_receive_frame(context, frame.frame)
            if received == 0 {
                if cffmpeg_frame_is_corrupt(frame.frame) != 0 {
                    finished = true
                    throw MediaIOError(
                        .corruptData, path: info.path, frameIndex: decodedFrameCount,
                        "the decoder could only conceal damaged data here; frames before this one are intact, re-encode or re-copy the file")
                }
                decodedFrameCount += 1
                let timestamp = frame.frame.pointee.best_effort_timestamp
                if timestamp != cffmpeg_nopts_value() {
                    let seconds = Double(timestamp) * info.timeBase.doubleValue
                    if streamStartSeconds == nil { streamStartSeconds = seconds }
                    lastDecodedSeconds = max(lastDecodedSeconds ?? seconds, seconds)
                }
                return true
            }
            if received == cffmpeg_averror_eof() {
                finished = true
                try checkCompleteness()
                return false
            }
            if received != cffmpeg_averror_eagain() || draining {
                finished = true
                throw MediaIOError(
                    .corruptData, path: info.path, frameIndex: decodedFrameCount,
                    "decoding failed (\(ffmpegErrorText(received))); the file is damaged from here on")
            }
            try feedDecoder()
        }
    }

    /// Sends the next video packet (or the end-of-stream flush) to the decoder.
    private func feedDecoder() throws {
        let context = decoder.context
        if draining { return }
        while true {
            let status = av_read_frame(input.context, packet.packet)
            if status < 0 {
                if status != cffmpeg_averror_eof() {
                    deferredError = "reading the file failed (\(ffmpegErrorText(status)))"
                }
                draining = true
                _ = avcodec_send_packet(context, nil)
                return
            }
            defer { av_packet_unref(packet.packet) }
            guard packet.packet.pointee.stream_index == streamIndex else { continue }
            packetsRead += 1
            let sent = avcodec_send_packet(context, packet.packet)
            if sent < 0 && sent != cffmpeg_averror_eagain() {
                deferredError = "the decoder rejected packet \(packetsRead - 1) (\(ffmpegErrorText(sent)))"
                draining = true
                _ = avcodec_send_packet(context, nil)
            }
            return
        }
    }

    /// At the end of the stream: report deferred read errors, truncation and empty streams.
    private func checkCompleteness() throws {
        if let deferredError {
            throw MediaIOError(
                .corruptData, path: info.path, frameIndex: decodedFrameCount,
                "\(deferredError); frames before this one are intact, the file is truncated or damaged")
        }
        if let declared = info.declaredFrameCount, packetsRead < declared {
            throw MediaIOError(
                .corruptData, path: info.path, frameIndex: decodedFrameCount,
                "the file ends after \(packetsRead) of its \(declared) declared frames; it is truncated, copy it again")
        }
        if decodedFrameCount == 0 {
            throw MediaIOError(.noFrames, path: info.path, "the video stream contains no frames; record or export the video again")
        }
        // Containers without a frame count (MKV, WebM) still declare a duration: a stream that stops
        // well short of it was cut off (the Matroska demuxer only logs "File ended prematurely").
        if let duration = info.durationSeconds, let rate = info.frameRate?.doubleValue, rate > 0,
            let start = streamStartSeconds, let last = lastDecodedSeconds
        {
            let covered = last - start + 1 / rate
            if covered < duration - max(2 / rate, 0.05 * duration) {
                throw MediaIOError(
                    .corruptData, path: info.path, frameIndex: decodedFrameCount,
                    String(format: "the video stops at %.3f s but the file declares %.3f s; it is truncated, copy it again", covered, duration))
            }
        }
    }

    /// Seconds in an `HH:MM:SS.fraction` string (Matroska's per-stream DURATION tag).
    static func parseClockDuration(_ text: String) -> Double? {
        let parts = text.split(separator: ":")
        guard parts.count == 3, let hours = Double(parts[0]), let minutes = Double(parts[1]), let seconds = Double(parts[2]) else {
            return nil
        }
        return hours * 3600 + minutes * 60 + seconds
    }

    /// Converts the decoded picture in `frame` to packed RGB8 with rotation, crop and resize applied.
    private func convertCurrentFrame() throws -> Image8 {
        let decoded = frame.frame
        let width = decoded.pointee.width, height = decoded.pointee.height
        let format = AVPixelFormat(decoded.pointee.format)
        let direct = info.rotationDegrees == 0 && options.crop == nil
        // Pictures that change size mid-stream are scaled back to the declared size (as the ffmpeg
        // CLI does), so crop rectangles validated against `info` always fit.
        let target = direct ? outputSize : PixelSize(width: info.codedWidth, height: info.codedHeight)
        if converter?.matches(
            sourceWidth: width, sourceHeight: height, sourceFormat: format,
            destinationWidth: Int32(target.width), destinationHeight: Int32(target.height)) != true
        {
            converter = try FFmpegScaler(
                sourceWidth: width, sourceHeight: height, sourceFormat: format,
                destinationWidth: Int32(target.width), destinationHeight: Int32(target.height),
                destinationFormat: AV_PIX_FMT_RGB24, path: info.path,
                flags: options.colourConversion == .accurate
                    ? SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT : SWS_BICUBIC)
            scratch = AlignedPixelBuffer(rowBytes: target.width * 3, height: target.height)
        }
        let scaler = converter!, buffer = scratch!
        scaler.applyColorimetry(of: decoded)
        scaler.scale(
            sourcePlanes: frame.planes, sourceStrides: frame.strides,
            destinationPlanes: [buffer.bytes, nil, nil, nil], destinationStrides: [Int32(buffer.stride), 0, 0, 0])
        var image = Self.copyRows(from: buffer, width: target.width, height: target.height)
        if direct { return image }
        image = PixelTransforms.rotateClockwise(image, degrees: info.rotationDegrees)
        if let crop = options.crop { image = PixelTransforms.crop(image, to: crop) }
        if image.width == outputSize.width && image.height == outputSize.height { return image }
        return try resize(image)
    }

    private func resize(_ image: Image8) throws -> Image8 {
        if resizer?.matches(
            sourceWidth: Int32(image.width), sourceHeight: Int32(image.height), sourceFormat: AV_PIX_FMT_RGB24,
            destinationWidth: Int32(outputSize.width), destinationHeight: Int32(outputSize.height)) != true
        {
            resizer = try FFmpegScaler(
                sourceWidth: Int32(image.width), sourceHeight: Int32(image.height), sourceFormat: AV_PIX_FMT_RGB24,
                destinationWidth: Int32(outputSize.width), destinationHeight: Int32(outputSize.height),
                destinationFormat: AV_PIX_FMT_RGB24, path: info.path)
            resizeScratch = AlignedPixelBuffer(rowBytes: outputSize.width * 3, height: outputSize.height)
        }
        return ImageScaling.resize(image, with: resizer!, scratch: resizeScratch!)
    }

    static func copyRows(from buffer: AlignedPixelBuffer, width: Int, height: Int, channels: Int = 3) -> Image8 {
        let rowBytes = width * channels
        let samples = [UInt8](unsafeUninitializedCapacity: rowBytes * height) { destination, count in
            for row in 0..<height {
                (destination.baseAddress! + row * rowBytes).update(from: buffer.bytes + row * buffer.stride, count: rowBytes)
            }
            count = rowBytes * height
        }
        return Image8(width: width, height: height, channels: channels, samples: samples)
    }
}
