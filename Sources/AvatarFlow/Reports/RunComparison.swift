import Foundation

/// Several runs side by side (`avatarflow compare RUN_DIR…`): one row per run, one column per
/// setting that differs between them (and only those), then the chosen metrics. Written as
/// Markdown (for terminals, notes and docs) or as a self-contained HTML page that adds each
/// training curve overlaid across the runs.
public struct RunComparison: Sendable {
    /// The runs, in the order given.
    public var runs: [RunContents]
    /// Setting paths (as `--set` spells them) whose values are not the same in every run:
    /// pipeline parameters first, then pipeline inputs, then stage settings, each sorted.
    public var differingSettings: [String]
    /// The metric columns.
    public var metricNames: [String]

    /// Compares `runs`. `metrics` chooses the metric columns by name (see `RunContents.metrics`);
    /// nil takes every figure of the runs' metric files down to one group level
    /// (`metrics.overall.psnr_db`, not per camera), every last reported training value
    /// (`train/loss`) and `run/seconds`. A name no run has is an error with a did-you-mean.
    public init(runs: [RunContents], metrics: [String]? = nil) throws {
        guard !runs.isEmpty else {
            throw RunDirectoryError(path: ".", problem: "no run directories given", fix: "pass one or more runs/<pipeline>-<timestamp>/ directories")
        }
        self.runs = runs
        let settings = runs.map(\.settings)
        let keys = Set(settings.flatMap(\.keys))
        let differing = keys.filter { key in Set(settings.map { $0[key] ?? "\u{0}absent" }).count > 1 }
        func rank(_ key: String) -> Int { key.hasPrefix("$") ? 1 : key.contains(".") ? 2 : 0 }
        differingSettings = differing.sorted { (rank($0), $0) < (rank($1), $1) }

        let figures = runs.map(\.metrics)
        let available = Set(figures.flatMap(\.keys))
        if let metrics {
            for name in metrics where !available.contains(name) {
                throw RunDirectoryError(
                    path: runs.map(\.url.lastPathComponent).joined(separator: ", "),
                    problem: "no run has a metric '\(name)'",
                    fix: Suggestions.hint(for: name, in: available.sorted(), noun: "metric"))
            }
            metricNames = metrics
        } else {
            metricNames = available.filter { name in
                if name.contains("/") { return !name.hasSuffix("/seconds") || name == "run/seconds" }
                return name.split(separator: ".").count <= 3
            }.sorted { ($0.contains("/") ? 1 : 0, $0) < ($1.contains("/") ? 1 : 0, $1) }
        }
    }

    /// Reads each directory and compares them.
    public init(directories: [URL], metrics: [String]? = nil) throws {
        try self.init(runs: try directories.map { try RunContents(directory: $0) }, metrics: metrics)
    }

    /// The table: header and one row of cells per run (settings, then metrics; `—` when absent).
    public var table: (header: [String], rows: [[String]]) {
        let header = ["run"] + differingSettings + metricNames
        let rows = runs.map { run -> [String] in
            let settings = run.settings, figures = run.metrics
            return [run.name] + differingSettings.map { settings[$0] ?? "—" } + metricNames.map { figures[$0].map(Markup.number) ?? "—" }
        }
        return (header, rows)
    }

    /// A GitHub-flavoured Markdown table (`|` inside cells escaped), with a line naming what the runs share.
    public func markdown() -> String {
        let (header, rows) = table
        func line(_ cells: [String]) -> String {
            "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ") }.joined(separator: " | ") + " |"
        }
        var text = line(header) + "\n" + "|" + String(repeating: "---|", count: header.count) + "\n"
        for row in rows { text += line(row) + "\n" }
        if differingSettings.isEmpty { text += "\nThe runs have the same settings.\n" }
        return text
    }

    /// A self-contained HTML page: the table, then every training curve overlaid across runs.
    public func html() -> String {
        let (header, rows) = table
        var body = Markup.text("h1", [:], "AvatarFlow comparison of \(runs.count) run\(runs.count == 1 ? "" : "s")")
        body += Markup.text(
            "p", [:],
            differingSettings.isEmpty
                ? "The runs have the same settings."
                : "Columns after the run: the \(differingSettings.count == 1 ? "setting that differs" : "\(differingSettings.count) settings that differ") (as --set spells them), then the metrics."
        )
        let settingCount = differingSettings.count
        var rowsMarkup = Markup.element(
            "tr", [:],
            header.enumerated().map { index, name in
                Markup.text("th", ["class": index == 0 ? "run" : index <= settingCount ? "setting" : "metric"], name)
            }.joined())
        for row in rows {
            rowsMarkup += Markup.element(
                "tr", [:],
                row.enumerated().map { index, cell in Markup.text("td", index > settingCount ? ["class": "num"] : [:], cell) }.joined())
        }
        body += Markup.element("table", [:], rowsMarkup)
        var curves: [String: [LinePlot.Series]] = [:]
        for run in runs {
            for (stage, series) in run.curves {
                for (metric, points) in series { curves["\(stage)/\(metric)", default: []].append(LinePlot.Series(name: run.name, points: points)) }
            }
        }
        if !curves.isEmpty {
            body += Markup.text("h2", [:], "Training curves")
            for name in curves.keys.sorted() {
                let stage = String(name.prefix { $0 != "/" })
                let unit = runs.lazy.compactMap { $0.progressUnit(stage) }.first ?? "steps"
                body += LinePlot(title: name, xLabel: unit, yLabel: String(name.drop { $0 != "/" }.dropFirst()), series: curves[name]!).svg()
            }
        }
        body += Markup.element(
            "ul", [:], runs.map { Markup.text("li", [:], "\($0.name): \($0.url.path)") }.joined())
        return "<!DOCTYPE html>\n"
            + Markup.element(
                "html", ["xmlns": "http://www.w3.org/1999/xhtml", "lang": "en"],
                Markup.element(
                    "head", [:],
                    "<meta charset=\"utf-8\"/>" + Markup.text("title", [:], "AvatarFlow comparison")
                        + Markup.text("style", [:], RunReport.style + "\nbody{max-width:none}td,th{white-space:nowrap}"))
                    + Markup.element("body", [:], body)) + "\n"
    }
}
