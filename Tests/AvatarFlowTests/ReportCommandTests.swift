import AvatarFlow
import Foundation
import TestSupport
import Testing

/// `avatarflow run --report`, `report` and `compare` as a user runs them (the testbed CLI).
extension ProcessTests {
    @Test func runWithReportThenReportAndCompareFromTheCommandLine() throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", trainingPipeline)
        let first = try runToEnd(workspace, ["run", "p.yaml", "--report", "--tensorboard", "tb"], name: "first")
        #expect(first.status == 0, "\(first.error)")
        let runs = try FileManager.default.contentsOfDirectory(atPath: workspace.runs.path)
        let runA = try #require(runs.first)
        #expect(first.output.contains("report: \(workspace.runs.appendingPathComponent(runA).appendingPathComponent("report.html").path)"))
        let report = try XMLNode.parse(try Data(contentsOf: workspace.runs.appendingPathComponent("\(runA)/report.html")))
        #expect(report.elements("span").contains { $0.text == "succeeded" })
        #expect(FileManager.default.fileExists(atPath: workspace.runs.appendingPathComponent("\(runA)/events.jsonl").path))
        #expect(first.output.contains("tensorboard: 1 event file under tb"))
        let exported = try FileManager.default.contentsOfDirectory(atPath: workspace.root.appendingPathComponent("tb/\(runA)/train").path)
        #expect(exported.count == 1 && exported[0].hasPrefix("events.out.tfevents."))

        let second = try runToEnd(workspace, ["run", "p.yaml", "--set", "steps=10"], name: "second")
        #expect(second.status == 0)
        let runB = try #require(try FileManager.default.contentsOfDirectory(atPath: workspace.runs.path).first { $0 != runA })
        #expect(!FileManager.default.fileExists(atPath: workspace.runs.appendingPathComponent("\(runB)/report.html").path))

        let written = try runToEnd(workspace, ["report", "runs/\(runB)", "-o", "b.html"], name: "report")
        #expect(written.status == 0)
        #expect(written.output.hasPrefix("report: \(workspace.root.appendingPathComponent("b.html").path) ("))
        _ = try XMLNode.parse(try Data(contentsOf: workspace.root.appendingPathComponent("b.html")))

        let compared = try runToEnd(workspace, ["compare", "runs/\(runA)", "runs/\(runB)", "--metric", "train/loss"], name: "compare")
        #expect(compared.status == 0, "\(compared.error)")
        let lines = compared.output.split(separator: "\n").map(String.init)
        #expect(lines.first == "| run | steps | train.steps | train/loss |")
        #expect(lines.count == 4)

        let html = try runToEnd(workspace, ["compare", "runs/\(runA)", "runs/\(runB)", "-o", "c.html"], name: "compare-html")
        #expect(html.status == 0)
        let page = try XMLNode.parse(try Data(contentsOf: workspace.root.appendingPathComponent("c.html")))
        #expect(page.elements("th").prefix(3).map(\.text) == ["run", "steps", "train.steps"])
    }

    @Test func reportOfAMissingDirectorySaysWhatToPass() throws {
        let workspace = try Workspace()
        let result = try runToEnd(workspace, ["report", "runs/nothing-here"])
        #expect(result.status == 1)
        #expect(result.error.contains("\(workspace.root.path)/runs/nothing-here: no such directory; pass a run directory"))
        let compare = try runToEnd(workspace, ["compare", "."], name: "compare")
        #expect(compare.status == 1)
        #expect(compare.error.contains("not a run directory (no pipeline.yaml and stages/)"))
    }
}
