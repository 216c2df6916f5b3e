import Foundation

/// A stage type with its contract, erased so the registry can hold stages of any parameter type.
public struct StageDescriptor: Sendable {
    /// Dotted id.
    public let id: String
    /// Output-format version.
    public let version: Int
    /// One-line summary.
    public let summary: String
    /// Input ports.
    public let inputs: [StagePort]
    /// Output ports.
    public let outputs: [StagePort]
    /// Parameter schema.
    public let fields: [ParameterField]
    private let execute: @Sendable (StageContext, ConfigValue) throws -> Void

    /// Describes a concrete stage type.
    public init<S: Stage>(_ stage: S.Type) {
        id = S.id
        version = S.version
        summary = S.summary
        inputs = S.inputs
        outputs = S.outputs
        fields = S.Parameters.fields
        execute = { context, parameters in
            let data = Data(parameters.canonicalJSON.utf8)
            let decoded: S.Parameters
            do {
                decoded = try JSONDecoder().decode(S.Parameters.self, from: data)
            } catch {
                throw StageContractError(stage: S.id, message: "parameters do not decode into \(S.Parameters.self): \(error)")
            }
            try S().run(context, decoded)
        }
    }

    /// The input port called `name`.
    public func input(_ name: String) -> StagePort? { inputs.first { $0.name == name } }
    /// The output port called `name`.
    public func output(_ name: String) -> StagePort? { outputs.first { $0.name == name } }
    /// The parameter field called `name` (dotted).
    public func field(_ name: String) -> ParameterField? { fields.first { $0.name == name } }

    /// The defaults of every field as a nested object (dotted names become nested objects).
    public var defaultParameters: ConfigValue {
        var flat: [String: ConfigValue] = [:]
        for field in fields { flat[field.name] = field.defaultValue }
        return Self.nest(flat)
    }

    /// Turns `{"a.b": 1, "c": 2}` into `{"a": {"b": 1}, "c": 2}`.
    public static func nest(_ flat: [String: ConfigValue]) -> ConfigValue {
        var root: [String: ConfigValue] = [:]
        for (name, value) in flat { insert(value, path: name.split(separator: ".").map(String.init)[...], into: &root) }
        return .object(root)
    }

    private static func insert(_ value: ConfigValue, path: ArraySlice<String>, into object: inout [String: ConfigValue]) {
        guard let head = path.first else { return }
        if path.count == 1 {
            object[head] = value
            return
        }
        var child: [String: ConfigValue] = [:]
        if case .object(let existing) = object[head] { child = existing }
        insert(value, path: path.dropFirst(), into: &child)
        object[head] = .object(child)
    }

    /// Runs the stage with fully resolved parameters (defaults already applied).
    public func run(_ context: StageContext, parameters: ConfigValue) throws {
        try execute(context, parameters)
    }
}

/// A stage broke its own contract (e.g. its parameter schema and struct disagree) — a bug in the stage.
public struct StageContractError: Error, CustomStringConvertible {
    /// The stage id.
    public var stage: String
    /// What is inconsistent.
    public var message: String
    /// Names the stage and asks for a bug report.
    public var description: String { "stage \(stage): \(message) (this is a bug in the stage; please report it)" }
}
