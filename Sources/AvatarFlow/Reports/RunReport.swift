import Foundation

/// The self-contained HTML report of one run (`avatarflow report RUN_DIR`, `avatarflow run --report`):
/// status, the pipeline graph, outputs with their figures, pictures and video frames, training
/// curves, the stage table and timeline, the parameters that differ from the defaults, warnings
/// and failures with log tails, the environment, and the resolved pipeline.
///
/// One file that opens anywhere: no network, no JavaScript, pictures embedded as `data:` URIs,
/// charts drawn as inline SVG by `LinePlot` / `TimelineChart`. The markup is XHTML-compatible
/// (well-formed XML), and every string from the run is escaped.
public struct RunReport: Sendable {
    /// Limits on the pictures embedded from output artifacts.
    public struct ImageBudget: Sendable {
        /// Pictures taken from one output (the first PNG of each sub-directory, or the first few of one directory).
        public var perOutput = 4
        /// PNG files larger than this are not embedded (named instead).
        public var maxFileBytes = 600_000
        /// The sum of embedded PNG bytes over the report.
        public var totalBytes = 6_000_000
        /// Width of thumbnails made of pictures over `maxFileBytes` (when a previewer is available).
        public var thumbnailWidth = 480
        /// Frames shown of each output video (when a previewer is available).
        public var framesPerVideo = 4
        /// Width of those frames.
        public var videoFrameWidth = 240
        /// The default budget (about 8 MB of HTML at most).
        public init() {}
    }

    /// What the report shows.
    public var run: RunContents
    /// Picture limits.
    public var images = ImageBudget()
    /// The stage catalogue and media previewer, when the binary has them.
    public var context: ReportContext

    /// A report of `run`.
    public init(run: RunContents, context: ReportContext = ReportContext()) {
        self.run = run
        self.context = context
    }

    /// Reads `directory` and writes its report to `file` (default `<directory>/report.html`),
    /// atomically (a browser never sees half a file). Returns the file written.
    @discardableResult
    public static func write(runDirectory directory: URL, to file: URL? = nil, context: ReportContext = ReportContext()) throws -> URL {
        let run = try RunContents(directory: directory)
        let target = file ?? run.url.appendingPathComponent(RunDirectory.reportFileName)
        do {
            try Data(RunReport(run: run, context: context).html().utf8).write(to: target, options: .atomic)
        } catch {
            throw RunDirectoryError(
                path: target.path, problem: "cannot write the report: \(error.localizedDescription)",
                fix: "choose a writable file with -o FILE")
        }
        return target
    }

    /// Shared style sheet (no `<`, `&`: it sits in XML).
    static let style = """
        body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}
        h1{font-size:1.5em;margin-bottom:4px}h2{font-size:1.2em;border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:28px}
        h3{font-size:1em;margin:16px 0 6px}
        table{border-collapse:collapse;font-size:0.9em;margin:6px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
        th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}td.path{overflow-wrap:anywhere}
        .status{display:inline-block;padding:1px 8px;border-radius:9px;color:#fff;font-size:0.85em}
        .ran,.succeeded{background:#2ca02c}.cached{background:#7f7f7f}.failed{background:#d62728}.skipped,.pending{background:#bbb}
        .running,.in-progress{background:#ff7f0e}
        .muted{color:#777}pre{background:#f7f7f7;padding:8px;overflow-x:auto;font-size:0.85em}
        figure{display:inline-block;margin:4px 8px 8px 0;vertical-align:top}figcaption{font-size:0.8em;color:#555;max-width:240px;word-break:break-all}
        img{max-width:240px;height:auto;border:1px solid #ddd;image-rendering:pixelated}
        svg .tick{font-size:10px;fill:#555}svg .axis{font-size:11px;fill:#333}svg .plot-title{font-size:12px;font-weight:bold}
        svg .legend{font-size:10px}svg.plot{margin:4px 8px 4px 0}svg .node-name{font-size:12px;font-weight:bold;fill:#222}
        .strip img{max-width:200px}
        """

    /// The report as a complete XHTML-compatible HTML document.
    public func html() -> String {
        let title = "AvatarFlow report — \(run.name)"
        var body = ""
        body += header()
        body += graphSection()
        body += outputsSection()
        body += curvesSection()
        body += stagesSection()
        body += changedParametersSection()
        body += problemsSection()
        body += environmentSection()
        body += Markup.text("h2", [:], "Resolved pipeline")
        body += Markup.element(
            "details", [:],
            Markup.text("summary", [:], "pipeline.yaml (extends, params and overrides applied; every parameter shown)")
                + Markup.text("pre", [:], run.pipelineYAML))
        body += Markup.text(
            "p", ["class": "muted"],
            "Written \(Markup.time(Date().timeIntervalSince1970)) by avatarflow from \(run.url.path). "
                + "Self-contained: no network, no scripts; pictures are embedded, charts are inline SVG.")
        return "<!DOCTYPE html>\n"
            + Markup.element(
                "html", ["xmlns": "http://www.w3.org/1999/xhtml", "lang": "en"],
                Markup.element(
                    "head", [:],
                    "<meta charset=\"utf-8\"/>" + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>"
                        + Markup.text("title", [:], title) + Markup.text("style", [:], Self.style))
                    + Markup.element("body", [:], body)) + "\n"
    }

    /// The status word: `succeeded`, `failed` or `in progress`.
    var statusWord: String {
        switch run.succeeded {
        case true?: return "succeeded"
        case false?: return "failed"
        case nil: return "in progress"
        }
    }

    func header() -> String {
        var text = Markup.element(
            "h1", [:],
            Markup.escape(run.name) + " "
                + Markup.text("span", ["class": "status \(statusWord.replacingOccurrences(of: " ", with: "-"))"], statusWord))
        var line = "pipeline \(run.pipelineName)"
        if let summary = run.summary { line += " — \(summary)" }
        text += Markup.text("p", [:], line)
        var facts: [(String, String)] = [("run directory", run.url.path)]
        let counts = Dictionary(grouping: run.stages, by: \.status).mapValues(\.count)
        facts.append(("stages", counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")))
        if let start = run.events.first(where: { $0.kind == .runStarted })?.time {
            facts.append(("started", Markup.time(start)))
            if let end = run.events.last(where: { $0.kind == .runFinished })?.time {
                facts.append(("finished", Markup.time(end) + " (wall time \(Markup.duration(end - start)))"))
            }
        }
        let computed = run.stages.filter { $0.status == "ran" }.compactMap { $0.record?.durationSeconds }.reduce(0, +)
        facts.append(("stage time", "\(Markup.duration(computed)) in stages that ran (cached stages cost nothing)"))
        if let peak = run.stages.compactMap({ $0.record?.peakMemoryBytes }).max(), peak > 0 {
            facts.append(("peak memory", Markup.bytes(peak) + " (whole process)"))
        }
        text += Markup.element(
            "table", [:], facts.map { Markup.element("tr", [:], Markup.text("th", [:], $0.0) + Markup.text("td", [:], $0.1)) }.joined())
        return text
    }

    func graphSection() -> String {
        Markup.text("h2", [:], "Pipeline")
            + Markup.text(
                "p", ["class": "muted"],
                "Each box is a stage (its id and wall time, or how it ended); arrows are its wired inputs. Green ran, grey cached, red failed, orange running.")
            + PipelineGraphChart(run: run).svg()
    }

    /// Each stage's parameters whose values differ from the stage's defaults (the catalogue's), as
    /// `--set` spells them; what the pipeline file or the command line changed.
    func changedParameters() -> [(stage: String, parameter: String, value: String, defaultValue: String)]? {
        guard let registry = context.registry else { return nil }
        var rows: [(String, String, String, String)] = []
        for stage in run.stages {
            guard let descriptor = registry[stage.stageID],
                let parameters = stage.record?.parameters ?? run.pipeline["stages"]?[stage.name]?["with"]
            else { continue }
            var values: [String: String] = [:]
            RunContents.flattenSettings(parameters, prefix: "", into: &values)
            var defaults: [String: String] = [:]
            RunContents.flattenSettings(descriptor.defaultParameters, prefix: "", into: &defaults)
            for (key, value) in values.sorted(by: { $0.key < $1.key }) {
                let standard = defaults[key]
                guard standard == nil || !Self.sameSetting(value, standard!) else { continue }
                rows.append((stage.name, String(key.dropFirst()), value, standard ?? "(no default)"))
            }
        }
        return rows
    }

    /// Equal as settings: numbers by value (`1` and `1.0`), everything else as text.
    static func sameSetting(_ a: String, _ b: String) -> Bool {
        if let x = Double(a), let y = Double(b) { return x == y }
        return a == b
    }

    func changedParametersSection() -> String {
        var text = Markup.text("h2", [:], "Parameters that differ from the defaults")
        guard let rows = changedParameters() else {
            return text + Markup.text("p", ["class": "muted"], "Not shown: this report was written without the stage catalogue.")
        }
        guard !rows.isEmpty else { return text + Markup.text("p", ["class": "muted"], "None: every stage ran with its defaults.") }
        let header = Markup.element("tr", [:], ["stage", "parameter", "value", "default"].map { Markup.text("th", [:], $0) }.joined())
        let body = rows.map {
            Markup.element(
                "tr", ["data-setting": "\($0.stage).\($0.parameter)"],
                Markup.text("td", [:], $0.stage) + Markup.text("td", [:], $0.parameter) + Markup.text("td", [:], $0.value)
                    + Markup.text("td", ["class": "muted"], $0.defaultValue))
        }
        text += Markup.text(
            "p", ["class": "muted"],
            "\(rows.count) setting\(rows.count == 1 ? "" : "s") set by the pipeline file, its params or the command line (`--set stage.parameter=value` spells them)."
        )
        return text + Markup.element("table", ["class": "changed-parameters"], header + body.joined())
    }

    func environmentSection() -> String {
        let text = Markup.text("h2", [:], "Environment")
        guard let environment = run.environment else {
            return text + Markup.text("p", ["class": "muted"], "Not recorded (the run was made before runs kept environment.json).")
        }
        var facts: [(String, String)] = [
            ("CPU", "\(environment.cpuModel) — \(environment.activeCPUs) of \(environment.logicalCPUs) logical CPUs usable"),
            ("memory", Markup.bytes(Int(clamping: environment.memoryBytes))), ("system", environment.system), ("host", environment.host),
            ("stage jobs", "\(environment.stageJobs) (--jobs)"), ("compiler", environment.swiftCompiler),
        ]
        facts += environment.components.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        facts += environment.variables.sorted { $0.key < $1.key }.map { ("$\($0.key)", $0.value) }
        return text
            + Markup.element(
                "table", ["class": "environment"],
                facts.map { Markup.element("tr", [:], Markup.text("th", [:], $0.0) + Markup.text("td", [:], $0.1)) }.joined())
    }

    func outputsSection() -> String {
        var text = Markup.text("h2", [:], "Outputs")
        guard !run.outputs.isEmpty else {
            return text + Markup.text("p", ["class": "muted"], "No outputs linked yet (they are linked when the run ends).")
        }
        let metrics = run.metrics
        var rows = Markup.element(
            "tr", [:], ["output", "type", "files", "size", "digest", "path"].map { Markup.text("th", [:], $0) }.joined())
        for output in run.outputs {
            let m = output.manifest
            rows += Markup.element(
                "tr", [:],
                Markup.text("td", [:], output.name) + Markup.text("td", [:], m?.type ?? "?")
                    + Markup.text("td", ["class": "num"], m.map { "\($0.fileCount)" } ?? "?")
                    + Markup.text("td", ["class": "num"], m.map { Markup.bytes($0.byteCount) } ?? "?")
                    + Markup.text("td", [:], m.map { String($0.digest.prefix(12)) } ?? "?") + Markup.text("td", ["class": "path"], output.url.path))
        }
        text += Markup.element("table", [:], rows)
        var budget = images.totalBytes
        for output in run.outputs {
            let figures = metrics.filter { $0.key.hasPrefix(output.name + ".") }.sorted { $0.key < $1.key }
            let pictures = Self.pictures(in: output.url, limit: images.perOutput)
            let videos = Self.videos(in: output.url)
            guard !figures.isEmpty || !pictures.isEmpty || !videos.isEmpty else { continue }
            text += Markup.text("h3", [:], "\(output.name) (\(output.manifest?.type ?? "artifact"))")
            if !figures.isEmpty { text += Self.figureTable(figures.map { (String($0.key.dropFirst(output.name.count + 1)), $0.value) }) }
            for picture in pictures {
                let relative = String(picture.path.dropFirst(output.url.path.count + 1))
                guard let (data, info, note) = embeddable(picture, budget: budget) else {
                    let size = (try? FileManager.default.attributesOfItem(atPath: picture.path)[.size] as? Int) ?? 0
                    let why =
                        size > images.maxFileBytes && context.previews == nil
                        ? "over the \(Markup.bytes(images.maxFileBytes)) limit per picture, and this report was written without an image scaler"
                        : "the report's picture budget is spent"
                    text += Markup.text("p", ["class": "muted"], "\(relative): not embedded (\(Markup.bytes(size)); \(why))")
                    continue
                }
                budget -= data.count
                text += Self.figure(data, info: info, alt: "\(output.name)/\(relative)", caption: "\(relative) — \(note)")
            }
            for video in videos {
                let relative = String(video.path.dropFirst(output.url.path.count + 1))
                text += videoStrip(video, name: "\(output.name)/\(relative)", budget: &budget)
            }
        }
        return text
    }

    /// Figures as tables: names of one or two parts (`held_out_camera_psnr_db`, `overall.ssim`) as
    /// a list; deeper ones (`per_camera.cam00.psnr_db`) pivoted per group, rows by the middle
    /// parts and columns by the last, collapsed.
    static func figureTable(_ figures: [(String, Double)]) -> String {
        let simple = figures.filter { $0.0.split(separator: ".").count <= 2 }
        let deep = figures.filter { $0.0.split(separator: ".").count > 2 }
        var text = ""
        if !simple.isEmpty {
            let rows = simple.map {
                Markup.element("tr", [:], Markup.text("td", [:], $0.0) + Markup.text("td", ["class": "num"], Markup.number($0.1)))
            }
            text += Markup.element("table", ["class": "figures"], rows.joined())
        }
        let groups = Dictionary(grouping: deep) { String($0.0.prefix { $0 != "." }) }
        for group in groups.keys.sorted() {
            var cells: [String: [String: Double]] = [:]
            var columns: [String] = []
            for (name, value) in groups[group]! {
                let parts = name.split(separator: ".").map(String.init)
                let row = parts[1..<(parts.count - 1)].joined(separator: "."), column = parts.last!
                cells[row, default: [:]][column] = value
                if !columns.contains(column) { columns.append(column) }
            }
            columns.sort()
            var rows = Markup.element("tr", [:], Markup.text("th", [:], group) + columns.map { Markup.text("th", [:], $0) }.joined())
            for row in cells.keys.sorted() {
                rows += Markup.element(
                    "tr", [:],
                    Markup.text("td", [:], row)
                        + columns.map { Markup.text("td", ["class": "num"], cells[row]![$0].map(Markup.number) ?? "—") }.joined())
            }
            text += Markup.element(
                "details", [:],
                Markup.text("summary", [:], "\(group): \(cells.count) × \(columns.count) figures")
                    + Markup.element("table", ["class": "figures"], rows))
        }
        return text
    }

    /// A picture as embedded: the PNG file itself when it is small enough, else a thumbnail from
    /// the previewer; nil when neither fits `budget` (or the file is not a PNG).
    func embeddable(_ picture: URL, budget: Int) -> (Data, PNGInfo, String)? {
        let size = (try? FileManager.default.attributesOfItem(atPath: picture.path)[.size] as? Int) ?? Int.max
        if size <= images.maxFileBytes, size <= budget, let data = try? Data(contentsOf: picture), let info = PNGInfo(data) {
            return (data, info, "\(info.width)×\(info.height)")
        }
        guard let previews = context.previews, let original = (try? FileHandle(forReadingFrom: picture))?.readData(ofLength: 26),
            let full = PNGInfo(original), let data = try? previews.thumbnail(ofPNG: picture, maxWidth: images.thumbnailWidth),
            data.count <= budget, let info = PNGInfo(data)
        else { return nil }
        return (data, info, "\(full.width)×\(full.height), shown as a \(info.width)×\(info.height) thumbnail")
    }

    /// `<figure>` with an embedded PNG.
    static func figure(_ data: Data, info: PNGInfo, alt: String, caption: String) -> String {
        Markup.element(
            "figure", [:],
            Markup.element("img", ["src": Markup.pngDataURI(data), "alt": alt, "width": "\(info.width)", "height": "\(info.height)"])
                + Markup.text("figcaption", [:], caption))
    }

    /// A few evenly spaced frames of a video, side by side; without a previewer (or when the
    /// video cannot be decoded) a line naming it and why.
    func videoStrip(_ video: URL, name: String, budget: inout Int) -> String {
        let size = (try? FileManager.default.attributesOfItem(atPath: video.path)[.size] as? Int) ?? 0
        let heading = Markup.text("p", [:], "\(name) (\(Markup.bytes(size)))")
        guard let previews = context.previews else {
            return heading + Markup.text("p", ["class": "muted"], "Frames not shown: this report was written without a video decoder.")
        }
        let frames: [Data]
        do {
            frames = try previews.videoFrames(of: video, count: images.framesPerVideo, maxWidth: images.videoFrameWidth)
        } catch {
            return heading + Markup.text("p", ["class": "muted"], "Frames not shown: \(error)")
        }
        var strip = ""
        for (index, data) in frames.enumerated() {
            guard let info = PNGInfo(data), data.count <= budget else { continue }
            budget -= data.count
            strip += Self.figure(data, info: info, alt: "\(name) frame \(index + 1)", caption: "frame \(index + 1) of \(frames.count)")
        }
        return heading + Markup.element("div", ["class": "strip", "data-video": name], strip)
    }

    /// Video files of an artifact (`.mp4`, `.mkv`, `.mov`, `.webm`), sorted.
    static func videos(in directory: URL) -> [URL] {
        guard let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else { return [] }
        var files: [URL] = []
        for case let file as URL in enumerator where ["mp4", "mkv", "mov", "webm"].contains(file.pathExtension.lowercased()) {
            files.append(file)
            if files.count >= 8 { break }
        }
        return files.sorted { $0.path < $1.path }
    }

    /// PNG files of an artifact worth showing: the first of each sub-directory (one frame per
    /// camera of a FrameSet), or the first `limit` when they share one directory (a Report's grids).
    static func pictures(in directory: URL, limit: Int) -> [URL] {
        guard let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else { return [] }
        var files: [URL] = []
        for case let file as URL in enumerator where file.pathExtension.lowercased() == "png" {
            files.append(file)
            if files.count > 5000 { break }
        }
        files.sort { $0.path < $1.path }
        let byDirectory = Dictionary(grouping: files) { $0.deletingLastPathComponent().path }
        if byDirectory.count <= 1 { return Array(files.prefix(limit)) }
        return byDirectory.keys.sorted().prefix(limit).compactMap { byDirectory[$0]?.first }
    }

    func curvesSection() -> String {
        var text = Markup.text("h2", [:], "Training curves")
        let curves = run.curves
        guard !curves.isEmpty else {
            let why =
                run.hasEventLog
                ? "No stage reported metrics (training stages do, at every log interval)."
                : "This run has no events.jsonl (made before runs kept their events): no curves."
            return text + Markup.text("p", ["class": "muted"], why)
        }
        for stage in curves.keys.sorted() {
            let series = curves[stage]!
            let unit = run.progressUnit(stage) ?? "steps"
            text += Markup.text("h3", [:], "\(stage) (\(run.stage(stage)?.stageID ?? "?"))")
            for metric in series.keys.sorted() {
                let points = series[metric]!
                text += LinePlot(
                    title: metric, xLabel: unit, yLabel: metric, series: [LinePlot.Series(name: metric, points: points)]
                ).svg()
            }
        }
        return text
    }

    func stagesSection() -> String {
        var text = Markup.text("h2", [:], "Stages")
        var rows = Markup.element(
            "tr", [:],
            ["stage", "id", "status", "time", "peak memory", "inputs", "parameters", "cache key"].map { Markup.text("th", [:], $0) }.joined())
        for stage in run.stages {
            let record = stage.record
            let parameters = record.map { Self.parameterList($0.parameters) } ?? ""
            rows += Markup.element(
                "tr", [:],
                Markup.text("td", [:], stage.name) + Markup.text("td", [:], stage.stageID)
                    + Markup.element("td", [:], Markup.text("span", ["class": "status \(stage.status)"], stage.status))
                    + Markup.text("td", ["class": "num"], stage.status == "ran" ? record.map { Markup.duration($0.durationSeconds) } ?? "" : "")
                    + Markup.text("td", ["class": "num"], record.map { Markup.bytes($0.peakMemoryBytes) } ?? "")
                    + Markup.text("td", [:], stage.inputs.sorted { $0.key < $1.key }.map { "\($0.key) ← \($0.value)" }.joined(separator: ", "))
                    + Markup.element(
                        "td", [:],
                        parameters.isEmpty ? "" : Markup.element("details", [:], Markup.text("summary", [:], "parameters") + parameters))
                    + Markup.text("td", [:], record.map { String($0.cacheKey.prefix(12)) } ?? ""))
        }
        text += Markup.element("table", [:], rows)
        let bars = timeline()
        if bars.isEmpty {
            text += Markup.text("p", ["class": "muted"], "No timeline: this run has no events.jsonl.")
        } else {
            text += Markup.text("h3", [:], "Timeline")
            text += TimelineChart(bars: bars).svg()
        }
        return text
    }

    static func parameterList(_ parameters: ConfigValue) -> String {
        var flat: [String: String] = [:]
        RunContents.flattenSettings(parameters, prefix: "", into: &flat)
        let rows = flat.sorted { $0.key < $1.key }.map {
            Markup.element("tr", [:], Markup.text("td", [:], String($0.key.dropFirst())) + Markup.text("td", [:], $0.value))
        }
        return rows.isEmpty ? "" : Markup.element("table", [:], rows.joined())
    }

    /// Bars from the events: started → finished/failed; cached stages as ticks; running ones to now.
    func timeline() -> [TimelineChart.Bar] {
        guard let origin = run.events.first(where: { $0.kind == .runStarted })?.time else { return [] }
        let now = run.events.last?.time ?? origin
        var bars: [TimelineChart.Bar] = []
        for stage in run.stages {
            let events = run.events.filter { $0.stage == stage.name }
            if let started = events.first(where: { $0.kind == .started }) {
                let end = events.last { $0.kind == .finished || $0.kind == .failed || $0.kind == .cached }
                let status = end.map { $0.kind == .failed ? "failed" : $0.kind == .cached ? "cached" : "ran" } ?? "running"
                bars.append(TimelineChart.Bar(stage: stage.name, start: started.time - origin, end: (end?.time ?? now) - origin, status: status))
            } else if let cached = events.first(where: { $0.kind == .cached }) {
                bars.append(TimelineChart.Bar(stage: stage.name, start: cached.time - origin, end: cached.time - origin, status: "cached"))
            }
        }
        return bars
    }

    func problemsSection() -> String {
        let warnings = run.events.filter { $0.kind == .warning }
        let failed = run.stages.filter { $0.status == "failed" || $0.status == "skipped" }
        var text = Markup.text("h2", [:], "Warnings and failures")
        if warnings.isEmpty && failed.isEmpty { return text + Markup.text("p", ["class": "muted"], "None.") }
        if !warnings.isEmpty {
            text += Markup.element(
                "ul", [:], warnings.map { Markup.text("li", [:], "\($0.stage ?? "run"): \($0.message ?? "")") }.joined())
        }
        for stage in failed {
            text += Markup.text("h3", [:], "\(stage.name): \(stage.status)")
            if let message = stage.message { text += Markup.text("pre", [:], message) }
            if stage.status == "failed", !stage.logTail.isEmpty {
                text += Markup.text("p", [:], "Last lines of stages/\(stage.name)/log.txt:")
                text += Markup.text("pre", [:], stage.logTail.joined(separator: "\n"))
            }
        }
        return text
    }
}

/// Width and height from a PNG's header (signature + IHDR), without decoding it: the engine
/// embeds PNG files as they are and only checks they are PNGs.
public struct PNGInfo: Sendable, Equatable {
    /// Pixels.
    public var width: Int, height: Int
    /// Channels of the decoded image: 1 grey, 2 grey + alpha, 3 colour (also palette), 4 colour + alpha.
    public var channels: Int

    /// Nil unless `data` starts with the PNG signature and an IHDR chunk.
    public init?(_ data: Data) {
        let bytes = [UInt8](data.prefix(26))
        guard bytes.count == 26, bytes[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
            bytes[12..<16].elementsEqual(Array("IHDR".utf8))
        else { return nil }
        func big(_ offset: Int) -> Int { bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) } }
        width = big(16)
        height = big(20)
        switch bytes[25] {
        case 0: channels = 1
        case 4: channels = 2
        case 6: channels = 4
        default: channels = 3
        }
        guard width > 0, height > 0 else { return nil }
    }
}
