import Foundation

/// The pipeline as a drawn graph (inline SVG): one box per stage, coloured by its status and
/// labelled with its id and wall time (or "cached"), one rounded box per pipeline input, and an
/// arrow for every wired input port. Layered top to bottom by the longest path from the inputs,
/// nodes in a layer ordered by their parents' positions (one barycentre pass), so a pipeline
/// reads in the order its data flows.
///
/// Each node carries `data-node`, `data-status`; each edge `data-from`, `data-to` and `data-port`,
/// so a test can check the drawing against the run's manifests.
public struct PipelineGraphChart: Sendable {
    /// One stage or pipeline input.
    public struct Node: Sendable {
        /// The stage's name, or `$input` for a pipeline input.
        public var name: String
        /// The second line: the stage id (or the input's type or path).
        public var detail: String
        /// `ran`, `cached`, `failed`, `skipped`, `running`, `pending`, or `input`.
        public var status: String
        /// Wall time of a stage that ran.
        public var seconds: Double?
        /// Creates a node.
        public init(name: String, detail: String, status: String, seconds: Double? = nil) {
            self.name = name
            self.detail = detail
            self.status = status
            self.seconds = seconds
        }
    }

    /// One wire: `from` feeds `to`'s input `port`.
    public struct Edge: Sendable, Hashable {
        /// The producing node's name.
        public var from: String
        /// The consuming node's name.
        public var to: String
        /// The consumer's input port.
        public var port: String
        /// Creates an edge.
        public init(from: String, to: String, port: String) {
            self.from = from
            self.to = to
            self.port = port
        }
    }

    /// The nodes, in any order.
    public var nodes: [Node]
    /// The wires; edges naming an unknown node are left out.
    public var edges: [Edge]

    static let box = (width: 168.0, height: 38.0, gapX: 18.0, gapY: 34.0, margin: 10.0)

    /// Creates a chart.
    public init(nodes: [Node], edges: [Edge]) {
        self.nodes = nodes
        let names = Set(nodes.map(\.name))
        self.edges = edges.filter { names.contains($0.from) && names.contains($0.to) && $0.from != $0.to }
    }

    /// The graph of a run: its stages, the pipeline inputs they read, and their wiring (from the
    /// stage manifests, or the pipeline for stages that have not run).
    public init(run: RunContents) {
        var nodes: [Node] = []
        var edges: [Edge] = []
        for stage in run.stages {
            nodes.append(
                Node(
                    name: stage.name, detail: stage.stageID, status: stage.status,
                    seconds: stage.status == "ran" ? stage.record?.durationSeconds : nil))
            var wiring = stage.inputs
            if wiring.isEmpty, let declared = run.pipeline["stages"]?[stage.name]?["in"]?.objectValue {
                for (port, source) in declared { if case .string(let text) = source { wiring[port] = text } }
            }
            for (port, source) in wiring {
                let producer = source.hasPrefix("$") ? source : String(source.prefix { $0 != "." })
                edges.append(Edge(from: producer, to: stage.name, port: port))
            }
        }
        let inputs = Set(edges.map(\.from).filter { $0.hasPrefix("$") })
        for input in inputs.sorted() {
            let declared = run.pipeline["inputs"]?[String(input.dropFirst())]
            nodes.append(Node(name: input, detail: declared?["type"]?.stringValue ?? "pipeline input", status: "input"))
        }
        self.init(nodes: nodes, edges: edges)
    }

    /// Layer of each node: 0 for nodes nothing feeds, else one more than the deepest producer
    /// (cycles, which a valid plan never has, are cut).
    func layers() -> [String: Int] {
        var producers: [String: [String]] = [:]
        for edge in edges { producers[edge.to, default: []].append(edge.from) }
        var layer: [String: Int] = [:]
        var visiting: Set<String> = []
        func depth(_ name: String) -> Int {
            if let known = layer[name] { return known }
            guard visiting.insert(name).inserted else { return 0 }
            let value = (producers[name] ?? []).map { depth($0) + 1 }.max() ?? 0
            visiting.remove(name)
            layer[name] = value
            return value
        }
        for node in nodes { _ = depth(node.name) }
        return layer
    }

    /// Node positions (top-left corners) and the drawing's size.
    func layout() -> (positions: [String: SIMD2<Double>], width: Double, height: Double) {
        let layer = layers()
        let count = (layer.values.max() ?? 0) + 1
        var rows: [[String]] = Array(repeating: [], count: count)
        for node in nodes.sorted(by: { $0.name < $1.name }) { rows[layer[node.name] ?? 0].append(node.name) }
        var producers: [String: [String]] = [:]
        for edge in edges { producers[edge.to, default: []].append(edge.from) }
        var slot: [String: Double] = [:]
        for (index, row) in rows.enumerated() {
            if index > 0 {
                rows[index] = row.enumerated().sorted { a, b in
                    func centre(_ name: String, _ fallback: Int) -> Double {
                        let parents = (producers[name] ?? []).compactMap { slot[$0] }
                        return parents.isEmpty ? Double(fallback) : parents.reduce(0, +) / Double(parents.count)
                    }
                    return (centre(a.element, a.offset), a.element) < (centre(b.element, b.offset), b.element)
                }.map(\.element)
            }
            let offset = -Double(rows[index].count - 1) / 2
            for (position, name) in rows[index].enumerated() { slot[name] = offset + Double(position) }
        }
        let widest = Double(rows.map(\.count).max() ?? 1)
        let b = Self.box
        let width = 2 * b.margin + widest * b.width + (widest - 1) * b.gapX
        let height = 2 * b.margin + Double(count) * b.height + Double(count - 1) * b.gapY
        var positions: [String: SIMD2<Double>] = [:]
        for (index, row) in rows.enumerated() {
            for name in row {
                let x = width / 2 + slot[name]! * (b.width + b.gapX) - b.width / 2
                positions[name] = SIMD2(x, b.margin + Double(index) * (b.height + b.gapY))
            }
        }
        return (positions, width, height)
    }

    /// The SVG element (scales down to the page width; its natural size is in `width`/`height`).
    public func svg() -> String {
        let c = Markup.coordinate
        let b = Self.box
        let (positions, width, height) = layout()
        var body = Markup.element(
            "defs", [:],
            Markup.element(
                "marker",
                ["id": "arrow", "viewBox": "0 0 10 10", "refX": "10", "refY": "5", "markerWidth": "7", "markerHeight": "7", "orient": "auto"],
                Markup.element("path", ["d": "M0,0 L10,5 L0,10 z", "fill": "#888"])))
        for edge in edges.sorted(by: { ($0.to, $0.port) < ($1.to, $1.port) }) {
            guard let from = positions[edge.from], let to = positions[edge.to] else { continue }
            let start = SIMD2(from.x + b.width / 2, from.y + b.height), end = SIMD2(to.x + b.width / 2, to.y)
            let bend = max(18, (end.y - start.y) / 2)
            body += Markup.element(
                "path",
                [
                    "d": "M\(c(start.x)),\(c(start.y)) C\(c(start.x)),\(c(start.y + bend)) \(c(end.x)),\(c(end.y - bend)) \(c(end.x)),\(c(end.y))",
                    "fill": "none", "stroke": "#999", "stroke-width": "1.2", "marker-end": "url(#arrow)",
                    "data-from": edge.from, "data-to": edge.to, "data-port": edge.port,
                ], Markup.text("title", [:], "\(edge.from) → \(edge.to).\(edge.port)"))
        }
        for node in nodes.sorted(by: { $0.name < $1.name }) {
            guard let origin = positions[node.name] else { continue }
            let isInput = node.status == "input"
            let note: String
            switch node.status {
            case "ran": note = node.seconds.map { Markup.duration($0) } ?? "ran"
            case "input": note = ""
            default: note = node.status
            }
            let detail = note.isEmpty ? node.detail : "\(node.detail) · \(note)"
            let tip = isInput ? "\(node.name): pipeline input (\(node.detail))" : "\(node.name) (\(node.detail)): \(note)"
            body += Markup.element(
                "g", ["data-node": node.name, "data-status": node.status],
                Markup.text("title", [:], tip)
                    + Markup.element(
                        "rect",
                        [
                            "x": c(origin.x), "y": c(origin.y), "width": c(b.width), "height": c(b.height), "rx": isInput ? "19" : "5",
                            "fill": isInput ? "#f4f4f4" : Self.fill(node.status), "stroke": isInput ? "#999" : TimelineChart.colour(node.status),
                            "stroke-width": "1.5",
                        ])
                    + Markup.text(
                        "text", ["x": c(origin.x + b.width / 2), "y": c(origin.y + 15), "text-anchor": "middle", "class": "node-name"],
                        Self.clip(node.name, 24))
                    + Markup.text(
                        "text", ["x": c(origin.x + b.width / 2), "y": c(origin.y + 30), "text-anchor": "middle", "class": "tick"],
                        Self.clip(detail, 30)))
        }
        return Markup.element(
            "svg",
            [
                "xmlns": "http://www.w3.org/2000/svg", "width": c(width), "height": c(height), "viewBox": "0 0 \(c(width)) \(c(height))",
                "class": "pipeline-graph", "role": "img", "style": "max-width:100%;height:auto",
            ], body)
    }

    /// A pale fill for a status (the border has the full colour).
    static func fill(_ status: String) -> String {
        switch status {
        case "ran": return "#e3f4e3"
        case "cached": return "#eeeeee"
        case "failed": return "#fbe0e0"
        case "running": return "#ffeedd"
        default: return "#fafafa"
        }
    }

    /// `text` cut to `length` characters with an ellipsis (the full text is in the node's title).
    static func clip(_ text: String, _ length: Int) -> String {
        text.count <= length ? text : String(text.prefix(length - 1)) + "…"
    }
}
