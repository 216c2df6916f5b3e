import Foundation

/// The one check every piece of user text goes through before it becomes part of a path the tool
/// writes (a run directory from the pipeline name or a matrix label, `stages/<name>/`,
/// `outputs/<name>`, the cache index): one directory-entry name that cannot climb out of its
/// parent or hide.
///
/// Allowed: 1–128 characters from letters, digits, `.`, `_`, `-`, `=`, `+`, `,` and `@`, not
/// starting with `.` (so neither `.`, `..` nor a hidden name) or `-` (read as an option by tools).
public enum PathComponent {
    /// The longest name accepted.
    public static let maximumLength = 128

    static let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-=+,@")

    /// Why `text` cannot be a path component (longer than `limit` characters, or against the
    /// rule), or nil when it can.
    public static func problem(_ text: String, limit: Int = maximumLength) -> String? {
        if text.isEmpty { return "is empty" }
        if text.count > limit { return "is longer than \(limit) characters" }
        if text == "." || text == ".." { return "would name the current or parent directory" }
        if text.contains("/") { return "contains '/'" }
        if text.hasPrefix(".") { return "starts with '.'" }
        if text.hasPrefix("-") { return "starts with '-'" }
        if let bad = text.first(where: { !allowed.contains($0) }) {
            let shown = bad.unicodeScalars.map { $0.value < 32 ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
            return "contains '\(shown)'"
        }
        return nil
    }

    /// `text` when it is a valid component; otherwise throws naming `what` it is and the rule.
    @discardableResult
    public static func checked(_ text: String, _ what: String, limit: Int = maximumLength) throws -> String {
        guard let problem = problem(text, limit: limit) else { return text }
        throw PathComponentError(text: text, what: what, problem: problem)
    }

    /// `text` made into a valid component: disallowed characters become `_`, a leading `.` or `-`
    /// becomes `_`, and names are cut to 100 characters (matrix labels built from values such as `[1, 2]`).
    public static func sanitized(_ text: String) -> String {
        var result = String(text.map { allowed.contains($0) ? $0 : "_" }.prefix(100))
        if result.isEmpty { return "_" }
        if result.hasPrefix(".") || result.hasPrefix("-") { result = "_" + result.dropFirst() }
        return result
    }

    /// The rule, for hints.
    public static let rule = "use 1–128 letters, digits and . _ - = + , @ (not starting with '.' or '-')"
}

/// User text that cannot be a path component.
public struct PathComponentError: Error, CustomStringConvertible {
    /// The text.
    public var text: String
    /// What it names (`pipeline name`, `output name`).
    public var what: String
    /// Why it is refused.
    public var problem: String
    /// `pipeline name '../x' contains '/': use …`.
    public var description: String { "\(what) '\(text)' \(problem); it becomes a file name: \(PathComponent.rule)" }
}
