import Foundation

/// Where an input port's artifact comes from: a pipeline input (`$capture`) or a stage output (`decode.frames`).
public enum ArtifactReference: Sendable, Hashable, CustomStringConvertible {
    /// A pipeline-level input, supplied with `--input name=path`.
    case pipelineInput(String)
    /// Another stage's output port.
    case stageOutput(stage: String, port: String)

    /// Parses `$name` or `stage.port`; nil for anything else.
    public init?(parsing text: String) {
        if text.hasPrefix("$"), !text.hasPrefix("${") {
            let name = String(text.dropFirst())
            guard !name.isEmpty else { return nil }
            self = .pipelineInput(name)
            return
        }
        let parts = text.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        self = .stageOutput(stage: parts[0], port: parts[1])
    }

    /// `$name` or `stage.port`.
    public var description: String {
        switch self {
        case .pipelineInput(let name): return "$\(name)"
        case .stageOutput(let stage, let port): return "\(stage).\(port)"
        }
    }
}

/// A pipeline file after `extends:`, overrides and `${param}` substitution, before validation
/// against the stage registry.
public struct PipelineSpec: Sendable {
    /// A declared pipeline input (`inputs: {capture: {type: Capture}}`).
    public struct Input: Sendable, Hashable {
        /// The input's name (referenced as `$name`).
        public var name: String
        /// The declared artifact type.
        public var type: ArtifactType
        /// The path given with `--input` or the file's `default:`, if any (absolute).
        public var path: URL?
        /// Where it is declared.
        public var location: SourceLocation
    }

    /// One input port binding of a stage.
    public struct Binding: Sendable, Hashable {
        /// The consuming stage's port.
        public var port: String
        /// The producer.
        public var source: ArtifactReference
        /// Where the binding is written (the port key).
        public var location: SourceLocation
        /// Where the reference value is written.
        public var sourceLocation: SourceLocation
    }

    /// One stage of the pipeline.
    public struct StageEntry: Sendable, Hashable {
        /// The stage's name in this pipeline.
        public var name: String
        /// The stage id it uses.
        public var use: String
        /// Where `use:` is written (or the stage name when `use:` is missing).
        public var useLocation: SourceLocation
        /// Input bindings.
        public var bindings: [Binding]
        /// The `with:` mapping (parameters), possibly empty.
        public var with: [ConfigNode.Entry]
        /// Where the stage's name is written.
        public var location: SourceLocation
        /// The `resources:` mapping (cluster request overrides), if any.
        public var resources: ConfigNode? = nil
    }

    /// A declared pipeline output.
    public struct Output: Sendable, Hashable {
        /// The output's name (a link under `runs/<run>/outputs/`).
        public var name: String
        /// The stage output it names.
        public var source: ArtifactReference
        /// Where it is written.
        public var location: SourceLocation
    }

    /// One axis of a `matrix:` sweep.
    public struct MatrixAxis: Sendable, Hashable {
        /// The override path (`iterations` or `train.iterations`).
        public var key: String
        /// The values to sweep.
        public var values: [ConfigNode]
        /// Where the axis is written.
        public var location: SourceLocation
    }

    /// The pipeline's name.
    public var name: String
    /// One-line summary.
    public var summary: String
    /// The file the user named.
    public var file: URL
    /// Parameters after overrides.
    public var params: [ConfigNode.Entry]
    /// Declared inputs.
    public var inputs: [Input]
    /// Stages in file order.
    public var stages: [StageEntry]
    /// Declared outputs.
    public var outputs: [Output]
    /// Matrix axes (empty when the file declares no sweep).
    public var matrix: [MatrixAxis]
    /// The whole resolved tree, written to `runs/<run>/pipeline.yaml`.
    public var resolved: ConfigNode

    /// The directory holding the pipeline file (relative paths resolve against it).
    public var directory: URL { file.deletingLastPathComponent() }

    /// The stage called `name`.
    public func stage(_ name: String) -> StageEntry? { stages.first { $0.name == name } }
}
