/// One problem found in a pipeline before or while it runs, with where it is and how to fix it.
public struct Diagnostic: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// How bad the problem is: errors stop a run, warnings do not.
    public enum Severity: String, Sendable, Codable { case error, warning }

    /// Which family of problem this is; tests and tools match on it rather than on the wording.
    public enum Kind: String, Sendable, Codable {
        case yamlSyntax, schema, unknownStage, unknownPort, missingPort, typeMismatch, cycle
        case duplicateName, unknownParameter, parameterType, parameterRange, missingExtends
        case unresolvedReference, unknownInput, override, limit, unsafeName
    }

    /// Error or warning.
    public var severity: Severity
    /// The family of the problem.
    public var kind: Kind
    /// Where it is; nil only when no file position applies.
    public var location: SourceLocation?
    /// What is wrong, naming the things involved.
    public var message: String
    /// What to do about it (a did-you-mean or the allowed values), when known.
    public var hint: String?

    /// Creates an error diagnostic.
    public static func error(_ kind: Kind, at location: SourceLocation?, _ message: String, hint: String? = nil) -> Diagnostic {
        Diagnostic(severity: .error, kind: kind, location: location, message: message, hint: hint)
    }

    /// `file:line:column: error: message` plus an indented hint line, like a compiler.
    public var description: String {
        var text = ""
        if let location { text += "\(location): " }
        text += "\(severity.rawValue): \(message)"
        if let hint { text += "\n    hint: \(hint)" }
        return text
    }
}

/// Thrown when a pipeline has one or more errors; carries all of them, not just the first.
public struct PipelineValidationError: Error, CustomStringConvertible {
    /// Every problem found, in file order.
    public var diagnostics: [Diagnostic]

    /// Creates the error from a non-empty list of diagnostics.
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }

    /// All diagnostics, one block each, then a count.
    public var description: String {
        let errors = diagnostics.filter { $0.severity == .error }.count
        return diagnostics.map(\.description).joined(separator: "\n")
            + "\n\(errors) error\(errors == 1 ? "" : "s") found; nothing was run."
    }
}
