import Foundation

/// Reads a pipeline file into a `PipelineSpec`: YAML with locations, `extends:` deep merge,
/// `--set` overrides, `--input` paths and `${param}` substitution. Collects every problem it finds
/// instead of stopping at the first.
public struct PipelineLoader: Sendable {
    /// Command-line overrides, applied after `extends:` merging and before substitution.
    public var overrides: [Override]
    /// Paths for pipeline inputs from `--input name=path`.
    public var inputPaths: [String: URL]

    static let topLevelKeys = ["pipeline", "summary", "abstract", "extends", "params", "inputs", "stages", "outputs", "matrix", "executor"]
    static let stageKeys = ["use", "in", "with", "summary", "resources"]

    /// Creates a loader.
    public init(overrides: [Override] = [], inputPaths: [String: URL] = [:]) {
        self.overrides = overrides
        self.inputPaths = inputPaths
    }

    /// Loads and resolves `file`; throws `PipelineValidationError` listing every problem.
    public func load(_ file: URL) throws -> PipelineSpec {
        var diagnostics: [Diagnostic] = []
        guard var tree = loadWithExtends(file, chain: [], referencedFrom: nil, diagnostics: &diagnostics) else {
            throw PipelineValidationError(diagnostics)
        }
        checkTopLevel(tree, diagnostics: &diagnostics)
        if let abstract = tree.entry("abstract") {
            let display = Self.displayPath(file)
            diagnostics.append(
                .error(
                    .schema, at: abstract.keyLocation,
                    "'\(display)' is a base pipeline, not one to run: \(abstract.value.scalarText ?? "other files extend it")",
                    hint: "run a pipeline that extends it (`extends: \(file.lastPathComponent)`), e.g. one in Pipelines/"))
            throw PipelineValidationError(diagnostics)
        }
        applyOverrides(to: &tree, diagnostics: &diagnostics)
        substituteParameters(in: &tree, diagnostics: &diagnostics)
        let spec = buildSpec(from: tree, file: file, diagnostics: &diagnostics)
        if diagnostics.contains(where: { $0.severity == .error }) { throw PipelineValidationError(diagnostics) }
        return spec
    }

    // MARK: Files and extends

    private func loadWithExtends(
        _ file: URL, chain: [URL], referencedFrom: SourceLocation?,
        diagnostics: inout [Diagnostic]
    ) -> ConfigNode? {
        let display = Self.displayPath(file)
        let limits = InputLimits.current
        let attributes = try? FileManager.default.attributesOfItem(atPath: file.path)
        if let attributes, attributes[.type] as? FileAttributeType != .typeRegular {
            diagnostics.append(
                .error(
                    .schema, at: referencedFrom, "'\(display)' is not a regular file",
                    hint: "a pipeline is a .yaml file, e.g. Pipelines/quickstart.yaml"))
            return nil
        }
        if let size = attributes?[.size] as? Int, size > limits.pipelineBytes {
            diagnostics.append(
                .error(
                    .limit, at: referencedFrom ?? SourceLocation(file: display, line: 1, column: 1),
                    "'\(display)' is \(size) bytes, more than a pipeline file may be", hint: InputLimits.raise("PIPELINE_BYTES", limits.pipelineBytes)))
            return nil
        }
        guard let data = FileManager.default.contents(atPath: file.path), let text = String(data: data, encoding: .utf8) else {
            let exists = FileManager.default.fileExists(atPath: file.path)
            if let referencedFrom {
                diagnostics.append(
                    .error(
                        .missingExtends, at: referencedFrom,
                        "extends '\(display)', which \(exists ? "is not readable UTF-8 text" : "does not exist")",
                        hint: "paths in `extends:` are relative to the file that names them"))
            } else {
                diagnostics.append(
                    .error(
                        .schema, at: nil, "pipeline file '\(display)' \(exists ? "is not readable UTF-8 text" : "does not exist")",
                        hint: "pass the path of a .yaml file, e.g. Pipelines/quickstart.yaml"))
            }
            return nil
        }
        var tree: ConfigNode
        switch ConfigNode.parse(yaml: text, file: display) {
        case .success(let node): tree = node
        case .failure(let diagnostic):
            diagnostics.append(diagnostic)
            return nil
        }
        guard tree.entries != nil else {
            diagnostics.append(.error(.schema, at: tree.location, "a pipeline file must be a mapping (pipeline:, stages:, …)"))
            return nil
        }
        guard let extends = tree.entry("extends") else { return tree }
        tree.set("extends", to: nil, keyLocation: extends.keyLocation)
        guard let basePath = extends.value.scalarText, !extends.value.isNull else {
            diagnostics.append(.error(.schema, at: extends.value.location, "`extends:` must name one pipeline file"))
            return tree
        }
        let baseURL =
            basePath.hasPrefix("/")
            ? URL(fileURLWithPath: basePath)
            : file.deletingLastPathComponent().appendingPathComponent(basePath).standardizedFileURL
        if chain.contains(baseURL) || baseURL == file.standardizedFileURL {
            diagnostics.append(.error(.cycle, at: extends.value.location, "`extends:` chain loops back to '\(basePath)'"))
            return tree
        }
        guard
            var base = loadWithExtends(
                baseURL, chain: chain + [file.standardizedFileURL], referencedFrom: extends.value.location,
                diagnostics: &diagnostics)
        else { return tree }
        // `abstract:` marks a base meant to be extended; it says nothing about the extending file.
        if let abstract = base.entry("abstract") { base.set("abstract", to: nil, keyLocation: abstract.keyLocation) }
        // A stage that switches to another `use:` replaces the base's entry: ports and parameters of
        // the old stage type do not carry over. Otherwise stages merge key by key.
        if var baseStages = base["stages"], let overlayStages = tree["stages"]?.entries {
            for entry in overlayStages {
                if let newUse = entry.value["use"]?.scalarText, let oldUse = baseStages[entry.key]?["use"]?.scalarText, newUse != oldUse {
                    baseStages.set(entry.key, to: nil, keyLocation: entry.keyLocation)
                }
            }
            base.set("stages", to: baseStages, keyLocation: base.entry("stages")!.keyLocation)
        }
        return base.merged(with: tree)
    }

    static func displayPath(_ url: URL) -> String {
        let cwd = FileManager.default.currentDirectoryPath + "/"
        return url.path.hasPrefix(cwd) ? String(url.path.dropFirst(cwd.count)) : url.path
    }

    private func checkTopLevel(_ tree: ConfigNode, diagnostics: inout [Diagnostic]) {
        for entry in tree.entries ?? [] where !Self.topLevelKeys.contains(entry.key) {
            diagnostics.append(
                .error(
                    .schema, at: entry.keyLocation, "unknown top-level key '\(entry.key)'",
                    hint: Suggestions.hint(for: entry.key, in: Self.topLevelKeys, noun: "top-level key")))
        }
        if tree["pipeline"]?.scalarText == nil {
            diagnostics.append(
                .error(
                    .schema, at: tree.location, "the pipeline has no name",
                    hint: "add `pipeline: my-experiment` at the top of the file"))
        }
    }

    // MARK: Overrides

    private func applyOverrides(to tree: inout ConfigNode, diagnostics: inout [Diagnostic]) {
        for override in overrides {
            let head = override.path[0]
            let paramNames = tree["params"]?.entries?.map(\.key) ?? []
            let stageNames = tree["stages"]?.entries?.map(\.key) ?? []
            if override.path.count == 1, paramNames.contains(head) {
                var params = tree["params"]!
                params.set(head, to: override.value, keyLocation: override.location)
                tree.set("params", to: params, keyLocation: override.location)
            } else if stageNames.contains(head), override.path.count >= 2 {
                var stages = tree["stages"]!
                var stage = stages[head]!
                var with = stage["with"] ?? ConfigNode(.mapping([]), at: override.location)
                if with.entries == nil { with = ConfigNode(.mapping([]), at: override.location) }
                Self.setNested(&with, path: override.path.dropFirst(), value: override.value, location: override.location)
                stage.set("with", to: with, keyLocation: override.location)
                stages.set(head, to: stage, keyLocation: override.location)
                tree.set("stages", to: stages, keyLocation: override.location)
            } else {
                let hint =
                    stageNames.contains(head)
                    ? "name a parameter of stage '\(head)': --set \(head).<parameter>=value"
                    : Suggestions.hint(for: head, in: paramNames + stageNames, noun: "parameter or stage name")
                diagnostics.append(
                    .error(
                        .override, at: override.location,
                        "override '\(override.path.joined(separator: "."))' names neither a pipeline parameter nor a stage",
                        hint: hint))
            }
        }
    }

    private static func setNested(_ node: inout ConfigNode, path: ArraySlice<String>, value: ConfigNode, location: SourceLocation) {
        guard let head = path.first else { return }
        if path.count == 1 {
            node.set(head, to: value, keyLocation: location)
            return
        }
        var child = node[head] ?? ConfigNode(.mapping([]), at: location)
        if child.entries == nil { child = ConfigNode(.mapping([]), at: location) }
        setNested(&child, path: path.dropFirst(), value: value, location: location)
        node.set(head, to: child, keyLocation: location)
    }

    // MARK: ${param} substitution

    private func substituteParameters(in tree: inout ConfigNode, diagnostics: inout [Diagnostic]) {
        var params: [String: ConfigNode] = [:]
        for entry in tree["params"]?.entries ?? [] { params[entry.key] = entry.value }
        for key in ["stages", "outputs", "inputs"] {
            guard let entry = tree.entry(key) else { continue }
            tree.set(key, to: substitute(entry.value, params: params, diagnostics: &diagnostics), keyLocation: entry.keyLocation)
        }
    }

    private func substitute(_ node: ConfigNode, params: [String: ConfigNode], diagnostics: inout [Diagnostic]) -> ConfigNode {
        switch node.content {
        case .mapping(let entries):
            var copy = node
            copy.content = .mapping(
                entries.map { entry in
                    var entry = entry
                    entry.value = substitute(entry.value, params: params, diagnostics: &diagnostics)
                    return entry
                })
            return copy
        case .sequence(let items):
            var copy = node
            copy.content = .sequence(items.map { substitute($0, params: params, diagnostics: &diagnostics) })
            return copy
        case .scalar(let text, _):
            guard text.contains("${") else { return node }
            let references = Self.references(in: text)
            if references.count == 1, references[0].range == text.startIndex..<text.endIndex {
                if let value = params[references[0].name] { return value }
            }
            var result = ""
            var cursor = text.startIndex
            var failed = false
            for reference in references {
                result += text[cursor..<reference.range.lowerBound]
                cursor = reference.range.upperBound
                if let value = params[reference.name] {
                    result += value.value.description
                } else {
                    failed = true
                    diagnostics.append(
                        .error(
                            .unresolvedReference, at: node.location,
                            "unresolved '${\(reference.name)}': no such parameter",
                            hint: Suggestions.hint(for: reference.name, in: Array(params.keys), noun: "parameter")
                                + " (declare it under `params:` or pass --set \(reference.name)=…)"))
                }
            }
            result += text[cursor...]
            return failed ? node : .scalar(.string(result), at: node.location)
        }
    }

    private static func references(in text: String) -> [(name: String, range: Range<String.Index>)] {
        var found: [(String, Range<String.Index>)] = []
        var search = text.startIndex
        while let open = text.range(of: "${", range: search..<text.endIndex) {
            guard let close = text.range(of: "}", range: open.upperBound..<text.endIndex) else { break }
            found.append(
                (
                    String(text[open.upperBound..<close.lowerBound]).trimmingCharacters(in: .whitespaces),
                    open.lowerBound..<close.upperBound
                ))
            search = close.upperBound
        }
        return found
    }

    // MARK: Building the spec

    private func buildSpec(from tree: ConfigNode, file: URL, diagnostics: inout [Diagnostic]) -> PipelineSpec {
        let directory = file.deletingLastPathComponent()
        var inputs: [PipelineSpec.Input] = []
        for entry in mapping(tree["inputs"], what: "inputs", diagnostics: &diagnostics) {
            let typeName = entry.value["type"]?.scalarText ?? entry.value.scalarText
            guard let typeName, !(entry.value.isNull) else {
                diagnostics.append(
                    .error(
                        .schema, at: entry.keyLocation, "input '\(entry.key)' has no type",
                        hint: "write `\(entry.key): {type: Capture}`"))
                continue
            }
            var path = inputPaths[entry.key]
            if path == nil, let defaultPath = entry.value["default"]?.scalarText {
                path = defaultPath.hasPrefix("/") ? URL(fileURLWithPath: defaultPath) : directory.appendingPathComponent(defaultPath)
            }
            checkName(entry.key, "input name", at: entry.keyLocation, diagnostics: &diagnostics)
            inputs.append(.init(name: entry.key, type: ArtifactType(typeName), path: path, location: entry.keyLocation))
        }
        for name in inputPaths.keys where !inputs.contains(where: { $0.name == name }) {
            diagnostics.append(
                .error(
                    .unknownInput, at: .commandLine(argument: 0), "--input '\(name)': the pipeline declares no such input",
                    hint: Suggestions.hint(for: name, in: inputs.map(\.name), noun: "input")))
        }

        var stages: [PipelineSpec.StageEntry] = []
        let stageEntries = mapping(tree["stages"], what: "stages", diagnostics: &diagnostics)
        let limits = InputLimits.current
        if stageEntries.count > limits.stages {
            diagnostics.append(
                .error(
                    .limit, at: tree.entry("stages")?.keyLocation, "the pipeline has \(stageEntries.count) stages",
                    hint: InputLimits.raise("STAGES", limits.stages)))
            return PipelineSpec(
                name: "pipeline", summary: "", file: file, params: [], inputs: [], stages: [], outputs: [], matrix: [], resolved: tree)
        }
        for entry in stageEntries {
            checkName(entry.key, "stage name", at: entry.keyLocation, diagnostics: &diagnostics)
            guard entry.value.entries != nil else {
                diagnostics.append(
                    .error(
                        .schema, at: entry.value.location, "stage '\(entry.key)' must be a mapping with `use:`",
                        hint: "write `\(entry.key): {use: video.decode, in: {…}, with: {…}}`"))
                continue
            }
            for key in entry.value.entries! where !Self.stageKeys.contains(key.key) {
                diagnostics.append(
                    .error(
                        .schema, at: key.keyLocation, "stage '\(entry.key)': unknown key '\(key.key)'",
                        hint: Suggestions.hint(for: key.key, in: Self.stageKeys, noun: "stage key")))
            }
            let use = entry.value.entry("use")
            if use?.value.scalarText == nil {
                diagnostics.append(
                    .error(
                        .schema, at: entry.keyLocation, "stage '\(entry.key)' has no `use:`",
                        hint: "name the stage to run, e.g. `use: video.decode` (see `avatarflow stages`)"))
            }
            var bindings: [PipelineSpec.Binding] = []
            for binding in mapping(entry.value["in"], what: "in", diagnostics: &diagnostics) {
                guard let text = binding.value.scalarText, let reference = ArtifactReference(parsing: text) else {
                    diagnostics.append(
                        .error(
                            .schema, at: binding.value.location,
                            "input '\(binding.key)' of stage '\(entry.key)' must be `$input` or `stage.port`",
                            hint: "e.g. `\(binding.key): decode.frames` or `\(binding.key): $capture`"))
                    continue
                }
                bindings.append(
                    .init(
                        port: binding.key, source: reference, location: binding.keyLocation,
                        sourceLocation: binding.value.location))
            }
            stages.append(
                .init(
                    name: entry.key, use: use?.value.scalarText ?? "",
                    useLocation: use?.value.location ?? entry.keyLocation, bindings: bindings,
                    with: mapping(entry.value["with"], what: "with", diagnostics: &diagnostics),
                    location: entry.keyLocation, resources: entry.value["resources"]))
        }

        var outputs: [PipelineSpec.Output] = []
        for entry in mapping(tree["outputs"], what: "outputs", diagnostics: &diagnostics) {
            guard let text = entry.value.scalarText, let reference = ArtifactReference(parsing: text),
                case .stageOutput = reference
            else {
                diagnostics.append(.error(.schema, at: entry.value.location, "output '\(entry.key)' must name `stage.port`"))
                continue
            }
            checkName(entry.key, "output name", at: entry.keyLocation, diagnostics: &diagnostics)
            outputs.append(.init(name: entry.key, source: reference, location: entry.value.location))
        }

        var matrix: [PipelineSpec.MatrixAxis] = []
        for entry in mapping(tree["matrix"], what: "matrix", diagnostics: &diagnostics) {
            guard case .sequence(let values) = entry.value.content, !values.isEmpty else {
                diagnostics.append(
                    .error(
                        .schema, at: entry.value.location, "matrix axis '\(entry.key)' must be a non-empty list",
                        hint: "write `\(entry.key): [1000, 2000]`"))
                continue
            }
            matrix.append(.init(key: entry.key, values: values, location: entry.keyLocation))
        }
        // Counted before anything is expanded: 5 axes of 30 values are 24 million runs.
        var points = 1
        for axis in matrix {
            points = points.multipliedReportingOverflow(by: axis.values.count).overflow ? Int.max : points * axis.values.count
            if points > limits.matrixPoints {
                diagnostics.append(
                    .error(
                        .limit, at: tree.entry("matrix")?.keyLocation,
                        "the matrix has more than \(limits.matrixPoints) points (\(matrix.map { "\($0.values.count)" }.joined(separator: " × ")) values)",
                        hint: InputLimits.raise("MATRIX_POINTS", limits.matrixPoints)))
                matrix = []
                break
            }
        }

        let name = tree["pipeline"]?.scalarText ?? "pipeline"
        if let entry = tree.entry("pipeline"), tree["pipeline"]?.scalarText != nil {
            checkName(name, "pipeline name", at: entry.value.location, diagnostics: &diagnostics)
        }

        return PipelineSpec(
            name: name, summary: tree["summary"]?.scalarText ?? "",
            file: file, params: tree["params"]?.entries ?? [], inputs: inputs, stages: stages,
            outputs: outputs, matrix: matrix, resolved: tree)
    }

    /// Names become directory entries (`runs/<pipeline>-…`, `stages/<stage>/`, `outputs/<output>`):
    /// each must be one safe path component.
    private func checkName(_ name: String, _ what: String, at location: SourceLocation, diagnostics: inout [Diagnostic]) {
        guard let problem = PathComponent.problem(name) else { return }
        diagnostics.append(
            .error(.unsafeName, at: location, "\(what) '\(name)' \(problem); it becomes a file name", hint: PathComponent.rule))
    }

    private func mapping(_ node: ConfigNode?, what: String, diagnostics: inout [Diagnostic]) -> [ConfigNode.Entry] {
        guard let node, !node.isNull else { return [] }
        guard let entries = node.entries else {
            diagnostics.append(.error(.schema, at: node.location, "`\(what):` must be a mapping of name: value"))
            return []
        }
        return entries
    }
}
