import Foundation

/// A pluggable step of a pipeline: declares its contract up front and runs synchronously.
///
/// The engine validates pipelines against `id`, `inputs`, `outputs` and the `@Param` declarations
/// before anything runs, then calls `run` on a dedicated thread with input artifact directories
/// and empty output directories (see `StageContext`). Bump `version` whenever the outputs change
/// for the same inputs and parameters: it is part of the cache key.
public protocol Stage: Sendable {
    /// The parameter struct, decoded from the pipeline's `with:` plus defaults.
    associatedtype Parameters: StageParameters

    /// Dotted id used in pipelines (`use: video.decode`).
    static var id: String { get }
    /// Output-format version; part of the cache key.
    static var version: Int { get }
    /// One line saying what the stage does.
    static var summary: String { get }
    /// Typed input ports.
    static var inputs: [StagePort] { get }
    /// Typed output ports; each becomes one committed artifact directory.
    static var outputs: [StagePort] { get }
    /// What one execution needs on a cluster node (the Slurm executor's job request); a pipeline
    /// overrides it per stage under `resources:`. Defaults to `StageResources()`.
    static var resources: StageResources { get }

    /// Creates the stage (stages hold no state between runs).
    init()

    /// Reads `context.input(…)`, writes every `context.output(…)`; throws a typed error on bad input.
    func run(_ context: StageContext, _ parameters: Parameters) throws
}

extension Stage {
    /// 1 core, 2 GiB, one hour, no GPU: enough for the small stages.
    public static var resources: StageResources { StageResources() }
}

/// A stage's parameters: a `ParameterGroup` whose stored properties are `@Param` declarations (and
/// nested groups). The schema is read from those declarations; nothing else lists the parameters.
public protocol StageParameters: ParameterGroup {}

extension ParameterGroup {
    /// Every field with its default, range and doc line, in declaration order; nested groups give
    /// dotted names.
    public static var fields: [ParameterField] { ParameterSchema.fields(of: Self.self) }
}

/// Parameters of a stage that takes none.
public struct NoParameters: StageParameters {
    /// No parameters.
    public init() {}
}
