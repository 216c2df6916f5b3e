import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// An element of a parsed XML document (tests check that HTML reports are well-formed XHTML and
/// look inside them): name, attributes, children and the character data directly inside it.
public final class XMLNode {
    /// The element name (namespace prefixes kept as written).
    public let name: String
    /// The attributes.
    public let attributes: [String: String]
    /// Child elements in document order.
    public internal(set) var children: [XMLNode] = []
    /// Character data directly inside this element.
    public internal(set) var text = ""

    init(name: String, attributes: [String: String]) {
        self.name = name
        self.attributes = attributes
    }

    /// This element and every descendant, depth first.
    public var all: [XMLNode] { [self] + children.flatMap(\.all) }

    /// Descendants (and self) named `name`.
    public func elements(_ name: String) -> [XMLNode] { all.filter { $0.name == name } }

    /// The text of this element and all descendants.
    public var allText: String { text + children.map(\.allText).joined() }

    /// Parses `data` with Foundation's XMLParser (libxml2: strict well-formedness); throws with
    /// the parser's line and message when the document is not well-formed XML.
    public static func parse(_ data: Data) throws -> XMLNode {
        let parser = XMLParser(data: data)
        let builder = Builder()
        parser.delegate = builder
        guard parser.parse(), let root = builder.root else {
            throw XMLTreeError(description: "not well-formed XML at line \(parser.lineNumber): \(parser.parserError.map { "\($0)" } ?? "unknown error")")
        }
        return root
    }

    private final class Builder: NSObject, XMLParserDelegate {
        var root: XMLNode?
        var stack: [XMLNode] = []

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            let node = XMLNode(name: elementName, attributes: attributes)
            if let parent = stack.last { parent.children.append(node) } else { root = node }
            stack.append(node)
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            stack.removeLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { stack.last?.text += string }
    }
}

/// An XML document failed to parse.
public struct XMLTreeError: Error, CustomStringConvertible {
    /// What the parser said.
    public var description: String
}
