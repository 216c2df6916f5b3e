import CFFmpeg

/// Resampling of packed 8-bit RGB or RGBA images with swscale (bicubic by default, as FFmpeg's scale filter).
public enum ImageScaling {
    /// swscale's resampling kernels offered to users (`superres.resize`'s `filter`).
    public enum Filter: String, Sendable, CaseIterable {
        /// SWS_BICUBIC: Keys' cubic with a = −0.6 (swscale's default parameters), 4×4 taps; FFmpeg's default.
        case bicubic
        /// SWS_LANCZOS: windowed sinc with a = 3, 6×6 taps.
        case lanczos
        /// SWS_BILINEAR: 2×2 taps.
        case bilinear

        /// The swscale flag.
        var flags: Int32 {
            switch self {
            case .bicubic: SWS_BICUBIC
            case .lanczos: SWS_LANCZOS
            case .bilinear: SWS_BILINEAR
            }
        }
    }

    /// Resizes an RGB8 or RGBA8 image to `size` with swscale's `filter` (alpha is resampled like the colours).
    ///
    /// With `fullChroma` false the result is bit-identical to the ffmpeg CLI's scale filter, which
    /// resamples colour differences at half horizontal resolution; true keeps them at full
    /// resolution and rounds accurately (SWS_FULL_CHR_H_INP | SWS_FULL_CHR_H_INT | SWS_ACCURATE_RND),
    /// the fair classical baseline for super-resolution.
    /// - Throws: `MediaIOError` for an empty size or image or a channel count other than 3 or 4.
    public static func resize(_ image: Image8, to size: PixelSize, filter: Filter = .bicubic, fullChroma: Bool = false) throws -> Image8 {
        guard image.channels == 3 || image.channels == 4 else {
            throw MediaIOError(
                .invalidArgument, path: "<image>", "cannot resize an image of \(image.channels) channels; only RGB (3) and RGBA (4) are supported")
        }
        if image.width == size.width && image.height == size.height { return image }
        guard size.width > 0, size.height > 0, image.width > 0, image.height > 0 else {
            throw MediaIOError(.invalidArgument, path: "<image>", "cannot resize \(image.width)×\(image.height) to \(size)")
        }
        let format = image.channels == 4 ? AV_PIX_FMT_RGBA : AV_PIX_FMT_RGB24
        let scaler = try FFmpegScaler(
            sourceWidth: Int32(image.width), sourceHeight: Int32(image.height), sourceFormat: format,
            destinationWidth: Int32(size.width), destinationHeight: Int32(size.height),
            destinationFormat: format, path: "<image>",
            flags: filter.flags | (fullChroma ? SWS_FULL_CHR_H_INP | SWS_FULL_CHR_H_INT | SWS_ACCURATE_RND : 0))
        return resize(image, with: scaler, scratch: scratch(width: size.width, height: size.height, channels: image.channels))
    }

    /// A destination buffer for `width` × `height` pixels of `channels` bytes, rows padded to 64 pixels.
    static func scratch(width: Int, height: Int, channels: Int) -> AlignedPixelBuffer {
        AlignedPixelBuffer(rowBytes: channels == 3 ? width * 3 : ((width + 63) & ~63) * channels, height: height)
    }

    static func resize(_ image: Image8, with scaler: FFmpegScaler, scratch: AlignedPixelBuffer) -> Image8 {
        let rowBytes = image.width * image.channels
        let source = Self.scratch(width: image.width, height: image.height, channels: image.channels)
        image.samples.withUnsafeBufferPointer { samples in
            for row in 0..<image.height {
                (source.bytes + row * source.stride).update(from: samples.baseAddress! + row * rowBytes, count: rowBytes)
            }
        }
        scaler.scale(
            sourcePlanes: [UnsafePointer(source.bytes), nil, nil, nil], sourceStrides: [Int32(source.stride), 0, 0, 0],
            destinationPlanes: [scratch.bytes, nil, nil, nil], destinationStrides: [Int32(scratch.stride), 0, 0, 0])
        return VideoReader.copyRows(
            from: scratch, width: Int(scaler.destinationWidth), height: Int(scaler.destinationHeight), channels: image.channels)
    }
}
