import CFFmpeg

/// Resampling of packed RGB8 images with swscale (bicubic, as FFmpeg's scale filter).
public enum ImageScaling {
    /// Resizes an RGB8 image to `size` with swscale's bicubic filter.
    public static func resize(_ image: Image8, to size: PixelSize) throws -> Image8 {
        precondition(image.channels == 3, "ImageScaling.resize expects RGB8")
        if image.width == size.width && image.height == size.height { return image }
        guard size.width > 0, size.height > 0, image.width > 0, image.height > 0 else {
            throw MediaIOError(.invalidArgument, path: "<image>", "cannot resize \(image.width)×\(image.height) to \(size)")
        }
        let scaler = try FFmpegScaler(
            sourceWidth: Int32(image.width), sourceHeight: Int32(image.height), sourceFormat: AV_PIX_FMT_RGB24,
            destinationWidth: Int32(size.width), destinationHeight: Int32(size.height),
            destinationFormat: AV_PIX_FMT_RGB24, path: "<image>")
        return resize(image, with: scaler, scratch: AlignedPixelBuffer(rowBytes: size.width * 3, height: size.height))
    }

    static func resize(_ image: Image8, with scaler: FFmpegScaler, scratch: AlignedPixelBuffer) -> Image8 {
        let source = AlignedPixelBuffer(rowBytes: image.width * 3, height: image.height)
        image.samples.withUnsafeBufferPointer { samples in
            for row in 0..<image.height {
                (source.bytes + row * source.stride).update(from: samples.baseAddress! + row * image.width * 3, count: image.width * 3)
            }
        }
        scaler.scale(
            sourcePlanes: [UnsafePointer(source.bytes), nil, nil, nil], sourceStrides: [Int32(source.stride), 0, 0, 0],
            destinationPlanes: [scratch.bytes, nil, nil, nil], destinationStrides: [Int32(scratch.stride), 0, 0, 0])
        return VideoReader.copyRows(from: scratch, width: Int(scaler.destinationWidth), height: Int(scaler.destinationHeight))
    }
}
