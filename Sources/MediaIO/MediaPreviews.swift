import CFFmpeg
import Foundation

/// Small pictures of media, as PNG bytes: evenly spaced frames of a video and thumbnails of
/// pictures (what run reports embed), plus the FFmpeg versions in use.
public enum MediaPreviews {
    /// Up to `count` frames of the video at `url`, evenly spaced from the first frame, scaled to at
    /// most `maxWidth` pixels wide (aspect kept, even sizes), as PNG bytes.
    public static func videoFrames(of url: URL, count: Int, maxWidth: Int) throws -> [Data] {
        guard count > 0 else { return [] }
        let info = try VideoReader(url: url).info
        // The container's count when it declares one (as Capture.open does); packets are counted only otherwise.
        let total = try info.declaredFrameCount ?? VideoReader.countFrames(url: url)
        guard total > 0 else { throw MediaIOError(.noFrames, path: url.path, "the video has no frames") }
        let step = max(1, total / count)
        let options = VideoDecodeOptions(
            frameRange: 0..<min(total, step * count), sampling: .everyNth(step), outputSize: fitted(info.width, info.height, maxWidth))
        var frames: [Data] = []
        try VideoReader(url: url, options: options).forEachFrame { frame in
            if frames.count < count { frames.append(try PNGFile.encode(frame.image)) }
        }
        return frames
    }

    /// The PNG at `url`, scaled (bicubic) to at most `maxWidth` pixels wide, alpha composited over
    /// white, as PNG bytes.
    public static func thumbnail(ofPNG url: URL, maxWidth: Int) throws -> Data {
        let image = try PNGFile.read8(url)
        let rgb = FrameSetConversion.opaqueRGB(image.withChannels(4, opaque: 255), background: 255)
        guard let size = fitted(rgb.width, rgb.height, maxWidth) else { return try PNGFile.encode(rgb) }
        return try PNGFile.encode(try ImageScaling.resize(rgb, to: size))
    }

    /// The size to scale `width`×`height` to so it is at most `maxWidth` wide (even dimensions,
    /// as video encoders want); nil when it already fits.
    static func fitted(_ width: Int, _ height: Int, _ maxWidth: Int) -> PixelSize? {
        guard width > maxWidth, maxWidth >= 2 else { return nil }
        let scaledHeight = max(2, Int((Double(height) * Double(maxWidth) / Double(width)).rounded()) / 2 * 2)
        return PixelSize(width: maxWidth / 2 * 2, height: scaledHeight)
    }

    /// The FFmpeg libraries in use, e.g. "FFmpeg 5.1.6 (libavcodec 59.37.100, libavformat 59.27.100, libswscale 6.7.100)".
    public static var ffmpegVersions: String {
        func version(_ packed: UInt32) -> String { "\(packed >> 16).\((packed >> 8) & 0xFF).\(packed & 0xFF)" }
        return "FFmpeg \(String(cString: av_version_info())) (libavcodec \(version(avcodec_version())), "
            + "libavformat \(version(avformat_version())), libswscale \(version(swscale_version())))"
    }
}
