/// The declaration of one stage parameter: name, type, default, allowed values and a doc line.
///
/// A stage's `Parameters.fields` is the single source of truth for `avatarflow stages`,
/// validation and defaults. Nested parameters use dotted names (`superres.factor`) and decode
/// into nested Codable structs.
public struct ParameterField: Sendable, Hashable, Codable {
    /// The kind of value a parameter takes.
    public enum Kind: String, Sendable, Codable {
        case int, double, bool, string, choice, path, intList, doubleList, stringList
    }

    /// Dotted name, e.g. `iterations` or `superres.factor`.
    public var name: String
    /// The value kind.
    public var kind: Kind
    /// The default (used when the pipeline does not set the parameter).
    public var defaultValue: ConfigValue
    /// Inclusive numeric bounds for numbers and for every element of numeric lists.
    public var minimum: Double?
    /// Inclusive upper bound.
    public var maximum: Double?
    /// Allowed strings for `.choice`.
    public var choices: [String]
    /// One line: what it does, with units.
    public var doc: String

    /// Creates a field; prefer the static constructors.
    public init(
        name: String, kind: Kind, defaultValue: ConfigValue, minimum: Double? = nil, maximum: Double? = nil,
        choices: [String] = [], doc: String
    ) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.minimum = minimum
        self.maximum = maximum
        self.choices = choices
        self.doc = doc
    }

    /// An integer parameter with an inclusive range.
    public static func int(_ name: String, _ defaultValue: Int, range: ClosedRange<Int>? = nil, doc: String) -> ParameterField {
        ParameterField(
            name: name, kind: .int, defaultValue: .int(defaultValue),
            minimum: range.map { Double($0.lowerBound) }, maximum: range.map { Double($0.upperBound) }, doc: doc)
    }

    /// A real parameter with an inclusive range.
    public static func double(_ name: String, _ defaultValue: Double, range: ClosedRange<Double>? = nil, doc: String) -> ParameterField {
        ParameterField(
            name: name, kind: .double, defaultValue: .double(defaultValue),
            minimum: range?.lowerBound, maximum: range?.upperBound, doc: doc)
    }

    /// A boolean parameter.
    public static func bool(_ name: String, _ defaultValue: Bool, doc: String) -> ParameterField {
        ParameterField(name: name, kind: .bool, defaultValue: .bool(defaultValue), doc: doc)
    }

    /// A free string parameter.
    public static func string(_ name: String, _ defaultValue: String, doc: String) -> ParameterField {
        ParameterField(name: name, kind: .string, defaultValue: .string(defaultValue), doc: doc)
    }

    /// A file or directory path; relative paths resolve against the pipeline file's directory.
    public static func path(_ name: String, _ defaultValue: String, doc: String) -> ParameterField {
        ParameterField(name: name, kind: .path, defaultValue: .string(defaultValue), doc: doc)
    }

    /// One of a fixed set of strings.
    public static func choice(_ name: String, _ defaultValue: String, _ choices: [String], doc: String) -> ParameterField {
        ParameterField(name: name, kind: .choice, defaultValue: .string(defaultValue), choices: choices, doc: doc)
    }

    /// A list of integers, each within the range.
    public static func intList(_ name: String, _ defaultValue: [Int], range: ClosedRange<Int>? = nil, doc: String) -> ParameterField {
        ParameterField(
            name: name, kind: .intList, defaultValue: .list(defaultValue.map(ConfigValue.int)),
            minimum: range.map { Double($0.lowerBound) }, maximum: range.map { Double($0.upperBound) }, doc: doc)
    }

    /// A list of reals, each within the range.
    public static func doubleList(_ name: String, _ defaultValue: [Double], range: ClosedRange<Double>? = nil, doc: String) -> ParameterField {
        ParameterField(
            name: name, kind: .doubleList, defaultValue: .list(defaultValue.map(ConfigValue.double)),
            minimum: range?.lowerBound, maximum: range?.upperBound, doc: doc)
    }

    /// A list of strings.
    public static func stringList(_ name: String, _ defaultValue: [String], doc: String) -> ParameterField {
        ParameterField(name: name, kind: .stringList, defaultValue: .list(defaultValue.map(ConfigValue.string)), doc: doc)
    }

    /// The type and range in words, for `avatarflow stages` and diagnostics.
    public var typeDescription: String {
        var text: String
        switch kind {
        case .choice: text = "one of " + choices.joined(separator: "|")
        case .intList: text = "list of integers"
        case .doubleList: text = "list of numbers"
        case .stringList: text = "list of strings"
        case .double: text = "number"
        case .int: text = "integer"
        default: text = kind.rawValue
        }
        if minimum != nil || maximum != nil {
            text += " in [\(minimum.map(Self.format) ?? "-∞"), \(maximum.map(Self.format) ?? "∞")]"
        }
        return text
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
    }

    /// Checks a value against this field, converting integers to reals where a real is expected.
    /// Returns the normalised value, or a message saying what is wrong.
    public func check(_ value: ConfigValue) -> Result<ConfigValue, ParameterProblem> {
        switch (kind, value) {
        case (.int, .int), (.bool, .bool), (.string, .string), (.path, .string):
            return checkRange(value)
        case (.int, .double(let real)) where real == real.rounded() && abs(real) < 1e15:
            return checkRange(.int(Int(real)))
        case (.double, .double): return checkRange(value)
        case (.double, .int(let integer)): return checkRange(.double(Double(integer)))
        case (.choice, .string(let text)):
            if choices.contains(text) { return .success(value) }
            return .failure(.notAllowed(text, choices: choices))
        case (.intList, .list(let items)), (.doubleList, .list(let items)), (.stringList, .list(let items)):
            let element = ParameterField(
                name: name, kind: kind == .intList ? .int : kind == .doubleList ? .double : .string,
                defaultValue: .null, minimum: minimum, maximum: maximum, doc: doc)
            var checked: [ConfigValue] = []
            for item in items {
                switch element.check(item) {
                case .success(let normalised): checked.append(normalised)
                case .failure(let problem): return .failure(problem)
                }
            }
            return .success(.list(checked))
        default:
            return .failure(.wrongType(expected: typeDescription, found: value))
        }
    }

    private func checkRange(_ value: ConfigValue) -> Result<ConfigValue, ParameterProblem> {
        guard let number = value.numberValue else { return .success(value) }
        if let minimum, number < minimum { return .failure(.outOfRange(value, typeDescription)) }
        if let maximum, number > maximum { return .failure(.outOfRange(value, typeDescription)) }
        if !number.isFinite { return .failure(.outOfRange(value, typeDescription)) }
        return .success(value)
    }
}

/// Why a parameter value was refused.
public enum ParameterProblem: Error, Sendable, Equatable {
    /// The value has the wrong type.
    case wrongType(expected: String, found: ConfigValue)
    /// The value lies outside the declared range.
    case outOfRange(ConfigValue, String)
    /// The string is not one of the allowed choices.
    case notAllowed(String, choices: [String])
}

extension ParameterProblem: CustomStringConvertible {
    /// The problem in one phrase, e.g. "must be int, got string 'x'".
    public var description: String {
        switch self {
        case .wrongType(let expected, let found): "must be \(expected), got \(found.typeName) '\(found)'"
        case .outOfRange(let value, let allowed): "\(value) is out of range (allowed: \(allowed))"
        case .notAllowed(let text, let choices): "'\(text)' is not allowed (allowed: \(choices.joined(separator: ", ")))"
        }
    }
}
