/// A position in a pipeline file (or on the command line): file path, 1-based line and column.
public struct SourceLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The file the value came from, as the user named it; `<command line>` for `--set`/`--input`.
    public var file: String
    /// 1-based line number.
    public var line: Int
    /// 1-based column number.
    public var column: Int

    /// Creates a location.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// The location of a command-line argument: `<command line>:1:<argument index>`.
    public static func commandLine(argument index: Int) -> SourceLocation {
        SourceLocation(file: "<command line>", line: 1, column: index)
    }

    /// `file:line:column`, the form editors and terminals make clickable.
    public var description: String { "\(file):\(line):\(column)" }
}
