/// Writes a `ConfigValue` as block-style YAML with sorted keys; strings are JSON-quoted when
/// they would otherwise read back as another type, numbers keep their natural form (`0.5`, `3`).
public enum YAMLWriter {
    /// The YAML text, ending in a newline.
    public static func write(_ value: ConfigValue) -> String {
        var lines: [String] = []
        emit(value, indent: 0, into: &lines, prefix: nil)
        return lines.joined(separator: "\n") + "\n"
    }

    private static func emit(_ value: ConfigValue, indent: Int, into lines: inout [String], prefix: String?) {
        let pad = String(repeating: "  ", count: indent)
        switch value {
        case .object(let fields) where !fields.isEmpty:
            if let prefix { lines.append(pad + prefix) }
            for key in fields.keys.sorted() {
                emit(fields[key]!, indent: prefix == nil ? indent : indent + 1, into: &lines, prefix: scalar(.string(key)) + ":")
            }
        case .list(let items) where items.contains(where: { if case .object = $0 { return true } else { return false } }):
            if let prefix { lines.append(pad + prefix) }
            for item in items {
                var nested: [String] = []
                emit(item, indent: 0, into: &nested, prefix: nil)
                let inner = String(repeating: "  ", count: prefix == nil ? indent : indent + 1)
                for (index, line) in nested.enumerated() { lines.append(inner + (index == 0 ? "- " : "  ") + line) }
            }
        default:
            lines.append(pad + (prefix.map { $0 + " " } ?? "") + flow(value))
        }
    }

    private static func flow(_ value: ConfigValue) -> String {
        switch value {
        case .list(let items): return "[" + items.map(flow).joined(separator: ", ") + "]"
        case .object(let fields):
            return "{" + fields.keys.sorted().map { scalar(.string($0)) + ": " + flow(fields[$0]!) }.joined(separator: ", ") + "}"
        default: return scalar(value)
        }
    }

    private static func scalar(_ value: ConfigValue) -> String {
        switch value {
        case .string(let text):
            let plain =
                !text.isEmpty && text.allSatisfy { $0.isLetter || $0.isNumber || "_-./$".contains($0) }
                && !["true", "false", "null", "yes", "no", "on", "off", "~"].contains(text.lowercased())
                && Double(text) == nil && Int(text) == nil
            return plain ? text : value.canonicalJSON
        case .double(let number): return number.isFinite ? "\(number)" : (number.isNaN ? ".nan" : number > 0 ? ".inf" : "-.inf")
        default: return value.canonicalJSON
        }
    }
}
