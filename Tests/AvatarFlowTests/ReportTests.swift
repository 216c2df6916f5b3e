import AvatarFlow
import EngineTestStages
import Foundation
import TestSupport
import Testing

/// A trainer after an emitter, with a warning full of markup: metrics, warnings and a training.json.
let trainingPipeline = """
    pipeline: training
    summary: report test <b>&amp;</b>
    params: {start: 8, steps: 20}
    stages:
      seed: {use: test.emit, with: {value: ${start}}}
      train: {use: test.train, in: {number: seed.number}, with: {steps: ${steps}, log_interval: 5, warning: "<script>alert('x')</script> & \\u001b[31mred"}}
    outputs: {avatar: train.number}
    """

/// Reports (`RunReport`), comparisons (`RunComparison`) and the event log every run keeps.
@Suite struct ReportTests {
    @Test func everyRunKeepsItsEventsInTheRunDirectory() async throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", trainingPipeline)
        let sink = RecordingSink()
        let result = try await workspace.run("p.yaml", sink: sink)
        #expect(result.succeeded)
        let text = try String(contentsOf: result.runDirectory.appendingPathComponent("events.jsonl"), encoding: .utf8)
        let logged = try text.split(separator: "\n").map { try JSONDecoder().decode(RunEvent.self, from: Data($0.utf8)) }
        #expect(logged == sink.events)
        #expect(logged.first?.kind == .runStarted && logged.last?.kind == .runFinished)
    }

    @Test func reportIsWellFormedAndItsCurvesAreTheEvents() async throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", trainingPipeline)
        let result = try await workspace.run("p.yaml")
        let file = try RunReport.write(runDirectory: result.runDirectory)
        #expect(file.lastPathComponent == "report.html")
        let root = try XMLNode.parse(try Data(contentsOf: file))
        #expect(root.name == "html")
        #expect(root.elements("script").isEmpty)
        #expect(root.elements("link").isEmpty, "no external resources")

        // The warning's markup is text, not elements; the control character is replaced.
        let warning = try #require(root.elements("li").first { $0.allText.hasPrefix("train:") })
        #expect(warning.allText == "train: <script>alert('x')</script> & \u{FFFD}[31mred")
        #expect(root.elements("title").first?.text == "AvatarFlow report — \(result.runDirectory.lastPathComponent)")

        // One plot per metric; its values are the events' and its points their positions.
        let events = try String(contentsOf: result.runDirectory.appendingPathComponent("events.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { try JSONDecoder().decode(RunEvent.self, from: Data($0.utf8)) }
            .filter { $0.kind == .progress && $0.metrics != nil }
        #expect(events.map(\.completed) == [5, 10, 15, 20])
        let plots = root.elements("svg").filter { $0.attributes["class"] == "plot" }
        #expect(plots.count == 2)
        for plot in plots {
            let line = try #require(plot.elements("polyline").first)
            let metric = try #require(line.attributes["data-series"])
            let values = try #require(line.attributes["data-values"]).split(separator: " ").map { pair in
                pair.split(separator: ",").map { Double($0)! }
            }
            #expect(values.map { $0[0] } == events.map { Double($0.completed!) })
            #expect(values.map { $0[1] } == events.map { $0.metrics![metric]! })
            if metric == "loss" { #expect(values.map { $0[1] } == [5, 10, 15, 20].map { TrainNumber.loss(start: 8, step: $0) }) }
            let x = plot.attributes["data-x-domain"]!.split(separator: " ").map { Double($0)! }
            let y = plot.attributes["data-y-domain"]!.split(separator: " ").map { Double($0)! }
            let area = plot.attributes["data-plot-area"]!.split(separator: " ").map { Double($0)! }
            let drawn = line.attributes["points"]!.split(separator: " ").map { $0.split(separator: ",").map { Double($0)! } }
            #expect(drawn.count == values.count)
            for (point, value) in zip(drawn, values) {
                let px = area[0] + (value[0] - x[0]) / (x[1] - x[0]) * area[2]
                let py = area[1] + (1 - (value[1] - y[0]) / (y[1] - y[0])) * area[3]
                #expect(abs(point[0] - px) < 0.01 && abs(point[1] - py) < 0.01, "\(metric): \(point) vs (\(px), \(py))")
            }
        }

        // The training.json figures and the timeline.
        let cells = root.elements("td").map(\.allText)
        #expect(cells.contains("final_loss") && cells.contains(Markup.number(TrainNumber.loss(start: 8, step: 20))))
        let bars = root.elements("rect").compactMap { $0.attributes["data-stage"] }
        #expect(Set(bars) == ["seed", "train"])
    }

    @Test func escapingCoversMarkupQuotesAndControlCharacters() throws {
        #expect(Markup.escape("<a href=\"x\">Tom & 'Jerry'</a>") == "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;")
        #expect(Markup.escape("tab\tline\nbell\u{07}esc\u{1B}") == "tab\tline\nbell\u{FFFD}esc\u{FFFD}")
        let hostile = "\"><script>x</script>&amp;\u{1B}"
        let markup = Markup.text("p", ["title": hostile], hostile)
        let node = try XMLNode.parse(Data(markup.utf8))
        #expect(node.children.isEmpty)
        #expect(node.attributes["title"] == "\"><script>x</script>&amp;\u{FFFD}")
        #expect(node.text == "\"><script>x</script>&amp;\u{FFFD}")
    }

    @Test func reportIsRewrittenAsStagesFinish() async throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", diamondPipeline)
        let writer = ReportWriterSink()
        let snapshots = SnapshotSink()
        var options = RunOptions()
        options.runsDirectory = workspace.runs
        let runner = PipelineRunner(store: try ArtifactStore(root: workspace.cache), sink: FanOutEventSink([writer, snapshots]))
        let result = try await runner.run(try workspace.plan("p.yaml"), options: options)
        #expect(writer.problems.isEmpty)
        let written = try #require(writer.reports.values.first)
        #expect(written == result.runDirectory.appendingPathComponent("report.html"))
        // After the first stage ended the report said "in progress" and listed that stage as done.
        let first = try #require(snapshots.taken.first)
        #expect(first.event.kind == .finished || first.event.kind == .cached)
        let early = try XMLNode.parse(Data(first.html.utf8))
        #expect(early.elements("span").contains { $0.text == "in progress" })
        let rows = early.elements("tr").filter { $0.children.first?.text == first.event.stage }
        #expect(rows.count == 1 && rows[0].allText.contains("ran"))
        let final = try XMLNode.parse(try Data(contentsOf: written))
        #expect(final.elements("span").contains { $0.text == "succeeded" })
        #expect(snapshots.taken.count >= 4)
    }

    @Test func compareColumnsAreExactlyTheDifferingSettings() async throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", trainingPipeline)
        let a = try await workspace.run("p.yaml")
        let b = try await workspace.run("p.yaml", overrides: ["start=4"])
        let c = try await workspace.run("p.yaml", overrides: ["start=4", "train.log_interval=10"])
        let comparison = try RunComparison(directories: [a, b, c].map(\.runDirectory))
        #expect(comparison.differingSettings == ["start", "seed.value", "train.log_interval"])
        #expect(comparison.metricNames == ["avatar.final_loss", "avatar.steps", "run/seconds", "train/loss", "train/psnr_db"])
        let (header, rows) = comparison.table
        #expect(header.prefix(4) == ["run", "start", "seed.value", "train.log_interval"])
        #expect(rows.map { Array($0[1...3]) } == [["8", "8", "5"], ["4", "4", "5"], ["4", "4", "10"]])
        #expect(rows.map { $0[header.firstIndex(of: "train/loss")!] } == [8.0, 4, 4].map { Markup.number($0 / 21) })

        let chosen = try RunComparison(directories: [a, b].map(\.runDirectory), metrics: ["avatar.final_loss"])
        let markdown = chosen.markdown().split(separator: "\n").map(String.init)
        #expect(markdown[0] == "| run | start | seed.value | avatar.final_loss |")
        #expect(markdown[1] == "|---|---|---|---|")
        #expect(markdown[2] == "| \(a.runDirectory.lastPathComponent) | 8 | 8 | \(Markup.number(8.0 / 21)) |")
        let html = try XMLNode.parse(Data(chosen.html().utf8))
        #expect(html.elements("th").map(\.text) == ["run", "start", "seed.value", "avatar.final_loss"])
        let curves = html.elements("svg").filter { $0.attributes["class"] == "plot" }
        #expect(curves.map { $0.elements("title").first?.text } == ["train/loss", "train/psnr_db"])
        #expect(curves.allSatisfy { $0.elements("polyline").compactMap { $0.attributes["data-series"] } == [a, b].map(\.runDirectory.lastPathComponent) })

        // Same settings: no setting columns.
        let same = try RunComparison(directories: [a.runDirectory, a.runDirectory])
        #expect(same.differingSettings.isEmpty)
        #expect(throws: RunDirectoryError.self) { try RunComparison(directories: [a.runDirectory], metrics: ["train/los"]) }
        do {
            _ = try RunComparison(directories: [a.runDirectory], metrics: ["train/los"])
        } catch {
            #expect("\(error)".contains("no run has a metric 'train/los'") && "\(error)".contains("did you mean 'train/loss'?"))
        }
    }

    @Test func reportOfAFailedRunShowsTheErrorTheLogAndWhatWasSkipped() async throws {
        let workspace = try Workspace()
        try workspace.write(
            "p.yaml",
            "pipeline: broken\nstages:\n  a: {use: test.emit}\n  bad: {use: test.fail, in: {number: a.number}}\n  after: {use: test.add, in: {a: bad.number}}\n"
        )
        let result = try await workspace.run("p.yaml")
        #expect(!result.succeeded)
        let root = try XMLNode.parse(try Data(contentsOf: try RunReport.write(runDirectory: result.runDirectory)))
        #expect(root.elements("h1").first?.elements("span").first?.text == "failed")
        let statuses = Dictionary(
            uniqueKeysWithValues: root.elements("tr").compactMap { row -> (String, String)? in
                guard let status = row.elements("span").first(where: { $0.attributes["class"]?.hasPrefix("status") == true }) else { return nil }
                return (row.children.first!.text, status.text)
            })
        #expect(statuses == ["a": "ran", "bad": "failed", "after": "skipped"])
        let pre = root.elements("pre").map(\.text)
        #expect(pre.contains { $0.contains("test.fail failed on purpose") })
        #expect(pre.contains { $0.contains("cache key") }, "the failed stage's log tail")
        #expect(root.elements("h3").map(\.text).contains("after: skipped"))
    }

    @Test func aMissingOrNonRunDirectoryIsNamedWithTheFix() async throws {
        let workspace = try Workspace()
        let missing = workspace.root.appendingPathComponent("runs/nope")
        do {
            _ = try RunContents(directory: missing)
            Issue.record("no error")
        } catch let error as RunDirectoryError {
            #expect(error.path == missing.path)
            #expect("\(error)".contains("no such directory") && "\(error)".contains("runs/<pipeline>-<timestamp>/"))
        }
        do {
            _ = try RunContents(directory: workspace.root)
            Issue.record("no error")
        } catch let error as RunDirectoryError {
            #expect("\(error)".contains("\(workspace.root.path): not a run directory (no pipeline.yaml and stages/)"))
        }
        // The runs/ parent: the newest run directory in it is named.
        try workspace.write("p.yaml", diamondPipeline)
        _ = try await workspace.run("p.yaml")
        let newest = try await workspace.run("p.yaml")
        do {
            _ = try RunContents(directory: workspace.runs)
            Issue.record("no error")
        } catch let error as RunDirectoryError {
            #expect(error.fix == "it holds 2 run directories; pass one, e.g. \(newest.runDirectory.path)")
        }
        let file = try workspace.write("file.txt", "x")
        #expect(throws: RunDirectoryError.self) { try RunContents(directory: file) }
    }
}

/// Records the report file each time a stage ends (placed after a `ReportWriterSink`).
final class SnapshotSink: RunEventSink, @unchecked Sendable {
    private let lock = NSLock()
    private var directory: URL?
    private var stored: [(event: RunEvent, html: String)] = []

    func receive(_ event: RunEvent) {
        lock.lock()
        defer { lock.unlock() }
        if event.kind == .runStarted { directory = event.message.map { URL(fileURLWithPath: $0) } }
        guard [.finished, .cached].contains(event.kind), let directory,
            let html = try? String(contentsOf: directory.appendingPathComponent("report.html"), encoding: .utf8)
        else { return }
        stored.append((event, html))
    }

    var taken: [(event: RunEvent, html: String)] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}
