/// The schema of one stage parameter: name, type, default, allowed values and a doc line.
///
/// Derived from the stage's `@Param` declarations (`StageParameters.fields`); the single source of
/// truth for `avatarflow stages`, validation, defaults and decoding. Nested parameters use dotted
/// names (`superres.factor`) and decode into nested `ParameterGroup`s.
public struct ParameterField: Sendable, Hashable, Encodable {
    /// The kind of value a parameter takes.
    public enum Kind: String, Sendable, Codable {
        case int, double, bool, string, choice, path, intList, doubleList, stringList, choiceList
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
    /// The dotted Swift property path the value decodes into (`superres.factor`, `positionLR`).
    public var property: String

    private enum CodingKeys: String, CodingKey {
        case name, kind, defaultValue, minimum, maximum, choices, doc
    }

    /// Creates a field; stages declare theirs with `@Param` instead.
    public init(
        name: String, kind: Kind, defaultValue: ConfigValue, minimum: Double? = nil, maximum: Double? = nil,
        choices: [String] = [], doc: String, property: String? = nil
    ) {
        self.name = name
        self.property = property ?? name
        self.kind = kind
        self.defaultValue = defaultValue
        self.minimum = minimum
        self.maximum = maximum
        self.choices = choices
        self.doc = doc
    }

    /// The type and range in words, for `avatarflow stages` and diagnostics.
    public var typeDescription: String {
        var text: String
        switch kind {
        case .choice: text = "one of " + choices.joined(separator: "|")
        case .intList: text = "list of integers"
        case .doubleList: text = "list of numbers"
        case .stringList: text = "list of strings"
        case .choiceList: text = "list of " + choices.joined(separator: "|")
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
        case (.intList, .list(let items)), (.doubleList, .list(let items)), (.stringList, .list(let items)), (.choiceList, .list(let items)):
            let elementKind: Kind =
                switch kind {
                case .intList: .int
                case .doubleList: .double
                case .choiceList: .choice
                default: .string
                }
            let element = ParameterField(
                name: name, kind: elementKind, defaultValue: .null, minimum: minimum, maximum: maximum,
                choices: choices, doc: doc, property: property)
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
