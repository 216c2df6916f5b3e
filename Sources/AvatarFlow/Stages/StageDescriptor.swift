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
    /// Default cluster resources of one execution.
    public let resources: StageResources
    /// Stored properties of the stage's `Parameters` that are not declared with `@Param` (a bug in
    /// the stage: pipelines cannot set them); empty for a well-formed stage.
    public let undeclaredParameterProperties: [String]
    private let decode: @Sendable (ConfigValue) throws -> any StageParameters
    private let execute: @Sendable (StageContext, any StageParameters) throws -> Void

    /// Describes a concrete stage type.
    public init<S: Stage>(_ stage: S.Type) {
        id = S.id
        version = S.version
        summary = S.summary
        inputs = S.inputs
        outputs = S.outputs
        resources = S.resources
        let fields = S.Parameters.fields
        self.fields = fields
        undeclaredParameterProperties = ParameterSchema.undeclaredProperties(of: S.Parameters.self)
        decode = { parameters in
            let data = Data(ParameterSchema.propertyKeyed(parameters, fields: fields).canonicalJSON.utf8)
            do {
                return try JSONDecoder().decode(S.Parameters.self, from: data)
            } catch {
                throw StageContractError(stage: S.id, message: "parameters do not decode into \(S.Parameters.self): \(error)")
            }
        }
        execute = { context, parameters in
            guard let typed = parameters as? S.Parameters else {
                throw StageContractError(stage: S.id, message: "was handed \(type(of: parameters)) instead of \(S.Parameters.self)")
            }
            try S().run(context, typed)
        }
    }

    /// The input port called `name`.
    public func input(_ name: String) -> StagePort? { inputs.first { $0.name == name } }
    /// The output port called `name`.
    public func output(_ name: String) -> StagePort? { outputs.first { $0.name == name } }
    /// The parameter field called `name` (dotted).
    public func field(_ name: String) -> ParameterField? { fields.first { $0.name == name } }

    /// The default of every field by dotted name.
    public var flatDefaults: [String: ConfigValue] {
        Dictionary(uniqueKeysWithValues: fields.map { ($0.name, $0.defaultValue) })
    }

    /// The defaults of every field as a nested object (dotted names become nested objects).
    public var defaultParameters: ConfigValue { Self.nest(flatDefaults) }

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
        try execute(context, try decode(parameters))
    }

    /// Decodes resolved parameters into the stage's `Parameters` and reads every field back by its
    /// pipeline name: what the stage will see. Throws `StageContractError` if they do not decode.
    public func decodedValues(_ parameters: ConfigValue) throws -> [String: ConfigValue] {
        let values = ParameterSchema.values(of: try decode(parameters))
        return Dictionary(uniqueKeysWithValues: fields.compactMap { field in values[field.property].map { (field.name, $0) } })
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
