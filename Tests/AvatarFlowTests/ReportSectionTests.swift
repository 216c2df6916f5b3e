import EngineTestStages
import Foundation
import TestSupport
import Testing

@testable import AvatarFlow

/// A 3×3 RGB PNG (red, green, blue columns), for outputs with pictures.
let tinyPNG = Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAMAAAADCAIAAADZSiLoAAAAEElEQVR4nGP4z8DAAMFYWACGlwj4r2lYzwAAAABJRU5ErkJggg==")!

/// One stage at its defaults (one of them spelled as a float), one changed, one nested group changed.
let parameterPipeline = """
    pipeline: parameters
    stages:
      one: {use: test.emit, with: {value: 3}}
      two: {use: test.emit, with: {value: 1, seconds: 0.0}}
      sum: {use: test.add, in: {a: one.number, b: two.number}, with: {scale: {factor: 2}}}
    outputs: {total: sum.sum}
    """

/// The report's pipeline graph, parameters-versus-defaults table and environment section.
@Suite struct ReportSectionTests {
    @Test func everyRunRecordsWhereItRan() async throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", diamondPipeline)
        let result = try await workspace.run(
            "p.yaml", options: RunOptions(jobs: 3, environmentComponents: ["OpenBLAS kernel": "TestKernel"]))
        let environment = try #require(RunEnvironment.read(from: result.runDirectory))
        #expect(environment.stageJobs == 3)
        #expect(environment.components == ["OpenBLAS kernel": "TestKernel"])
        #expect(environment.logicalCPUs == ProcessInfo.processInfo.processorCount)
        #expect(!environment.cpuModel.isEmpty && environment.system.hasPrefix("Linux"))

        let root = try XMLNode.parse(try Data(contentsOf: try RunReport.write(runDirectory: result.runDirectory)))
        let table = try #require(root.elements("table").first { $0.attributes["class"] == "environment" })
        let rows = Dictionary(
            table.elements("tr").map { ($0.elements("th").first?.allText ?? "", $0.elements("td").first?.allText ?? "") }
        ) { a, _ in a }
        #expect(rows["OpenBLAS kernel"] == "TestKernel")
        #expect(rows["stage jobs"] == "3 (--jobs)")
        #expect(rows["CPU"]?.hasPrefix(environment.cpuModel) == true)
    }

    @Test func pipelineGraphHasABoxPerStageAndAnArrowPerWiredInput() async throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", diamondPipeline)
        _ = try await workspace.run("p.yaml", overrides: ["two.value=5"])
        let result = try await workspace.run("p.yaml")  // `two` runs again, the others are reused
        let run = try RunContents(directory: result.runDirectory)
        let root = try XMLNode.parse(try Data(contentsOf: try RunReport.write(runDirectory: result.runDirectory)))
        let graph = try #require(root.elements("svg").first { $0.attributes["class"] == "pipeline-graph" })

        let nodes = graph.elements("g").filter { $0.attributes["data-node"] != nil }
        let statuses = Dictionary(uniqueKeysWithValues: nodes.map { ($0.attributes["data-node"]!, $0.attributes["data-status"]!) })
        #expect(statuses == ["one": "cached", "two": "ran", "slow": "cached", "sum": "ran"])
        #expect(Set(run.stages.map(\.name)) == Set(statuses.keys))

        let edges = Set(
            graph.elements("path").compactMap { path in
                path.attributes["data-from"].map { "\($0) → \(path.attributes["data-to"]!).\(path.attributes["data-port"]!)" }
            })
        #expect(edges == ["one → slow.number", "slow → sum.a", "two → sum.b"])
        // Each stage's box says how long it ran, or that it was reused.
        let two = try #require(nodes.first { $0.attributes["data-node"] == "two" })
        let seconds = try #require(run.stage("two")?.record?.durationSeconds)
        #expect(two.allText.contains("test.emit · \(Markup.duration(seconds))"))
        #expect(nodes.first { $0.attributes["data-node"] == "one" }!.allText.contains("test.emit · cached"))
    }

    @Test func pipelineGraphLayersStagesBelowWhatFeedsThem() {
        let chart = PipelineGraphChart(
            nodes: ["$in", "a", "b", "c"].map { PipelineGraphChart.Node(name: $0, detail: "", status: $0 == "$in" ? "input" : "ran") },
            edges: [
                .init(from: "$in", to: "a", port: "x"), .init(from: "a", to: "b", port: "x"), .init(from: "a", to: "c", port: "x"),
                .init(from: "b", to: "c", port: "y"), .init(from: "nowhere", to: "c", port: "z"),
            ])
        #expect(chart.layers() == ["$in": 0, "a": 1, "b": 2, "c": 3])
        #expect(chart.edges.count == 4, "an edge from an unknown node is left out")
        let (positions, _, _) = chart.layout()
        #expect(positions["$in"]!.y < positions["a"]!.y && positions["a"]!.y < positions["b"]!.y && positions["b"]!.y < positions["c"]!.y)
    }

    @Test func changedParametersAreExactlyThoseThatDifferFromTheDefaults() async throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", parameterPipeline)
        let result = try await workspace.run("p.yaml", overrides: ["sum.offset=-2"])
        let report = RunReport(run: try RunContents(directory: result.runDirectory), context: ReportContext(registry: workspace.registry))
        let rows = try #require(report.changedParameters())
        #expect(
            rows.map { "\($0.stage).\($0.parameter)=\($0.value) (\($0.defaultValue))" } == ["one.value=3 (1)", "sum.offset=-2 (0)", "sum.scale.factor=2 (1)"])

        let root = try XMLNode.parse(Data(report.html().utf8))
        let table = try #require(root.elements("table").first { $0.attributes["class"] == "changed-parameters" })
        #expect(table.elements("tr").compactMap { $0.attributes["data-setting"] } == ["one.value", "sum.offset", "sum.scale.factor"])
    }

    @Test func withoutTheCatalogueTheReportSaysWhyParametersAreNotCompared() async throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", parameterPipeline)
        let result = try await workspace.run("p.yaml")
        let report = RunReport(run: try RunContents(directory: result.runDirectory))
        #expect(report.changedParameters() == nil)
        #expect(report.html().contains("Not shown: this report was written without the stage catalogue."))
    }

    @Test func largePicturesBecomeThumbnailsAndVideosFramesThroughThePreviewer() async throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", parameterPipeline)
        let result = try await workspace.run("p.yaml")
        var run = try RunContents(directory: result.runDirectory)
        let folder = workspace.root.appendingPathComponent("pictures")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try tinyPNG.write(to: folder.appendingPathComponent("grid.png"))
        try Data("not really a video".utf8).write(to: folder.appendingPathComponent("video.mp4"))
        run.outputs.append(RunContents.Output(name: "grids", url: folder, manifest: nil))

        var report = RunReport(run: run, context: ReportContext(previews: FakePreviews()))
        report.images.maxFileBytes = 10  // the 3×3 PNG is larger: it is shown as a thumbnail
        let root = try XMLNode.parse(Data(report.html().utf8))
        let pictures = root.elements("img")
        #expect(pictures.map { $0.attributes["alt"] ?? "" } == ["grids/grid.png", "grids/video.mp4 frame 1", "grids/video.mp4 frame 2"])
        #expect(pictures.allSatisfy { $0.attributes["src"] == Markup.pngDataURI(tinyPNG) })
        #expect(root.elements("figcaption").first?.allText == "grid.png — 3×3, shown as a 3×3 thumbnail")

        // Without a previewer, the video is named and the large picture skipped, each with the reason.
        report.context = ReportContext()
        let plain = report.html()
        #expect(plain.contains("Frames not shown: this report was written without a video decoder."))
        #expect(plain.contains("grid.png: not embedded"))
    }
}

/// Returns the tiny PNG for every request, twice for videos.
struct FakePreviews: MediaPreviewing {
    func videoFrames(of url: URL, count: Int, maxWidth: Int) throws -> [Data] { [tinyPNG, tinyPNG] }
    func thumbnail(ofPNG url: URL, maxWidth: Int) throws -> Data { tinyPNG }
}
