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

    @Test func fullChromaH264KeepsSaturatedColourEdges() throws {
        let directory = try TemporaryDirectory()
        let raw = directory.file("bars.rgb")
        try ffmpeg(["-f", "lavfi", "-i", "testsrc=size=160x120", "-frames:v", "3", "-f", "rawvideo", "-pix_fmt", "rgb24", raw.path])
        let bytes = try [UInt8](Data(contentsOf: raw))
        let images = (0..<3).map { Image8(width: 160, height: 120, channels: 3, samples: Array(bytes[($0 * 57600)..<(($0 + 1) * 57600)])) }
        var quality: [VideoEncodeOptions.Chroma: Double] = [:]
        for chroma in [VideoEncodeOptions.Chroma.subsampled, .full] {
            let url = directory.file("\(chroma.rawValue).mp4")
            _ = try encode(images, to: url, options: VideoEncodeOptions(chroma: chroma))
            let decoded = try decodeAll(url)
            quality[chroma] = zip(images, decoded).map { psnr($0, $1.image) }.min()
        }
        // The ffmpeg CLI gives 27.4 dB (yuv420p) and 38.8 dB (yuv444p) on these 160×120 frames at CRF 18.
        #expect(quality[.full]! >= 37)
        #expect(quality[.full]! > quality[.subsampled]! + 8)
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
        let decoded = try decodeAll(
            url,
            options: VideoDecodeOptions(
                crop: PixelRect(x: 0, y: 0, width: 61, height: 45),
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

    @Test func bitrateRateControlScalesTheFileSize() throws {
        let directory = try TemporaryDirectory()
        let images = (0..<25).map { syntheticImage(width: 128, height: 96, seed: $0) }
        var sizes: [Int] = []
        for kilobits in [50, 800] {
            let url = directory.file("rate\(kilobits).mp4")
            _ = try encode(images, to: url, options: VideoEncodeOptions(rateControl: .bitrate(kilobits * 1000), preset: "veryfast"))
            sizes.append(try Data(contentsOf: url).count)
            #expect(try decodeAll(url).count == 25)
        }
        #expect(sizes[1] > 3 * sizes[0])
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
