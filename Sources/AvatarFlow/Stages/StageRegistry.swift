/// The catalogue of stages a pipeline may `use`, keyed by id.
public struct StageRegistry: Sendable {
    private var byID: [String: StageDescriptor] = [:]

    /// Creates a registry from stage types.
    public init(_ stages: [any Stage.Type] = []) {
        for stage in stages { register(stage) }
    }

    /// Adds a stage type; a later registration of the same id replaces the earlier one.
    public mutating func register(_ stage: any Stage.Type) {
        let descriptor = StageDescriptor(stage)
        byID[descriptor.id] = descriptor
    }

    /// The stage with this id.
    public subscript(id: String) -> StageDescriptor? { byID[id] }

    /// All stages sorted by id.
    public var all: [StageDescriptor] { byID.values.sorted { $0.id < $1.id } }

    /// All ids (for suggestions).
    public var ids: [String] { Array(byID.keys) }
}
