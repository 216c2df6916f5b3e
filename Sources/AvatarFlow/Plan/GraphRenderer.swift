/// Draws a plan's DAG as Graphviz dot or Mermaid, with port names and types on the edges.
public enum GraphRenderer {
    /// The output syntax.
    public enum Format: String, Sendable, CaseIterable { case dot, mermaid }

    /// The graph text in `format`.
    public static func render(_ plan: ExecutionPlan, format: Format) -> String {
        var edges: [(from: String, to: String, label: String)] = []
        for stage in plan.stages {
            for (port, reference) in stage.inputs.sorted(by: { $0.key < $1.key }) {
                let type = stage.descriptor.input(port)?.type.name ?? "?"
                switch reference {
                case .pipelineInput(let name): edges.append(("$" + name, stage.name, "\(port): \(type)"))
                case .stageOutput(let producer, let output): edges.append((producer, stage.name, "\(output) → \(port): \(type)"))
                }
            }
        }
        let inputs = plan.spec.inputs.map { (id: "$" + $0.name, label: "\($0.name)\n(\($0.type))") }
        let stages = plan.stages.map { (id: $0.name, label: "\($0.name)\n\($0.descriptor.id)") }
        switch format {
        case .dot:
            var lines = ["digraph \"\(plan.spec.name)\" {", "  rankdir=LR;", "  node [shape=box, fontname=\"Helvetica\"];"]
            for input in inputs { lines.append("  \(quote(input.id)) [shape=ellipse, label=\(quote(input.label))];") }
            for stage in stages { lines.append("  \(quote(stage.id)) [label=\(quote(stage.label))];") }
            for edge in edges { lines.append("  \(quote(edge.from)) -> \(quote(edge.to)) [label=\(quote(edge.label))];") }
            lines.append("}")
            return lines.joined(separator: "\n") + "\n"
        case .mermaid:
            var lines = ["flowchart LR"]
            let ids = Dictionary(uniqueKeysWithValues: (inputs.map(\.id) + stages.map(\.id)).enumerated().map { ($1, "n\($0)") })
            for input in inputs { lines.append("  \(ids[input.id]!)([\"\(mermaidText(input.label))\"])") }
            for stage in stages { lines.append("  \(ids[stage.id]!)[\"\(mermaidText(stage.label))\"]") }
            for edge in edges {
                guard let from = ids[edge.from], let to = ids[edge.to] else { continue }
                lines.append("  \(from) -->|\"\(mermaidText(edge.label))\"| \(to)")
            }
            return lines.joined(separator: "\n") + "\n"
        }
    }

    private static func quote(_ text: String) -> String {
        "\""
            + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }

    private static func mermaidText(_ text: String) -> String {
        text.replacingOccurrences(of: "\"", with: "'").replacingOccurrences(of: "\n", with: "<br/>")
    }
}
