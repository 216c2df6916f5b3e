import Foundation
import Testing

@testable import MediaIO

@Suite struct PNGAndImageTests {
    private func pattern8(width: Int, height: Int, channels: Int) -> Image8 {
        Image8(
            width: width, height: height, channels: channels,
            samples: (0..<(width * height * channels)).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ $0 / 7) })
    }

    @Test(arguments: [1, 2, 3, 4])
    func eightBitPNGRoundTripIsExact(channels: Int) throws {
        let directory = try TemporaryDirectory()
        let image = pattern8(width: 13, height: 7, channels: channels)
        try PNGFile.write(image, to: directory.file("a.png"))
        #expect(try PNGFile.read(directory.file("a.png")) == .eightBit(image))
    }

    @Test(arguments: [1, 2, 3, 4])
    func sixteenBitPNGRoundTripIsExact(channels: Int) throws {
        let directory = try TemporaryDirectory()
        let image = Image16(
            width: 11, height: 5, channels: channels,
            samples: (0..<(11 * 5 * channels)).map { UInt16(truncatingIfNeeded: $0 &* 4099 &+ 17) })
        try PNGFile.write(image, to: directory.file("a.png"), compressionLevel: 1)
        #expect(try PNGFile.read(directory.file("a.png")) == .sixteenBit(image))
    }

    @Test func pngWrittenByFFmpegDecodesToTheSameBytesAsFFmpeg() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("src.png")
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=40x30", "-frames:v", "1", "-pix_fmt", "rgb24", url.path])
        let expected = try ffmpegFrameMD5s(url)
        #expect([MD5.hex(try PNGFile.read8(url).samples)] == expected)
    }

    @Test func palettePNGIsExpandedToRGB() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("pal.png")
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=24x16", "-frames:v", "1", "-pix_fmt", "pal8", url.path])
        let image = try PNGFile.read8(url)
        #expect(image.channels == 4 || image.channels == 3)
        #expect(image.width == 24 && image.height == 16)
    }

    @Test func floatConversionRoundTripsEightBitExactly() {
        let image = pattern8(width: 16, height: 16, channels: 3)
        let floats = FloatImage(image)
        #expect(floats.samples.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(floats[1, 0, 0] == Float(image[1, 0, 0]) / 255)
        #expect(Image8(rounding: floats) == image)
    }

    @Test func floatToEightBitClampsOutOfRangeValues() {
        let floats = FloatImage(width: 2, height: 1, channels: 1, samples: [-0.5, 1.7])
        #expect(Image8(rounding: floats).samples == [0, 255])
    }

    @Test func sixteenBitWideningIsExactlyInvertible() {
        let image = pattern8(width: 5, height: 3, channels: 4)
        let wide = Image16(image)
        #expect(wide.samples.contains(65535) || !image.samples.contains(255))
        #expect(Image8(rounding: wide) == image)
    }

    @Test func channelConversionAddsOpaqueAlphaAndAveragesGrey() {
        let rgb = Image8(width: 1, height: 1, channels: 3, samples: [10, 20, 33])
        #expect(rgb.withChannels(4, opaque: 255).samples == [10, 20, 33, 255])
        #expect(rgb.withChannels(1, opaque: 255).samples == [21])
        #expect(Image8(width: 1, height: 1, channels: 2, samples: [7, 9]).withChannels(3, opaque: 255).samples == [7, 7, 7])
    }

    @Test func resizeMatchesFFmpegScaleOfRGB() throws {
        let directory = try TemporaryDirectory()
        let image = syntheticImage(width: 40, height: 30)
        try PNGFile.write(image, to: directory.file("in.png"))
        let expected = try run(
            "ffmpeg",
            [
                "-hide_banner", "-loglevel", "error", "-i", directory.file("in.png").path,
                "-vf", "scale=17:23", "-f", "framemd5", "-pix_fmt", "rgb24", "-",
            ]
        )
        .split(separator: "\n").filter { !$0.hasPrefix("#") }
        .map { String($0.split(separator: ",").last!.trimmingCharacters(in: .whitespaces)) }
        let resized = try ImageScaling.resize(image, to: PixelSize(width: 17, height: 23))
        #expect([MD5.hex(resized.samples)] == expected)
    }
}
