/// A small non-validating XML parser, sufficient for OpenCV's `opencv_storage` files:
/// elements, attributes, character data, the five predefined entities and numeric character
/// references, comments, processing instructions and a DOCTYPE line.
/// Namespaces and DTD entity declarations are not interpreted.
public enum XMLDocumentParser {
    /// Parses a whole document and returns its root element.
    public static func parse(_ bytes: [UInt8]) throws(XMLSyntaxError) -> XMLTreeElement {
        var cursor = Cursor(bytes: bytes)
        var root: XMLTreeElement?
        while true {
            cursor.skipWhitespace()
            guard cursor.hasMore else { break }
            guard cursor.peek == UInt8(ascii: "<") else {
                throw XMLSyntaxError(message: "text outside the root element", line: cursor.line)
            }
            if try cursor.skipMarkupDeclaration() { continue }
            guard root == nil else { throw XMLSyntaxError(message: "a second root element", line: cursor.line) }
            root = try cursor.parseElement(depth: 0)
        }
        guard let root else { throw XMLSyntaxError(message: "no root element (empty or truncated file)", line: cursor.line) }
        return root
    }
}

/// Byte cursor over the document with line counting.
private struct Cursor {
    let bytes: [UInt8]
    var position = 0
    var line = 1
    static let maximumDepth = 256

    init(bytes: [UInt8]) { self.bytes = bytes }

    var hasMore: Bool { position < bytes.count }
    var peek: UInt8 { bytes[position] }

    mutating func advance() {
        if bytes[position] == UInt8(ascii: "\n") { line += 1 }
        position += 1
    }

    func starts(with literal: String) -> Bool {
        let utf8 = Array(literal.utf8)
        guard position + utf8.count <= bytes.count else { return false }
        for index in 0..<utf8.count where bytes[position + index] != utf8[index] { return false }
        return true
    }

    mutating func skip(_ literal: String) {
        for _ in 0..<literal.utf8.count { advance() }
    }

    mutating func skipWhitespace() {
        while hasMore, isWhitespace(peek) { advance() }
    }

    func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    func isNameByte(_ byte: UInt8) -> Bool {
        !isWhitespace(byte) && byte != UInt8(ascii: ">") && byte != UInt8(ascii: "/") && byte != UInt8(ascii: "=")
            && byte != UInt8(ascii: "<") && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "'")
    }

    /// Skips everything up to and including `terminator`; throws if the file ends first.
    mutating func skipPast(_ terminator: String, what: String) throws(XMLSyntaxError) {
        let startLine = line
        while hasMore {
            if starts(with: terminator) {
                skip(terminator)
                return
            }
            advance()
        }
        throw XMLSyntaxError(message: "unterminated \(what) (missing '\(terminator)'; truncated file?)", line: startLine)
    }

    /// Skips a comment, processing instruction or DOCTYPE at the cursor; false if none is there.
    mutating func skipMarkupDeclaration() throws(XMLSyntaxError) -> Bool {
        if starts(with: "<!--") {
            try skipPast("-->", what: "comment")
            return true
        }
        if starts(with: "<?") {
            try skipPast("?>", what: "processing instruction")
            return true
        }
        if starts(with: "<!DOCTYPE") {
            try skipPast(">", what: "DOCTYPE")
            return true
        }
        return false
    }

    mutating func parseName() throws(XMLSyntaxError) -> String {
        let start = position
        while hasMore, isNameByte(peek) { advance() }
        guard position > start else { throw XMLSyntaxError(message: "expected a name", line: line) }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    /// Parses `<name attr="v"> … </name>` or `<name/>`, the cursor being on `<`.
    mutating func parseElement(depth: Int) throws(XMLSyntaxError) -> XMLTreeElement {
        guard depth < Cursor.maximumDepth else { throw XMLSyntaxError(message: "elements nested too deeply", line: line) }
        let startLine = line
        advance()
        let name = try parseName()
        var element = XMLTreeElement(name: name, attributes: [], text: "", children: [], line: startLine)
        while true {
            skipWhitespace()
            guard hasMore else { throw XMLSyntaxError(message: "unterminated tag <\(name)> (truncated file?)", line: startLine) }
            if starts(with: "/>") {
                skip("/>")
                return element
            }
            if peek == UInt8(ascii: ">") {
                advance()
                break
            }
            let attributeName = try parseName()
            skipWhitespace()
            guard hasMore, peek == UInt8(ascii: "=") else {
                throw XMLSyntaxError(message: "expected '=' after attribute \(attributeName) of <\(name)>", line: line)
            }
            advance()
            skipWhitespace()
            guard hasMore, peek == UInt8(ascii: "\"") || peek == UInt8(ascii: "'") else {
                throw XMLSyntaxError(message: "expected a quoted value for attribute \(attributeName)", line: line)
            }
            let quote = peek
            advance()
            let start = position
            while hasMore, peek != quote { advance() }
            guard hasMore else { throw XMLSyntaxError(message: "unterminated attribute value", line: line) }
            let raw = String(decoding: bytes[start..<position], as: UTF8.self)
            advance()
            element.attributes.append((attributeName, try decodeEntities(raw)))
        }
        var text: [UInt8] = []
        while true {
            guard hasMore else { throw XMLSyntaxError(message: "element <\(name)> is not closed (truncated file?)", line: startLine) }
            if peek != UInt8(ascii: "<") {
                text.append(peek)
                advance()
                continue
            }
            if starts(with: "</") {
                skip("</")
                let closing = try parseName()
                guard closing == name else {
                    throw XMLSyntaxError(message: "closing tag </\(closing)> does not match <\(name)> opened on line \(startLine)", line: line)
                }
                skipWhitespace()
                guard hasMore, peek == UInt8(ascii: ">") else { throw XMLSyntaxError(message: "expected '>' after </\(name)", line: line) }
                advance()
                element.text = try decodeEntities(String(decoding: text, as: UTF8.self))
                return element
            }
            if try skipMarkupDeclaration() { continue }
            element.children.append(try parseElement(depth: depth + 1))
        }
    }

    /// Replaces `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` `&#N;` `&#xN;`.
    func decodeEntities(_ raw: String) throws(XMLSyntaxError) -> String {
        guard raw.contains("&") else { return raw }
        var result = ""
        var remainder = Substring(raw)
        while let ampersand = remainder.firstIndex(of: "&") {
            result += remainder[..<ampersand]
            guard let semicolon = remainder[ampersand...].firstIndex(of: ";") else {
                throw XMLSyntaxError(message: "unterminated entity reference", line: line)
            }
            let entity = remainder[remainder.index(after: ampersand)..<semicolon]
            switch entity {
            case "lt": result += "<"
            case "gt": result += ">"
            case "amp": result += "&"
            case "quot": result += "\""
            case "apos": result += "'"
            default:
                let scalarValue: UInt32?
                if entity.hasPrefix("#x") {
                    scalarValue = UInt32(entity.dropFirst(2), radix: 16)
                } else if entity.hasPrefix("#") {
                    scalarValue = UInt32(entity.dropFirst(1))
                } else {
                    scalarValue = nil
                }
                guard let scalarValue, let scalar = Unicode.Scalar(scalarValue) else {
                    throw XMLSyntaxError(message: "unknown entity &\(entity);", line: line)
                }
                result.unicodeScalars.append(scalar)
            }
            remainder = remainder[remainder.index(after: semicolon)...]
        }
        return result + remainder
    }
}
