import Foundation

/// What `avatarflow explain` says about one stage: reused from the cache, or run and why.
public struct StageExplanation: Sendable, Equatable, CustomStringConvertible {
    /// The decision.
    public enum Decision: Sendable, Equatable {
        /// A committed result with the same key exists.
        case cached(key: String)
        /// The stage will execute; the reasons say why.
        case willRun([String])
    }

    /// The stage's name in the pipeline.
    public var stage: String
    /// The decision.
    public var decision: Decision

    /// `name: cached (key …)` or `name: will run because …`.
    public var description: String {
        switch decision {
        case .cached(let key): return "\(stage): cached (key \(key.prefix(12)))"
        case .willRun(let reasons): return "\(stage): will run because " + reasons.joined(separator: "; ")
        }
    }
}

/// Predicts, without running anything, which stages a run would reuse and why the others run.
///
/// It computes each stage's cache key the way the runner does; where a stage's key differs from the
/// last committed result of the same pipeline stage, it names the differences: version, each
/// changed parameter (old → new) and each changed input.
public struct PipelineExplainer: Sendable {
    /// The cache to look in.
    public var store: ArtifactStore

    /// Creates an explainer.
    public init(store: ArtifactStore) { self.store = store }

    /// One explanation per stage, in execution order.
    public func explain(_ plan: ExecutionPlan, options: RunOptions) throws -> [StageExplanation] {
        var selected = Set(plan.stages.map(\.name))
        if let until = options.until { selected = plan.ancestors(of: until) }
        var forced: Set<String> = options.force ? selected : []
        if let from = options.from { forced.formUnion(plan.descendants(of: from)) }
        var external: [String: String] = [:]
        for input in plan.spec.inputs {
            if let path = input.path { external[input.name] = try store.digestOfExternalInput(path) }
        }
        var records: [String: StageRecord] = [:]
        var result: [StageExplanation] = []
        for stage in plan.stages where selected.contains(stage.name) {
            var digests: [String: String] = [:]
            var upstream: [String] = []
            for (port, reference) in stage.inputs.sorted(by: { $0.key < $1.key }) {
                switch reference {
                case .pipelineInput(let name): digests[port] = external[name]
                case .stageOutput(let producer, let output):
                    if let record = records[producer] { digests[port] = record.outputs[output]?.digest } else { upstream.append(producer) }
                }
            }
            if forced.contains(stage.name) {
                result.append(.init(stage: stage.name, decision: .willRun([options.force ? "--force" : "--from \(options.from ?? "")"])))
                continue
            }
            if !upstream.isEmpty {
                let names = Array(Set(upstream)).sorted().map { "'\($0)'" }.joined(separator: ", ")
                result.append(.init(stage: stage.name, decision: .willRun(["upstream \(names) will run, so its input will be new"])))
                continue
            }
            let key = CacheKey(
                stageID: stage.descriptor.id, version: stage.descriptor.version, parameters: stage.parameters,
                inputDigests: digests)
            if let record = store.record(for: key.value) {
                records[stage.name] = record
                result.append(.init(stage: stage.name, decision: .cached(key: key.value)))
            } else {
                result.append(.init(stage: stage.name, decision: .willRun(reasons(stage, digests: digests, plan: plan))))
            }
        }
        return result
    }

    private func reasons(_ stage: ExecutionPlan.PlannedStage, digests: [String: String], plan: ExecutionPlan) -> [String] {
        guard let last = store.lastRecord(pipeline: plan.spec.name, stage: stage.name) else {
            return ["no result of this stage is cached yet"]
        }
        var reasons: [String] = []
        if last.stageID != stage.descriptor.id {
            reasons.append("it now uses \(stage.descriptor.id) instead of \(last.stageID)")
        } else if last.version != stage.descriptor.version {
            reasons.append("\(stage.descriptor.id) changed from version \(last.version) to \(stage.descriptor.version)")
        }
        let old = Self.flatten(last.parameters), new = Self.flatten(stage.parameters)
        for name in Set(old.keys).union(new.keys).sorted() where !Self.same(old[name], new[name]) {
            reasons.append("parameter \(name) changed: \(old[name]?.description ?? "unset") → \(new[name]?.description ?? "unset")")
        }
        for port in Set(last.inputs.keys).union(digests.keys).sorted() where last.inputs[port] != digests[port] {
            reasons.append("input '\(port)' changed (digest \(last.inputs[port]?.prefix(8) ?? "none") → \(digests[port]?.prefix(8) ?? "none"))")
        }
        if reasons.isEmpty { reasons.append("its previous result is no longer in the cache") }
        return reasons
    }

    /// Equal values, counting 3 and 3.0 as equal (stored records lose the distinction).
    static func same(_ a: ConfigValue?, _ b: ConfigValue?) -> Bool {
        if let x = a?.numberValue, let y = b?.numberValue { return x == y }
        return a == b
    }

    static func flatten(_ value: ConfigValue, prefix: String = "") -> [String: ConfigValue] {
        guard case .object(let fields) = value else { return [prefix: value] }
        var result: [String: ConfigValue] = [:]
        for (key, child) in fields { result.merge(flatten(child, prefix: prefix.isEmpty ? key : "\(prefix).\(key)")) { $1 } }
        return result
    }
}
