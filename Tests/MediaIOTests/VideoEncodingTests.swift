import Foundation
import Testing
@testable import MediaIO

@Suite struct VideoEncodingTests {
    private func encode(_ images: [Image8], to url: URL, options: VideoEncodeOptions) throws -> VideoWriter {
        let writer = try VideoWriter(url: url, frameSize: PixelSize(width: images[0].width, height: images[0].height), options: options)
        for image in images { try writer.append(image) }
        try writer.finish()
        return writer
    }

    @Test func h264RoundTripAtDefaultQualityExceeds40dB() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("out.mp4")
        let images = (0..<8).map { syntheticImage(width: 128, height: 96, seed: $0) }
        let writer = try encode(images, to: url, options: VideoEncodeOptions())
        #expect(writer.encoderName == "libx264")
        let decoded = try decodeAll(url, options: VideoDecodeOptions(colourConversion: .accurate))
        #expect(decoded.count == images.count)
        for (original, frame) in zip(images, decoded) {
            #expect(psnr(original, frame.image) >= 40)
        }
        let reader = try VideoReader(url: url)
        #expect(reader.info.codecName == "h264")
        #expect(reader.info.frameRate == Rational(25, 1))
    }

    @Test func ffv1RoundTripIsExact() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("lossless.mkv")
        var images = (0..<5).map { syntheticImage(width: 37, height: 23, seed: $0) }
        images[2].samples = images[2].samples.enumerated().map { UInt8(truncatingIfNeeded: $0.offset &* 7919) }
        _ = try encode(images, to: url, options: VideoEncodeOptions(codec: .ffv1))
        #expect(try decodeAll(url).map(\.image) == images)
    }

    @Test func oddFrameSizeIsPaddedByEdgeReplication() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("odd.mp4")
        let images = (0..<3).map { syntheticImage(width: 61, height: 45, seed: $0) }
        let writer = try encode(images, to: url, options: VideoEncodeOptions(rateControl: .constantQuality(10)))
        #expect(writer.encodedSize == PixelSize(width: 62, height: 46))
        let decoded = try decodeAll(url, options: VideoDecodeOptions(crop: PixelRect(x: 0, y: 0, width: 61, height: 45),
                                                                     colourConversion: .accurate))
        for (original, frame) in zip(images, decoded) {
            #expect(psnr(original, frame.image) >= 40)
        }
    }

    @Test func mpeg4EncoderWritesADecodableAVI() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("out.avi")
        let images = (0..<4).map { syntheticImage(width: 64, height: 48, seed: $0) }
        let writer = try encode(images, to: url, options: VideoEncodeOptions(codec: .mpeg4, rateControl: .constantQuality(12)))
        #expect(writer.encoderName == "mpeg4")
        let decoded = try decodeAll(url)
        #expect(decoded.count == 4)
        #expect(psnr(images[0], decoded[0].image) >= 30)
    }

    @Test func wrongFrameSizeIsRejectedWithTheFrameIndex() throws {
        let directory = try TemporaryDirectory()
        let writer = try VideoWriter(url: directory.file("x.mp4"), frameSize: PixelSize(width: 32, height: 32))
        try writer.append(syntheticImage(width: 32, height: 32))
        #expect(throws: MediaIOError.self) { try writer.append(syntheticImage(width: 30, height: 32)) }
    }
}

@Suite struct SmallFrameTests {
    // Tiny frames hit swscale's SIMD tails; chroma subsampling limits the PSNR of 8-pixel-wide content.
    @Test(arguments: [(20, 10), (16, 16), (8, 6)])
    func framesSmallerThanAMacroblockRoundTrip(width: Int, height: Int) throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("small.mp4")
        let images = (0..<4).map { syntheticImage(width: width, height: height, seed: $0) }
        let writer = try VideoWriter(url: url, frameSize: PixelSize(width: width, height: height))
        for image in images { try writer.append(image) }
        try writer.finish()
        let decoded = try decodeAll(url)
        #expect(decoded.map { MD5.hex($0.image.samples) } == (try ffmpegFrameMD5s(url)))
        #expect(decoded.count == 4)
        for (original, frame) in zip(images, decoded) {
            #expect(psnr(original, frame.image) > 20)
        }
    }
}
