import Foundation

/// Bounds on what a pipeline file may ask of the tool, so that a small hostile or mistaken file
/// cannot exhaust memory or time (a YAML alias bomb, a matrix of millions of points). Each
/// limit is named in the error that enforces it and can be raised with an environment variable,
/// `AVATARFLOW_LIMIT_<NAME>` (e.g. `AVATARFLOW_LIMIT_MATRIX_POINTS=5000`).
public struct InputLimits: Sendable, Equatable {
    /// Size of one pipeline file in bytes (`PIPELINE_BYTES`, default 1 MiB).
    public var pipelineBytes = 1 << 20
    /// YAML nodes of one file after aliases are expanded (`YAML_NODES`, default 200 000).
    public var yamlNodes = 200_000
    /// Nesting depth of YAML collections (`YAML_DEPTH`, default 64).
    public var yamlDepth = 64
    /// Points of a `matrix:` sweep, counted before expanding (`MATRIX_POINTS`, default 1 000).
    public var matrixPoints = 1_000
    /// Stages of one pipeline (`STAGES`, default 10 000).
    public var stages = 10_000

    /// The defaults.
    public init() {}

    /// The defaults with any `AVATARFLOW_LIMIT_*` variable of the process applied.
    public static var current: InputLimits { InputLimits(environment: ProcessInfo.processInfo.environment) }

    /// The defaults with the `AVATARFLOW_LIMIT_*` entries of `environment` applied (invalid ones ignored).
    public init(environment: [String: String]) {
        func value(_ name: String, _ fallback: Int) -> Int {
            environment["AVATARFLOW_LIMIT_\(name)"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil } ?? fallback
        }
        pipelineBytes = value("PIPELINE_BYTES", pipelineBytes)
        yamlNodes = value("YAML_NODES", yamlNodes)
        yamlDepth = value("YAML_DEPTH", yamlDepth)
        matrixPoints = value("MATRIX_POINTS", matrixPoints)
        stages = value("STAGES", stages)
    }

    /// "… (limit N; raise it with AVATARFLOW_LIMIT_NAME=…)": the tail of every limit error.
    static func raise(_ name: String, _ limit: Int) -> String {
        "the limit is \(limit); if the file is meant to be this large, raise it with AVATARFLOW_LIMIT_\(name)=<number>"
    }
}
