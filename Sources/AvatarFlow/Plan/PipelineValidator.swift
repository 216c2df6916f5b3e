import Foundation

/// Checks a `PipelineSpec` against the stage registry and turns it into an `ExecutionPlan`,
/// reporting every problem at once: unknown stages and ports, type mismatches, missing inputs,
/// cycles, unknown or out-of-range parameters.
public struct PipelineValidator: Sendable {
    /// The stages pipelines may use.
    public var registry: StageRegistry
    /// When true, every pipeline input must have a path that exists (running); `validate` sets it false.
    public var requireInputPaths: Bool

    /// Creates a validator.
    public init(registry: StageRegistry, requireInputPaths: Bool = true) {
        self.registry = registry
        self.requireInputPaths = requireInputPaths
    }

    /// Validates `spec`; throws `PipelineValidationError` with every problem found.
    public func plan(_ spec: PipelineSpec) throws -> ExecutionPlan {
        var diagnostics: [Diagnostic] = []
        var planned: [ExecutionPlan.PlannedStage] = []
        let stageNames = spec.stages.map(\.name)
        // Looked up per binding: a dictionary keeps validation linear in the stage count.
        let stagesByName = Dictionary(spec.stages.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let inputsByName = Dictionary(spec.inputs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

        for stage in spec.stages {
            if stage.name.contains(".") || stage.name.contains("$") || stage.name.isEmpty {
                diagnostics.append(
                    .error(
                        .schema, at: stage.location, "stage name '\(stage.name)' may not contain '.' or '$'",
                        hint: "use letters, digits, '-' and '_'"))
            }
            guard let descriptor = registry[stage.use] else {
                if !stage.use.isEmpty {
                    diagnostics.append(
                        .error(
                            .unknownStage, at: stage.useLocation, "unknown stage '\(stage.use)'",
                            hint: Suggestions.hint(for: stage.use, in: registry.ids, noun: "stage") + " (`avatarflow stages` lists them)"))
                }
                continue
            }
            var inputs: [String: ArtifactReference] = [:]
            var dependencies: [String] = []
            for binding in stage.bindings {
                guard let port = descriptor.input(binding.port) else {
                    diagnostics.append(
                        .error(
                            .unknownPort, at: binding.location, "stage '\(stage.name)' (\(descriptor.id)) has no input port '\(binding.port)'",
                            hint: Suggestions.hint(for: binding.port, in: descriptor.inputs.map(\.name), noun: "input port")))
                    continue
                }
                inputs[binding.port] = binding.source
                switch binding.source {
                case .pipelineInput(let name):
                    guard let input = inputsByName[name] else {
                        diagnostics.append(
                            .error(
                                .unknownInput, at: binding.sourceLocation, "'$\(name)' is not a declared pipeline input",
                                hint: Suggestions.hint(for: name, in: Array(inputsByName.keys), noun: "input")
                                    + " (declare it under `inputs:`)"))
                        continue
                    }
                    if input.type != port.type {
                        diagnostics.append(
                            .error(
                                .typeMismatch, at: binding.sourceLocation,
                                "type mismatch: input $\(name) is \(input.type) but \(stage.name).\(port.name) expects \(port.type)",
                                hint: "declare `\(name): {type: \(port.type)}` or connect a \(port.type) producer"))
                    }
                case .stageOutput(let producerName, let portName):
                    guard let producer = stagesByName[producerName] else {
                        diagnostics.append(
                            .error(
                                .unresolvedReference, at: binding.sourceLocation, "'\(binding.source)' names no stage '\(producerName)'",
                                hint: Suggestions.hint(for: producerName, in: stageNames, noun: "stage name")))
                        continue
                    }
                    dependencies.append(producerName)
                    guard let producerDescriptor = registry[producer.use] else { continue }
                    guard let output = producerDescriptor.output(portName) else {
                        diagnostics.append(
                            .error(
                                .unknownPort, at: binding.sourceLocation,
                                "stage '\(producerName)' (\(producer.use)) has no output port '\(portName)'",
                                hint: Suggestions.hint(for: portName, in: producerDescriptor.outputs.map(\.name), noun: "output port")))
                        continue
                    }
                    if output.type != port.type {
                        diagnostics.append(
                            .error(
                                .typeMismatch, at: binding.sourceLocation,
                                "type mismatch: \(producerName).\(portName) is \(output.type) but \(stage.name).\(port.name) expects \(port.type)",
                                hint: producers(of: port.type, in: spec).map { "connect a \(port.type) output instead, e.g. \($0)" }
                                    ?? "no stage in this pipeline produces \(port.type)"))
                    }
                }
            }
            for port in descriptor.inputs
            where !port.optional && inputs[port.name] == nil
                && !stage.bindings.contains(where: { $0.port == port.name })
            {
                diagnostics.append(
                    .error(
                        .missingPort, at: stage.location,
                        "stage '\(stage.name)' (\(descriptor.id)) needs input '\(port.name)' (\(port.type)) but it is not connected",
                        hint: producers(of: port.type, in: spec).map { "add `in: {\(port.name): \($0)}`" }
                            ?? "add `in: {\(port.name): <stage>.<port>}` with a \(port.type) producer"))
            }
            let parameters = resolveParameters(stage, descriptor, diagnostics: &diagnostics)
            let resources = descriptor.resources.overridden(by: stage.resources, stage: stage.name, diagnostics: &diagnostics)
            planned.append(
                .init(
                    name: stage.name, descriptor: descriptor, parameters: parameters, inputs: inputs,
                    dependencies: Array(Set(dependencies)).sorted(), resources: resources, location: stage.location))
        }

        for input in spec.inputs {
            if let path = input.path {
                if !FileManager.default.fileExists(atPath: path.path) {
                    diagnostics.append(
                        .error(
                            .unknownInput, at: input.location, "input '\(input.name)': '\(path.path)' does not exist",
                            hint: "pass an existing directory with --input \(input.name)=PATH"))
                }
            } else if requireInputPaths, spec.stages.contains(where: { $0.bindings.contains { $0.source == .pipelineInput(input.name) } }) {
                diagnostics.append(
                    .error(
                        .unknownInput, at: input.location, "input '\(input.name)' (\(input.type)) has no path",
                        hint: "pass --input \(input.name)=PATH or add `default: PATH` to the input"))
            }
        }

        for output in spec.outputs {
            guard case .stageOutput(let stageName, let portName) = output.source else { continue }
            guard let stage = stagesByName[stageName] else {
                diagnostics.append(
                    .error(
                        .unresolvedReference, at: output.location, "output '\(output.name)' names no stage '\(stageName)'",
                        hint: Suggestions.hint(for: stageName, in: stageNames, noun: "stage name")))
                continue
            }
            if let descriptor = registry[stage.use], descriptor.output(portName) == nil {
                diagnostics.append(
                    .error(
                        .unknownPort, at: output.location, "stage '\(stageName)' (\(stage.use)) has no output port '\(portName)'",
                        hint: Suggestions.hint(for: portName, in: descriptor.outputs.map(\.name), noun: "output port")))
            }
        }

        let ordered = topologicalOrder(planned, spec: spec, diagnostics: &diagnostics)
        diagnostics.sort {
            ($0.location?.file ?? "", $0.location?.line ?? 0, $0.location?.column ?? 0)
                < ($1.location?.file ?? "", $1.location?.line ?? 0, $1.location?.column ?? 0)
        }
        if diagnostics.contains(where: { $0.severity == .error }) { throw PipelineValidationError(diagnostics) }
        return ExecutionPlan(spec: spec, stages: ordered, warnings: diagnostics)
    }

    private func producers(of type: ArtifactType, in spec: PipelineSpec) -> String? {
        for stage in spec.stages {
            if let output = registry[stage.use]?.outputs.first(where: { $0.type == type }) { return "\(stage.name).\(output.name)" }
        }
        return spec.inputs.first { $0.type == type }.map { "$\($0.name)" }
    }

    // MARK: Parameters

    private func resolveParameters(
        _ stage: PipelineSpec.StageEntry, _ descriptor: StageDescriptor,
        diagnostics: inout [Diagnostic]
    ) -> ConfigValue {
        var flat = descriptor.flatDefaults
        var given: [(name: String, keyLocation: SourceLocation, value: ConfigNode)] = []
        flatten(stage.with, prefix: "", descriptor: descriptor, into: &given)
        for (name, keyLocation, node) in given {
            guard let field = descriptor.field(name) else {
                diagnostics.append(
                    .error(
                        .unknownParameter, at: keyLocation, "stage '\(stage.name)' (\(descriptor.id)) has no parameter '\(name)'",
                        hint: Suggestions.hint(for: name, in: descriptor.fields.map(\.name), noun: "parameter")))
                continue
            }
            switch field.check(node.value) {
            case .success(let value): flat[name] = value
            case .failure(.wrongType(let expected, let found)):
                diagnostics.append(
                    .error(
                        .parameterType, at: node.location,
                        "\(stage.name).\(name) must be \(expected), got \(found.typeName) '\(found)'",
                        hint: "\(field.doc) Default: \(field.defaultValue)."))
            case .failure(.outOfRange(let value, let allowed)):
                diagnostics.append(
                    .error(
                        .parameterRange, at: node.location, "\(stage.name).\(name) = \(value) is out of range",
                        hint: "allowed: \(allowed). \(field.doc)"))
            case .failure(.notAllowed(let text, let choices)):
                diagnostics.append(
                    .error(
                        .parameterRange, at: node.location, "\(stage.name).\(name) = '\(text)' is not allowed",
                        hint: (Suggestions.closest(to: text, in: choices).map { "did you mean '\($0)'? " } ?? "")
                            + "allowed: \(choices.joined(separator: ", "))"))
            }
        }
        return StageDescriptor.nest(flat)
    }

    /// Flattens nested `with:` mappings into dotted names, stopping at names the schema declares.
    private func flatten(
        _ entries: [ConfigNode.Entry], prefix: String, descriptor: StageDescriptor,
        into result: inout [(name: String, keyLocation: SourceLocation, value: ConfigNode)]
    ) {
        for entry in entries {
            let name = prefix + entry.key
            if descriptor.field(name) == nil, let children = entry.value.entries,
                descriptor.fields.contains(where: { $0.name.hasPrefix(name + ".") })
            {
                flatten(children, prefix: name + ".", descriptor: descriptor, into: &result)
            } else {
                result.append((name, entry.keyLocation, entry.value))
            }
        }
    }

    // MARK: Order and cycles

    private func topologicalOrder(
        _ stages: [ExecutionPlan.PlannedStage], spec: PipelineSpec,
        diagnostics: inout [Diagnostic]
    ) -> [ExecutionPlan.PlannedStage] {
        let known = Set(stages.map(\.name))
        var remaining = Dictionary(uniqueKeysWithValues: stages.map { ($0.name, Set($0.dependencies).intersection(known)) })
        var dependents: [String: [String]] = [:]
        for stage in stages { for dependency in remaining[stage.name]! { dependents[dependency, default: []].append(stage.name) } }
        let position = Dictionary(uniqueKeysWithValues: stages.enumerated().map { ($1.name, $0) })
        var ready = stages.filter { remaining[$0.name]!.isEmpty }.map(\.name)
        var order: [String] = []
        while !ready.isEmpty {
            ready.sort { position[$0]! > position[$1]! }
            let next = ready.removeLast()
            order.append(next)
            for dependent in dependents[next] ?? [] {
                remaining[dependent]!.remove(next)
                if remaining[dependent]!.isEmpty { ready.append(dependent) }
            }
        }
        if order.count < stages.count {
            let stuck = Set(stages.map(\.name)).subtracting(order)
            for cycle in findCycles(among: stuck, edges: remaining) {
                let first = stages.first { $0.name == cycle[0] }!
                diagnostics.append(
                    .error(
                        .cycle, at: first.location, "cycle: " + (cycle + [cycle[0]]).joined(separator: " → "),
                        hint: "a stage cannot depend on its own output; break the loop by removing one of these inputs"))
            }
        }
        let byName = Dictionary(uniqueKeysWithValues: stages.map { ($0.name, $0) })
        return order.map { byName[$0]! }
    }

    /// One cycle per strongly connected knot, each listed in dependency order.
    private func findCycles(among stuck: Set<String>, edges: [String: Set<String>]) -> [[String]] {
        var reported: Set<String> = []
        var cycles: [[String]] = []
        for start in stuck.sorted() where !reported.contains(start) {
            var path: [String] = [start]
            var current = start
            while true {
                guard let next = edges[current]?.intersection(stuck).sorted().first else { break }
                if let index = path.firstIndex(of: next) {
                    let cycle = Array(path[index...])
                    if reported.isDisjoint(with: cycle) { cycles.append(cycle.reversed()) }
                    reported.formUnion(path)
                    break
                }
                path.append(next)
                current = next
            }
            reported.formUnion(path)
        }
        return cycles
    }
}
