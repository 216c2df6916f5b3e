import ArgumentParser
import AvatarFlow
import Foundation

/// Options shared by every command that reads a pipeline file.
struct PipelineOptions: ParsableArguments {
    @Argument(help: "The pipeline file (YAML).", completion: .file(extensions: ["yaml", "yml"]))
    var file: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a value: PARAM=VALUE or STAGE.PARAMETER=VALUE (repeatable).", valueName: "key=value"))
    var overrides: [String] = []

    @Option(name: .customLong("input"), help: ArgumentHelp("Path of a pipeline input: NAME=PATH (repeatable).", valueName: "name=path"))
    var inputs: [String] = []

    @Option(name: .customLong("cache"), help: "Cache directory (default: $AVATARFLOW_CACHE or .avatarflow/cache).")
    var cache: String?

    /// The pipeline file as a URL.
    var fileURL: URL { URL(fileURLWithPath: file).standardizedFileURL }

    /// Parsed `--set` overrides, located at their argument position.
    func parsedOverrides(extra: [Override] = []) throws -> [Override] {
        try overrides.enumerated().map { try Override(parsing: $1, location: .commandLine(argument: $0 + 1)) } + extra
    }

    /// Parsed `--input` paths (relative to the current directory).
    func parsedInputs() throws -> [String: URL] {
        var result: [String: URL] = [:]
        for (index, text) in inputs.enumerated() {
            guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
                throw PipelineValidationError([
                    .error(
                        .unknownInput, at: .commandLine(argument: index + 1),
                        "--input '\(text)' must be NAME=PATH", hint: "e.g. --input capture=data/subject1")
                ])
            }
            result[String(text[..<equals])] = URL(fileURLWithPath: String(text[text.index(after: equals)...])).standardizedFileURL
        }
        return result
    }

    /// Loads the pipeline with the command-line overrides plus `extra` (a matrix point).
    func load(extra: [Override] = []) throws -> PipelineSpec {
        try PipelineLoader(overrides: try parsedOverrides(extra: extra), inputPaths: try parsedInputs()).load(fileURL)
    }

    /// The cache directory URL.
    var cacheURL: URL {
        URL(fileURLWithPath: cache ?? ProcessInfo.processInfo.environment["AVATARFLOW_CACHE"] ?? ".avatarflow/cache")
    }
}

/// Prints an error for people and exits with status 1 (2 for usage errors is ArgumentParser's).
func fail(_ error: any Error) -> ExitCode {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    return ExitCode(1)
}
