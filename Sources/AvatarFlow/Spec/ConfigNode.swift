import Foundation
import Yams

/// A YAML value that remembers where it was written, so every diagnostic can point at it.
///
/// Pipeline files are read into this tree, merged (`extends:`), overridden (`--set`) and
/// substituted (`${param}`) before they become a `PipelineSpec`.
public struct ConfigNode: Sendable, Hashable {
    /// One key of a mapping with its own location (diagnostics about a key point at the key).
    public struct Entry: Sendable, Hashable {
        /// The key text.
        public var key: String
        /// Where the key is written.
        public var keyLocation: SourceLocation
        /// The value under the key.
        public var value: ConfigNode
    }

    /// The shape of the value.
    public enum Content: Sendable, Hashable {
        /// A scalar: its text and its resolved YAML type (quoted scalars are always strings).
        case scalar(String, ConfigValue)
        /// A mapping in file order.
        case mapping([Entry])
        /// A sequence.
        case sequence([ConfigNode])
    }

    /// The value.
    public var content: Content
    /// Where the value starts.
    public var location: SourceLocation

    /// Creates a node.
    public init(_ content: Content, at location: SourceLocation) {
        self.content = content
        self.location = location
    }

    /// A scalar node holding `value`.
    public static func scalar(_ value: ConfigValue, at location: SourceLocation) -> ConfigNode {
        ConfigNode(.scalar(value.description, value), at: location)
    }

    /// The entries when this is a mapping, else nil.
    public var entries: [Entry]? {
        if case .mapping(let entries) = content { return entries }
        return nil
    }

    /// The value under `key` when this is a mapping.
    public subscript(key: String) -> ConfigNode? {
        entries?.first { $0.key == key }?.value
    }

    /// The entry for `key` when this is a mapping.
    public func entry(_ key: String) -> Entry? { entries?.first { $0.key == key } }

    /// The scalar's text when this is a scalar.
    public var scalarText: String? {
        if case .scalar(let text, _) = content { return text }
        return nil
    }

    /// Whether this is a YAML null (`~`, `null` or empty).
    public var isNull: Bool {
        if case .scalar(_, .null) = content { return true }
        return false
    }

    /// The plain value, dropping locations.
    public var value: ConfigValue {
        switch content {
        case .scalar(_, let value): return value
        case .sequence(let items): return .list(items.map(\.value))
        case .mapping(let entries):
            var object: [String: ConfigValue] = [:]
            for entry in entries { object[entry.key] = entry.value.value }
            return .object(object)
        }
    }

    /// Builds a located node from a plain value; every part gets `location`.
    public static func from(_ value: ConfigValue, at location: SourceLocation) -> ConfigNode {
        switch value {
        case .list(let items): return ConfigNode(.sequence(items.map { from($0, at: location) }), at: location)
        case .object(let fields):
            let entries = fields.keys.sorted().map {
                Entry(key: $0, keyLocation: location, value: from(fields[$0]!, at: location))
            }
            return ConfigNode(.mapping(entries), at: location)
        default: return .scalar(value, at: location)
        }
    }

    /// Sets (or with nil removes) the value under `key`, keeping the order of existing keys.
    public mutating func set(_ key: String, to value: ConfigNode?, keyLocation: SourceLocation) {
        var entries = self.entries ?? []
        if let index = entries.firstIndex(where: { $0.key == key }) {
            if let value { entries[index].value = value } else { entries.remove(at: index) }
        } else if let value {
            entries.append(Entry(key: key, keyLocation: keyLocation, value: value))
        }
        content = .mapping(entries)
    }

    /// Deep merge used by `extends:`: mappings merge key by key, anything else in `overlay`
    /// replaces the base; a null in the overlay deletes the key.
    public func merged(with overlay: ConfigNode) -> ConfigNode {
        guard entries != nil, let overlayEntries = overlay.entries else { return overlay }
        var result = self
        for entry in overlayEntries {
            if entry.value.isNull {
                result.set(entry.key, to: nil, keyLocation: entry.keyLocation)
            } else if let existing = result[entry.key] {
                result.set(entry.key, to: existing.merged(with: entry.value), keyLocation: entry.keyLocation)
            } else {
                result.set(entry.key, to: entry.value, keyLocation: entry.keyLocation)
            }
        }
        return result
    }
}

extension ConfigNode {
    /// Parses YAML text into a located tree; syntax errors come back as diagnostics with positions.
    /// Refuses, before building anything large, text over `limits.pipelineBytes`, collections
    /// nested deeper than `limits.yamlDepth` and trees over `limits.yamlNodes` nodes once aliases
    /// are expanded (an alias bomb of a few hundred bytes names billions of nodes).
    public static func parse(yaml text: String, file: String, limits: InputLimits = .current) -> Result<ConfigNode, Diagnostic> {
        let start = SourceLocation(file: file, line: 1, column: 1)
        guard text.utf8.count <= limits.pipelineBytes else {
            return .failure(
                .error(
                    .limit, at: start, "the file is \(text.utf8.count) bytes, more than a pipeline file may be",
                    hint: InputLimits.raise("PIPELINE_BYTES", limits.pipelineBytes)))
        }
        if let deep = flowNestingExceeding(limits.yamlDepth, in: text, file: file) {
            return .failure(
                .error(
                    .limit, at: deep, "YAML collections nested more than \(limits.yamlDepth) deep",
                    hint: InputLimits.raise("YAML_DEPTH", limits.yamlDepth)))
        }
        do {
            guard let root = try Yams.compose(yaml: shieldingReferences(text)) else {
                return .success(ConfigNode(.mapping([]), at: start))
            }
            var budget = NodeBudget(remaining: limits.yamlNodes, depth: limits.yamlDepth)
            return .success(try convert(root, file: file, budget: &budget))
        } catch let exceeded as NodeBudget.Exceeded {
            let (what, name, limit) =
                exceeded.depth
                ? ("YAML collections nested more than \(limits.yamlDepth) deep", "YAML_DEPTH", limits.yamlDepth)
                : ("the YAML expands to more than \(limits.yamlNodes) nodes (are aliases `*name` repeating large anchors?)", "YAML_NODES", limits.yamlNodes)
            return .failure(.error(.limit, at: exceeded.location, what, hint: InputLimits.raise(name, limit)))
        } catch let error as YamlError {
            return .failure(diagnostic(for: error, file: file))
        } catch {
            return .failure(.error(.yamlSyntax, at: SourceLocation(file: file, line: 1, column: 1), "\(error)"))
        }
    }

    /// Parses a command-line value (`--set key=VALUE`) as a YAML scalar or flow collection.
    public static func parseValue(_ text: String, at location: SourceLocation) -> ConfigNode {
        let limits = InputLimits.current
        guard flowNestingExceeding(limits.yamlDepth, in: text, file: location.file) == nil,
            let node = try? Yams.compose(yaml: shieldingReferences(text))
        else { return .scalar(.string(text), at: location) }
        var budget = NodeBudget(remaining: limits.yamlNodes, depth: limits.yamlDepth)
        guard var converted = try? convert(node, file: location.file, budget: &budget) else { return .scalar(.string(text), at: location) }
        converted.relocate(to: location)
        return converted
    }

    /// `${name}` is not valid inside YAML flow collections (`{size: ${render}}`), so references
    /// are rewritten to `$⦃name⦄` before parsing — same number of characters, so every reported
    /// column stays right — and restored in each scalar afterwards.
    static func shieldingReferences(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        var scalars = text.unicodeScalars[...]
        while let index = scalars.firstIndex(of: "$") {
            result.unicodeScalars.append(contentsOf: scalars[..<index])
            let rest = scalars[index...]
            if rest.dropFirst().first == "{", let close = rest.firstIndex(where: { $0 == "}" || $0 == "\n" }), rest[close] == "}",
                !rest[rest.index(index, offsetBy: 2)..<close].contains("{")
            {
                result += "$⦃"
                result.unicodeScalars.append(contentsOf: rest[rest.index(index, offsetBy: 2)..<close])
                result += "⦄"
                scalars = rest[rest.index(after: close)...]
            } else {
                result += "$"
                scalars = rest.dropFirst()
            }
        }
        result.unicodeScalars.append(contentsOf: scalars)
        return result
    }

    static func restoringReferences(_ text: String) -> String {
        guard text.contains("$⦃") else { return text }
        return text.replacingOccurrences(of: "$⦃", with: "${").replacingOccurrences(of: "⦄", with: "}")
    }

    private mutating func relocate(to location: SourceLocation) {
        self.location = location
        switch content {
        case .scalar: break
        case .sequence(var items):
            for index in items.indices { items[index].relocate(to: location) }
            content = .sequence(items)
        case .mapping(var entries):
            for index in entries.indices {
                entries[index].keyLocation = location
                entries[index].value.relocate(to: location)
            }
            content = .mapping(entries)
        }
    }

    private static func location(_ mark: Mark?, file: String) -> SourceLocation {
        SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    /// How many more nodes a conversion may create, and how much deeper it may go.
    struct NodeBudget {
        /// Thrown when the budget runs out: where, and whether it was the depth.
        struct Exceeded: Error {
            var location: SourceLocation
            var depth: Bool
        }
        var remaining: Int
        var depth: Int

        mutating func spend(at location: SourceLocation) throws {
            remaining -= 1
            if remaining < 0 { throw Exceeded(location: location, depth: false) }
        }
    }

    /// The first place where `[` / `{` flow collections nest deeper than `limit` (outside quotes
    /// and comments), found before the YAML parser recurses into them; nil when none does.
    static func flowNestingExceeding(_ limit: Int, in text: String, file: String) -> SourceLocation? {
        var depth = 0, line = 1, column = 0
        var quote: UInt8?
        var comment = false
        var previous: UInt8 = 0x0A
        for byte in text.utf8 {
            column += 1
            defer { previous = byte }
            if byte == 0x0A {
                line += 1
                column = 0
                comment = false
                continue
            }
            if comment { continue }
            if let open = quote {
                if byte == open { quote = nil }
                continue
            }
            switch byte {
            case UInt8(ascii: "#") where previous == 0x20 || previous == 0x0A || previous == 0x09: comment = true
            case UInt8(ascii: "\""), UInt8(ascii: "'"): if depth > 0 { quote = byte }
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > limit { return SourceLocation(file: file, line: line, column: column) }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth = max(0, depth - 1)
            default: break
            }
        }
        return nil
    }

    private static func convert(_ node: Node, file: String, budget: inout NodeBudget) throws -> ConfigNode {
        let here = location(node.mark, file: file)
        try budget.spend(at: here)
        switch node {
        case .scalar(let scalar):
            let text = restoringReferences(scalar.string)
            if text != scalar.string { return ConfigNode(.scalar(text, .string(text)), at: here) }
            return ConfigNode(.scalar(text, typedValue(scalar, tag: node.tag)), at: here)
        case .sequence(let sequence):
            guard budget.depth > 0 else { throw NodeBudget.Exceeded(location: here, depth: true) }
            budget.depth -= 1
            defer { budget.depth += 1 }
            return ConfigNode(.sequence(try sequence.map { try convert($0, file: file, budget: &budget) }), at: here)
        case .mapping(let mapping):
            guard budget.depth > 0 else { throw NodeBudget.Exceeded(location: here, depth: true) }
            budget.depth -= 1
            defer { budget.depth += 1 }
            let entries = try mapping.map { key, value in
                Entry(
                    key: key.string ?? "\(key)", keyLocation: location(key.mark, file: file),
                    value: try convert(value, file: file, budget: &budget))
            }
            return ConfigNode(.mapping(entries), at: here)
        case .alias(let alias):
            return ConfigNode(.scalar("*\(alias.anchor)", .string("*\(alias.anchor)")), at: here)
        }
    }

    private static func typedValue(_ scalar: Node.Scalar, tag: Tag) -> ConfigValue {
        if scalar.style != .plain { return .string(scalar.string) }
        switch Tag.Name(rawValue: tag.rawValue) {
        case .null: return .null
        case .bool: return .bool(Bool.construct(from: scalar) ?? false)
        case .int: return Int.construct(from: scalar).map(ConfigValue.int) ?? .string(scalar.string)
        case .float: return Double.construct(from: scalar).map(ConfigValue.double) ?? .string(scalar.string)
        default: return .string(scalar.string)
        }
    }

    private static func diagnostic(for error: YamlError, file: String) -> Diagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let detail = context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""
            return .error(
                .yamlSyntax, at: location(mark, file: file), "YAML syntax: \(problem)\(detail)",
                hint: "check indentation and that every `key: value` pair has a space after the colon")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return .error(
                .duplicateName, at: location(context.mark, file: file),
                "duplicate key\(duplicates.count == 1 ? "" : "s") \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) in one mapping",
                hint: "each stage, input, parameter and port name may appear only once; rename or remove one")
        default:
            return .error(.yamlSyntax, at: SourceLocation(file: file, line: 1, column: 1), "YAML: \(error)")
        }
    }
}
