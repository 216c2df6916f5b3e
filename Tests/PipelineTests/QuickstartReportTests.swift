import AvatarFlow
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
}
