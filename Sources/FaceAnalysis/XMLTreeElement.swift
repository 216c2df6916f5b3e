/// One element of a parsed XML document: name, attributes, text and child elements, plus the
/// line it starts on so that model readers can point at the offending place in a file.
public struct XMLTreeElement: Sendable {
    /// The tag name (`stageThreshold`, `_`).
    public var name: String
    /// Attributes in document order (`type_id="opencv-cascade-classifier"`).
    public var attributes: [(name: String, value: String)]
    /// Concatenated character data directly inside this element (entities decoded).
    public var text: String
    /// Child elements in document order.
    public var children: [XMLTreeElement]
    /// 1-based line of the opening tag.
    public var line: Int

    /// The first child element called `name`, or nil.
    public func child(_ name: String) -> XMLTreeElement? { children.first { $0.name == name } }
}

/// A malformed XML file: what is wrong and on which line.
public struct XMLSyntaxError: Error, CustomStringConvertible {
    /// What the parser expected or found.
    public var message: String
    /// 1-based line where the problem was found.
    public var line: Int
    /// `line N: message`.
    public var description: String { "line \(line): \(message)" }
}
