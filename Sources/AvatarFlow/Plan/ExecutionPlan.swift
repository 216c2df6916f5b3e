import Foundation

/// A validated pipeline: every stage resolved against the registry, parameters complete and
/// checked, stages in a topological order. Only a plan can be run.
public struct ExecutionPlan: Sendable {
    /// One stage ready to run.
    public struct PlannedStage: Sendable {
        /// The stage's name in the pipeline.
        public var name: String
        /// The stage type.
        public var descriptor: StageDescriptor
        /// Complete parameters (defaults + `with:`), nested, normalised (integers where integers are declared).
        public var parameters: ConfigValue
        /// Input port → producer.
        public var inputs: [String: ArtifactReference]
        /// Names of the stages this one reads from.
        public var dependencies: [String]
        /// Cluster resources: the stage's defaults with the pipeline's `resources:` applied.
        public var resources: StageResources = StageResources()
        /// Where the stage is declared.
        public var location: SourceLocation
    }

    /// The resolved pipeline.
    public var spec: PipelineSpec
    /// Stages in a topological order (file order among independent stages).
    public var stages: [PlannedStage]
    /// Warnings found while planning (errors never reach a plan).
    public var warnings: [Diagnostic]

    /// The stage called `name`.
    public func stage(_ name: String) -> PlannedStage? { stages.first { $0.name == name } }

    /// `name` and every stage that reads from it, directly or not.
    public func descendants(of name: String) -> Set<String> {
        var result: Set<String> = [name]
        for stage in stages where stage.dependencies.contains(where: result.contains) { result.insert(stage.name) }
        return result
    }

    /// `name` and every stage it reads from, directly or not.
    public func ancestors(of name: String) -> Set<String> {
        var result: Set<String> = [name]
        for stage in stages.reversed() where result.contains(stage.name) { result.formUnion(stage.dependencies) }
        return result
    }
}
