import AvatarFlow
import AvatarFlowStages
import Foundation
import MediaIO
import TestSupport
import Testing

/// The HTML report of a real (tiny) quickstart run: well-formed, and every embedded picture is a
/// PNG that MediaIO decodes to the size the report states, taken from the run's outputs.
@Suite struct QuickstartReportTests {
    @Test func reportEmbedsDecodablePicturesOfTheOutputs() async throws {
        let root = uniqueTemporaryURL("quickstart-report")
        defer { try? FileManager.default.removeItem(at: root) }
        let (result, _) = try await QuickstartPipelineTests.run(in: root, overrides: ["size=64", "frames=12", "cameras=2"])
        #expect(result.succeeded, "\(result.outcomes)")
        let started = Date()
        let file = try RunReport.write(runDirectory: result.runDirectory)
        let seconds = Date().timeIntervalSince(started)
        let data = try Data(contentsOf: file)
        print("quickstart report (64², 12 frames, 2 cameras): \(data.count) bytes in \(String(format: "%.3f", seconds)) s")
        let html = try XMLNode.parse(data)

        let images = html.elements("img")
        #expect(images.count >= 4, "pictures of the matte and the masks")
        for image in images {
            let source = try #require(image.attributes["src"])
            #expect(source.hasPrefix("data:image/png;base64,"))
            let bytes = try #require(Data(base64Encoded: String(source.dropFirst("data:image/png;base64,".count))))
            let png = try TemporaryFile([UInt8](bytes), suffix: ".png")
            let decoded = try PNGFile.read8(png.url)
            #expect("\(decoded.width)" == image.attributes["width"] && "\(decoded.height)" == image.attributes["height"])
            #expect(decoded.width == 64 && decoded.height == 64)
            // The picture is a file of the output it is shown under, byte for byte.
            let alt = try #require(image.attributes["alt"])
            let original = result.runDirectory.appendingPathComponent("outputs").appendingPathComponent(alt)
            #expect(try Data(contentsOf: original) == bytes, "\(alt)")
        }
        #expect(Set(images.compactMap { $0.attributes["alt"]?.split(separator: "/").first.map(String.init) }) == ["masks", "matte"])
        let stageRows = html.elements("tr").filter { $0.elements("span").contains { $0.attributes["class"] == "status ran" } }
        #expect(stageRows.count == result.outcomes.count)
        #expect(!html.elements("svg").filter { $0.attributes["class"] == "timeline" }.isEmpty)
    }

    @Test func reportShowsEvenlySpacedFramesOfTheOutputVideo() async throws {
        let root = uniqueTemporaryURL("quickstart-report-video")
        defer { try? FileManager.default.removeItem(at: root) }
        let (result, _) = try await QuickstartPipelineTests.run(in: root, overrides: ["size=64", "frames=12", "cameras=2"])
        #expect(result.succeeded, "\(result.outcomes)")
        let context = ReportContext(registry: StageRegistry(ProductionStages.all), previews: ProductionHost.services.previews)
        let html = try XMLNode.parse(try Data(contentsOf: try RunReport.write(runDirectory: result.runDirectory, context: context)))

        let strip = try #require(html.elements("div").first { $0.attributes["data-video"] == "video/video.mp4" })
        let frames = strip.elements("img")
        #expect(frames.count == 4)
        // The 12-frame video gives frames 0, 3, 6 and 9, exactly as MediaIO decodes them (128 px wide: not scaled).
        let video = result.runDirectory.appendingPathComponent("outputs/video/video.mp4")
        var decoded: [Int: Image8] = [:]
        try VideoReader(url: video).forEachFrame { decoded[$0.sourceIndex] = $0.image }
        for (index, frame) in frames.enumerated() {
            let source = try #require(frame.attributes["src"])
            let bytes = try #require(Data(base64Encoded: String(source.dropFirst("data:image/png;base64,".count))))
            let png = try TemporaryFile([UInt8](bytes), suffix: ".png")
            let image = try PNGFile.read8(png.url)
            #expect(image.width == 128 && image.height == 64)
            #expect(image.samples == decoded[index * 3]?.samples, "frame \(index * 3)")
        }
        #expect(html.elements("table").contains { $0.attributes["class"] == "changed-parameters" })
    }

    @Test func productionRunsRecordTheOpenBLASKernelAndFFmpegVersions() {
        let components = ProductionHost.services.environmentComponents()
        #expect(components["OpenBLAS kernel"].map { !$0.isEmpty && $0 != "unknown" } == true)
        #expect(components["FFmpeg"]?.hasPrefix("FFmpeg ") == true && components["FFmpeg"]?.contains("libavcodec 5") == true)
    }

    @Test func thumbnailsAreScaledPNGsOfThePicture() throws {
        var image = Image8(width: 300, height: 100, channels: 4)
        for index in stride(from: 3, to: image.samples.count, by: 4) { image.samples[index] = 255 }
        let file = try TemporaryFile([UInt8](try PNGFile.encode(image)), suffix: ".png")
        let thumbnailFile = try TemporaryFile([UInt8](try MediaPreviews.thumbnail(ofPNG: file.url, maxWidth: 150)), suffix: ".png")
        let thumbnail = try PNGFile.read8(thumbnailFile.url)
        #expect(thumbnail.width == 150 && thumbnail.height == 50 && thumbnail.channels == 3)
        #expect(thumbnail.samples.allSatisfy { $0 == 0 }, "opaque black stays black")
    }
}
