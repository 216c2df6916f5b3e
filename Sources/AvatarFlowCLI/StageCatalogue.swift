import AvatarFlow
import Foundation

/// Formats the stage registry for `avatarflow stages` (text and JSON).
enum StageCatalogue {
    /// Human-readable listing: id, version, summary, ports, parameters with type, default and doc.
    static func text(_ stages: [StageDescriptor]) -> String {
        var text = ""
        for stage in stages {
            text += "\(stage.id)  (v\(stage.version))\n    \(stage.summary)\n"
            for port in stage.inputs {
                text += "    in   \(port.name): \(port.type)\(port.optional ? " (optional)" : "") — \(port.doc)\n"
            }
            for port in stage.outputs { text += "    out  \(port.name): \(port.type) — \(port.doc)\n" }
            for field in stage.fields {
                text += "    with \(field.name) = \(field.defaultValue)  [\(field.typeDescription)] — \(field.doc)\n"
            }
            text += "    resources \(stage.resources)  (per job with --executor slurm; override with `resources:`)\n"
            text += "\n"
        }
        return text
    }

    /// JSON array of stages with ports and parameter schemas.
    static func json(_ stages: [StageDescriptor]) -> String {
        struct Entry: Encodable {
            var id: String
            var version: Int
            var summary: String
            var inputs: [StagePort]
            var outputs: [StagePort]
            var parameters: [ParameterField]
            var resources: StageResources
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let entries = stages.map {
            Entry(
                id: $0.id, version: $0.version, summary: $0.summary, inputs: $0.inputs,
                outputs: $0.outputs, parameters: $0.fields, resources: $0.resources)
        }
        return String(decoding: (try? encoder.encode(entries)) ?? Data("[]".utf8), as: UTF8.self)
    }
}
