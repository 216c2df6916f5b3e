import Foundation
import TestSupport
import Testing

@testable import AvatarFlow

/// What a hostile or mistaken pipeline file cannot do: write outside the run and cache
/// directories, or exhaust memory and time with a few hundred bytes.
@Suite struct HostileInputTests {
    private func diagnostics(_ yaml: String, overrides: [String] = []) throws -> [Diagnostic] {
        let workspace = try Workspace()
        try workspace.write("p.yaml", yaml)
        return workspace.diagnostics("p.yaml", overrides: overrides)
    }

    @Test func aPipelineNameThatClimbsOutOfTheRunsDirectoryIsRefusedWhereItIsWritten() throws {
        let found = try diagnostics("pipeline: ../../../victim\nstages:\n  a: {use: test.emit}\n")
        let problem = try #require(found.first { $0.kind == .unsafeName })
        #expect(problem.message.contains("pipeline name '../../../victim' contains '/'"))
        #expect(problem.location?.line == 1 && problem.location?.column == 11)
        #expect(problem.hint == PathComponent.rule)
    }

    @Test func stageAndOutputNamesThatAreNotFileNamesAreRefused() throws {
        let found = try diagnostics(
            """
            pipeline: names
            stages:
              "..": {use: test.emit}
              ok: {use: test.emit}
            outputs: {"../escape": ok.number, ".hidden": ok.number}
            """)
        let messages = found.filter { $0.kind == .unsafeName }.map(\.message)
        #expect(messages.contains { $0.hasPrefix("stage name '..' would name the current or parent directory") })
        #expect(messages.contains { $0.hasPrefix("output name '../escape' contains '/'") })
        #expect(messages.contains { $0.hasPrefix("output name '.hidden' starts with '.'") })
    }

    @Test func matrixValuesBecomeRunDirectoriesInsideTheRunsDirectory() async throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", "pipeline: sweep\nstages:\n  a: {use: test.emit}\nmatrix: {a.value: [1, 2]}\n")
        let spec = try workspace.load("p.yaml")
        let points = Matrix.points(of: spec.matrix)
        #expect(points.map(\.label) == ["a.value=1", "a.value=2"])
        #expect(PathComponent.sanitized("x=../../etc") == "x=.._.._etc")
        #expect(PathComponent.sanitized("../up") == "_._up")
        #expect(PathComponent.problem(PathComponent.sanitized("a/../../b c\u{0}")) == nil)
    }

    @Test func theRunnerRefusesARunNameThatIsNotOneFileName() async throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", "pipeline: fine\nstages:\n  a: {use: test.emit}\n")
        var options = RunOptions()
        options.runName = "../outside"
        await #expect(throws: PathComponentError.self) { _ = try await workspace.run("p.yaml", options: options) }
        #expect(!FileManager.default.fileExists(atPath: workspace.root.appendingPathComponent("outside").path))
    }

    @Test func aYAMLAliasBombIsRefusedBeforeItExpands() throws {
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 { yaml += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ") + "]\n" }
        yaml += "pipeline: bomb\nstages: {a: {use: test.emit, with: {value: *a9}}}\n"
        #expect(yaml.utf8.count < 1000)
        guard case .failure(let diagnostic) = ConfigNode.parse(yaml: yaml, file: "bomb.yaml") else {
            Issue.record("the bomb was parsed")
            return
        }
        #expect(diagnostic.kind == .limit)
        #expect(diagnostic.message.contains("more than 200000 nodes"))
        #expect(diagnostic.hint?.contains("AVATARFLOW_LIMIT_YAML_NODES") == true)
    }

    @Test func deeplyNestedYAMLIsRefusedBeforeTheParserRecurses() throws {
        let yaml = "pipeline: deep\nparams: {x: " + String(repeating: "[", count: 100_000) + "}\n"
        guard case .failure(let diagnostic) = ConfigNode.parse(yaml: yaml, file: "deep.yaml") else {
            Issue.record("the nesting was parsed")
            return
        }
        #expect(diagnostic.kind == .limit && diagnostic.message.contains("nested more than 64 deep"))
        #expect(diagnostic.location?.line == 2)
    }

    @Test func aPipelineFileOverTheSizeLimitIsRefusedWithTheLimitNamed() throws {
        var limits = InputLimits()
        limits.pipelineBytes = 100
        guard case .failure(let diagnostic) = ConfigNode.parse(yaml: String(repeating: "# padding\n", count: 20), file: "big.yaml", limits: limits)
        else {
            Issue.record("the file was parsed")
            return
        }
        #expect(diagnostic.message == "the file is 200 bytes, more than a pipeline file may be")
        #expect(diagnostic.hint?.contains("the limit is 100") == true)
    }

    @Test func limitsCanBeRaisedFromTheEnvironment() {
        let limits = InputLimits(environment: ["AVATARFLOW_LIMIT_MATRIX_POINTS": "5000", "AVATARFLOW_LIMIT_STAGES": "-3"])
        #expect(limits.matrixPoints == 5000)
        #expect(limits.stages == InputLimits().stages, "an invalid value keeps the default")
    }

    @Test func aMatrixIsCountedBeforeItIsExpanded() throws {
        let values = "[" + (1...30).map(String.init).joined(separator: ", ") + "]"
        let axes = (1...5).map { "a.x\($0): \(values)" }.joined(separator: ", ")
        let started = Date()
        let found = try diagnostics("pipeline: sweep\nstages:\n  a: {use: test.emit}\nmatrix: {\(axes)}\n")
        #expect(Date().timeIntervalSince(started) < 10, "nothing was expanded")
        let problem = try #require(found.first { $0.kind == .limit })
        #expect(problem.message == "the matrix has more than 1000 points (30 × 30 × 30 × 30 × 30 values)")
        #expect(problem.location?.line == 4)
    }
}
