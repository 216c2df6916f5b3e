import Foundation
import Testing

@testable import FaceAnalysis

@Suite struct HaarCascadeReaderTests {
    static let defaultCascade = URL(fileURLWithPath: HaarCascade.defaultFrontalFacePath)

    static func cascadeBytes() throws -> [UInt8] { [UInt8](try Data(contentsOf: defaultCascade)) }

    @Test func readsDebianFrontalFaceCascadeStructure() throws {
        let cascade = try HaarCascade(contentsOf: Self.defaultCascade)
        #expect(cascade.windowWidth == 24 && cascade.windowHeight == 24)
        #expect(cascade.stages.count == 25)
        #expect(cascade.trees.count == 2913)
        #expect(cascade.nodes.count == 2913)
        #expect(cascade.leaves.count == 2 * 2913)
        #expect(cascade.stages[0].treeCount == 9)
        #expect(cascade.stages[0].threshold == Float(-5.0425500869750977) - 1e-5)
        #expect(cascade.nodes[0].threshold == Float(-3.1511999666690826e-02))
        #expect(cascade.leaves[0] == Float(2.0875380039215088) && cascade.leaves[1] == Float(-2.2172100543975830))
        #expect(
            cascade.features[0].rectangles == [
                .init(x: 6, y: 4, width: 12, height: 9, weight: -1), .init(x: 6, y: 7, width: 12, height: 3, weight: 3),
            ])
    }

    @Test func readsTreeCascadeWithInternalNodes() throws {
        let cascade = try HaarCascade(contentsOf: URL(fileURLWithPath: "/usr/share/opencv4/haarcascades/haarcascade_frontalface_alt2.xml"))
        #expect(cascade.windowWidth == 20)
        #expect(cascade.trees.allSatisfy { $0.nodeCount == 2 })
        #expect(cascade.leaves.count == 3 * cascade.trees.count)
    }

    @Test func truncatedFileGivesTypedErrorNamingFileAndLine() throws {
        let bytes = try Self.cascadeBytes()
        let file = try TemporaryFile(Array(bytes.prefix(bytes.count / 2)), suffix: ".xml")
        let error = #expect(throws: HaarCascadeError.self) { try HaarCascade(contentsOf: file.url) }
        #expect(error?.file == file.url.path)
        #expect(error?.line != nil)
        #expect(error?.description.contains("truncated") == true)
    }

    @Test func outOfRangeFeatureIndexIsReported() throws {
        var text = String(decoding: try Self.cascadeBytes(), as: UTF8.self)
        let range = try #require(text.range(of: "0 -1 0 -3.1511999666690826e-02"))
        text.replaceSubrange(range, with: "0 -1 99999 -3.1511999666690826e-02")
        let error = #expect(throws: HaarCascadeError.self) { try HaarCascade(xml: Array(text.utf8), source: "edited.xml") }
        #expect(error?.message.contains("feature index 99999") == true)
        #expect(error?.line != nil)
    }

    @Test func nonNumericThresholdIsReported() throws {
        var text = String(decoding: try Self.cascadeBytes(), as: UTF8.self)
        let range = try #require(text.range(of: "-5.0425500869750977e+00"))
        text.replaceSubrange(range, with: "minus-five")
        let error = #expect(throws: HaarCascadeError.self) { try HaarCascade(xml: Array(text.utf8), source: "edited.xml") }
        #expect(error?.message.contains("minus-five") == true)
    }

    @Test func readsTiltedFeatures() throws {
        let cascade = try HaarCascade(contentsOf: URL(fileURLWithPath: "/usr/share/opencv4/haarcascades/haarcascade_smile.xml"))
        #expect(cascade.hasTiltedFeatures)
        #expect(cascade.features.filter(\.tilted).count == 117)
    }

    @Test func lbpCascadeIsRejectedWithReason() throws {
        let url = URL(fileURLWithPath: "/usr/share/opencv4/lbpcascades/lbpcascade_frontalface.xml")
        let error = #expect(throws: HaarCascadeError.self) { try HaarCascade(contentsOf: url) }
        #expect(error?.message.contains("LBP") == true)
    }

    @Test func missingFileGivesTypedError() {
        let error = #expect(throws: HaarCascadeError.self) { try HaarCascade(contentsOf: URL(fileURLWithPath: "/nonexistent/cascade.xml")) }
        #expect(error?.description.contains("/nonexistent/cascade.xml") == true)
    }

    @Test func nonCascadeXMLIsRejected() {
        let xml = Array("<?xml version=\"1.0\"?><opencv_storage><matrix>1 2 3</matrix></opencv_storage>".utf8)
        #expect(throws: HaarCascadeError.self) { try HaarCascade(xml: xml) }
    }
}

@Suite struct XMLDocumentParserTests {
    @Test func parsesElementsAttributesTextAndEntities() throws {
        let xml = """
            <?xml version="1.0"?>
            <!-- a comment -->
            <root kind='a&amp;b'>
              <_>1 2</_><empty/>
              <value>&lt;x&gt; &#65;&#x42;</value>
            </root>
            """
        let root = try XMLDocumentParser.parse(Array(xml.utf8))
        #expect(root.name == "root")
        #expect(root.attributes.first?.value == "a&b")
        #expect(root.children.map(\.name) == ["_", "empty", "value"])
        #expect(root.child("_")?.text == "1 2")
        #expect(root.child("value")?.text == "<x> AB")
        #expect(root.child("value")?.line == 5)
    }

    @Test func mismatchedClosingTagReportsLine() {
        let error = #expect(throws: XMLSyntaxError.self) { try XMLDocumentParser.parse(Array("<a>\n<b>\n</a>".utf8)) }
        #expect(error?.line == 3)
        #expect(error?.message.contains("</a>") == true)
    }

    @Test func emptyDocumentIsAnError() {
        #expect(throws: XMLSyntaxError.self) { try XMLDocumentParser.parse(Array("  <!-- only a comment -->".utf8)) }
    }
}
