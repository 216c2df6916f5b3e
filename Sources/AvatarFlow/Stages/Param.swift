import Foundation

/// Declares one stage parameter in one place: the property's type, its default (the initial value),
/// an optional range, and the doc line. Its pipeline name is the property name in `snake_case`
/// (`positionLR` → `position_lr`, `exportPLYFrames` → `export_ply_frames`) unless `name:` gives one.
///
/// ```swift
/// public struct Parameters: StageParameters {
///     @Param("Optimisation steps (paper: 600000).", range: 1...10_000_000) public var iterations = 2000
///     @Param("Perceptual term of eq. 8.") public var perceptual: PerceptualLoss = .dssim
///     public init() {}
/// }
/// ```
/// The schema (`StageParameters.fields`), the defaults, validation, decoding, `avatarflow stages`
/// and the resolved pipeline all come from these declarations.
@propertyWrapper
public struct Param<Value: ParameterValue>: Sendable {
    /// The value: the declared default, or what the pipeline set.
    public var wrappedValue: Value
    /// Everything about the parameter but its value; `nil` on a decoded instance, whose schema comes
    /// from a default-constructed one.
    let declaration: ParameterDeclaration?

    /// A parameter of any value type, without a range.
    public init(wrappedValue: Value, _ doc: String, name: String? = nil) {
        self.wrappedValue = wrappedValue
        declaration = ParameterDeclaration(
            name: name, kind: Value.kind, defaultValue: wrappedValue.configValue,
            choices: Value.choices, doc: doc)
    }

    /// A number, or a list of numbers, each within `range` (inclusive).
    public init(wrappedValue: Value, _ doc: String, name: String? = nil, range: ClosedRange<Value.Bound>) where Value: BoundedParameterValue {
        self.wrappedValue = wrappedValue
        declaration = ParameterDeclaration(
            name: name, kind: Value.kind, defaultValue: wrappedValue.configValue,
            minimum: Value.number(range.lowerBound), maximum: Value.number(range.upperBound),
            choices: Value.choices, doc: doc)
    }

    /// A file or directory path; relative paths resolve against the pipeline file's directory
    /// (`StageContext.resolvePath`).
    public init(wrappedValue: Value, path doc: String, name: String? = nil) where Value == String {
        self.wrappedValue = wrappedValue
        declaration = ParameterDeclaration(name: name, kind: .path, defaultValue: .string(wrappedValue), doc: doc)
    }
}

extension Param: Codable {
    /// Decodes the bare value (the schema lives in the default-constructed instance).
    public init(from decoder: any Decoder) throws {
        wrappedValue = try decoder.singleValueContainer().decode(Value.self)
        declaration = nil
    }

    /// Encodes the bare value.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue)
    }
}

/// What a `@Param` declares besides its value; read by `ParameterSchema` through reflection.
struct ParameterDeclaration: Sendable {
    var name: String?
    var kind: ParameterField.Kind
    var defaultValue: ConfigValue
    var minimum: Double?
    var maximum: Double?
    var choices: [String] = []
    var doc: String
}

/// A type a `@Param` can hold: its kind in the schema and its value as configuration.
public protocol ParameterValue: Codable, Sendable {
    /// The schema kind (`int`, `choice`, `stringList`, …).
    static var kind: ParameterField.Kind { get }
    /// The allowed values of a choice; empty for every other kind.
    static var choices: [String] { get }
    /// The value as it appears in a resolved pipeline.
    var configValue: ConfigValue { get }
}

extension ParameterValue {
    /// No fixed set of values.
    public static var choices: [String] { [] }
}

/// A number, or a list of numbers, that a `@Param` may bound with an inclusive range.
public protocol BoundedParameterValue: ParameterValue {
    /// The type of the range's ends (the element type for lists).
    associatedtype Bound: Comparable
    /// A range end as the schema stores it.
    static func number(_ bound: Bound) -> Double
}

/// A value that may also be a list parameter's element.
public protocol ParameterListElement: ParameterValue {
    /// The schema kind of a list of this type.
    static var listKind: ParameterField.Kind { get }
}

/// A closed set of named options. Declare the options as a `String` enum; the raw values are what
/// pipelines write, and anything else is a validation error with a did-you-mean.
///
/// ```swift
/// public enum PerceptualLoss: String, ParameterChoice { case dssim, vgg, none }
/// ```
public protocol ParameterChoice: ParameterListElement, RawRepresentable, CaseIterable where RawValue == String {}

extension ParameterChoice {
    /// `.choice`.
    public static var kind: ParameterField.Kind { .choice }
    /// `.choiceList`: a list whose every element is one of the choices.
    public static var listKind: ParameterField.Kind { .choiceList }
    /// Every case's raw value, in declaration order.
    public static var choices: [String] { allCases.map(\.rawValue) }
    /// The raw value.
    public var configValue: ConfigValue { .string(rawValue) }
}

extension Int: BoundedParameterValue, ParameterListElement {
    public static var kind: ParameterField.Kind { .int }
    public static var listKind: ParameterField.Kind { .intList }
    public var configValue: ConfigValue { .int(self) }
    public static func number(_ bound: Int) -> Double { Double(bound) }
}

extension Double: BoundedParameterValue, ParameterListElement {
    public static var kind: ParameterField.Kind { .double }
    public static var listKind: ParameterField.Kind { .doubleList }
    public var configValue: ConfigValue { .double(self) }
    public static func number(_ bound: Double) -> Double { bound }
}

extension Bool: ParameterValue {
    public static var kind: ParameterField.Kind { .bool }
    public var configValue: ConfigValue { .bool(self) }
}

extension String: ParameterListElement {
    public static var kind: ParameterField.Kind { .string }
    public static var listKind: ParameterField.Kind { .stringList }
    public var configValue: ConfigValue { .string(self) }
}

extension Array: ParameterValue where Element: ParameterListElement {
    public static var kind: ParameterField.Kind { Element.listKind }
    public static var choices: [String] { Element.choices }
    public var configValue: ConfigValue { .list(map(\.configValue)) }
}

extension Array: BoundedParameterValue where Element: BoundedParameterValue & ParameterListElement {
    public typealias Bound = Element.Bound
    public static func number(_ bound: Element.Bound) -> Double { Element.number(bound) }
}

/// A set of parameters: a stage's whole `Parameters`, or a nested group written `group: {key: value}`
/// in a pipeline and `group.key` in overrides. Every stored property is a `@Param` or another group;
/// `init()` gives every default.
public protocol ParameterGroup: Codable, Sendable {
    /// Every parameter at its default.
    init()
}

/// A parameter group whose fields keep their own pipeline names when nested in another group
/// (no `label.` prefix): a stage that extends another stage's parameters embeds them as one
/// property, e.g. `gaussians.eavatar` embeds `gaussians.dynamic`'s, and pipelines set
/// `iterations`, not `base.iterations`. Names must not collide with the embedding group's own.
public protocol InlinedParameterGroup: ParameterGroup {}

/// Reads a parameter group's schema from its declarations.
enum ParameterSchema {
    /// The fields of `Group`, in declaration order, with dotted names for nested groups.
    static func fields<Group: ParameterGroup>(of group: Group.Type) -> [ParameterField] {
        var fields: [ParameterField] = []
        collect(Group(), namePrefix: "", propertyPrefix: "", into: &fields)
        return fields
    }

    private static func collect(_ group: any ParameterGroup, namePrefix: String, propertyPrefix: String, into fields: inout [ParameterField]) {
        for child in Mirror(reflecting: group).children {
            guard let label = child.label else { continue }
            if let parameter = child.value as? any DeclaredParameter {
                let property = label.hasPrefix("_") ? String(label.dropFirst()) : label
                guard let declaration = parameter.parameterDeclaration else { continue }
                fields.append(
                    ParameterField(
                        name: namePrefix + (declaration.name ?? snakeCase(property)), kind: declaration.kind,
                        defaultValue: declaration.defaultValue, minimum: declaration.minimum, maximum: declaration.maximum,
                        choices: declaration.choices, doc: declaration.doc, property: propertyPrefix + property))
            } else if let nested = child.value as? any ParameterGroup {
                let prefix = nested is any InlinedParameterGroup ? namePrefix : namePrefix + snakeCase(label) + "."
                collect(nested, namePrefix: prefix, propertyPrefix: propertyPrefix + label + ".", into: &fields)
            }
        }
    }

    /// Stored properties of `Group` (dotted for nested groups) that are neither a `@Param` nor a
    /// group: the schema cannot see them, so a pipeline cannot set them and decoding fails.
    static func undeclaredProperties<Group: ParameterGroup>(of group: Group.Type) -> [String] {
        func walk(_ group: any ParameterGroup, prefix: String) -> [String] {
            Mirror(reflecting: group).children.flatMap { child -> [String] in
                guard let label = child.label else { return [] }
                if child.value is any DeclaredParameter { return [] }
                if let nested = child.value as? any ParameterGroup { return walk(nested, prefix: prefix + label + ".") }
                return [prefix + label]
            }
        }
        return walk(Group(), prefix: "")
    }

    /// `positionLRFinal` → `position_lr_final`: a word starts at an upper-case letter after a
    /// lower-case letter or digit, and at the last capital of an acronym followed by lower case.
    static func snakeCase(_ name: String) -> String {
        let characters = Array(name)
        var result = ""
        for (index, character) in characters.enumerated() {
            if character.isUppercase, index > 0 {
                let previous = characters[index - 1]
                let nextIsLower = index + 1 < characters.count && characters[index + 1].isLowercase
                if previous.isLowercase || previous.isNumber || (previous.isUppercase && nextIsLower) { result.append("_") }
            }
            result.append(contentsOf: character.lowercased())
        }
        return result
    }

    /// The value of every `@Param` in `group` by dotted Swift property path (`scale.factor`).
    static func values(of group: any ParameterGroup, propertyPrefix: String = "") -> [String: ConfigValue] {
        var values: [String: ConfigValue] = [:]
        for child in Mirror(reflecting: group).children {
            guard let label = child.label else { continue }
            if let parameter = child.value as? any DeclaredParameter {
                values[propertyPrefix + (label.hasPrefix("_") ? String(label.dropFirst()) : label)] = parameter.parameterValue
            } else if let nested = child.value as? any ParameterGroup {
                values.merge(Self.values(of: nested, propertyPrefix: propertyPrefix + label + "."), uniquingKeysWith: { $1 })
            }
        }
        return values
    }

    /// Renames a resolved parameter object from pipeline names to Swift property names, so the
    /// group's synthesised `Decodable` reads it.
    static func propertyKeyed(_ resolved: ConfigValue, fields: [ParameterField]) -> ConfigValue {
        var flat: [String: ConfigValue] = [:]
        for field in fields {
            if let value = resolved.value(atDottedPath: field.name) { flat[field.property] = value }
        }
        return StageDescriptor.nest(flat)
    }
}

/// Lets reflection find `@Param` storage whatever its value type.
protocol DeclaredParameter {
    var parameterDeclaration: ParameterDeclaration? { get }
    var parameterValue: ConfigValue { get }
}

extension Param: DeclaredParameter {
    var parameterDeclaration: ParameterDeclaration? { declaration }
    var parameterValue: ConfigValue { wrappedValue.configValue }
}

extension ConfigValue {
    /// The value at `a.b.c` inside nested objects, if present.
    public func value(atDottedPath path: String) -> ConfigValue? {
        var current = self
        for component in path.split(separator: ".") {
            guard case .object(let object) = current, let next = object[String(component)] else { return nil }
            current = next
        }
        return current
    }
}
