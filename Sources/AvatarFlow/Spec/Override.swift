import Foundation

/// A command-line override `--set path=value`: a parameter (`iterations=2000`) or a stage
/// parameter (`train.iterations=2000`, nested: `train.superres.factor=4`).
public struct Override: Sendable, Hashable {
    /// The dotted path split into components.
    public var path: [String]
    /// The value, parsed as YAML (so `2000` is an integer and `[1, 2]` a list).
    public var value: ConfigNode
    /// Where it was given.
    public var location: SourceLocation

    /// Creates an override from parts.
    public init(path: [String], value: ConfigNode, location: SourceLocation) {
        self.path = path
        self.value = value
        self.location = location
    }

    /// Parses `a.b=value`; throws when there is no `=` or the path is empty.
    public init(parsing text: String, location: SourceLocation) throws {
        guard let equals = text.firstIndex(of: "=") else {
            throw PipelineValidationError([
                .error(
                    .override, at: location, "override '\(text)' has no '='",
                    hint: "write --set stage.parameter=value, e.g. --set train.iterations=2000")
            ])
        }
        let key = text[..<equals].trimmingCharacters(in: .whitespaces)
        let path = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !key.isEmpty, !path.contains("") else {
            throw PipelineValidationError([
                .error(
                    .override, at: location, "override '\(text)' has an empty name",
                    hint: "write --set stage.parameter=value")
            ])
        }
        self.path = path
        self.value = ConfigNode.parseValue(String(text[text.index(after: equals)...]), at: location)
        self.location = location
    }

    /// `a.b=value` as written, for run names.
    public var label: String { path.joined(separator: ".") + "=" + value.value.description }
}
