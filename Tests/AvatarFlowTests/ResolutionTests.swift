import AvatarFlow
import Foundation
import Testing

/// `extends:`, `${param}` substitution, `--set` overrides and `matrix:` expansion.
@Suite struct ResolutionTests {
    @Test func parameterSubstitutionKeepsTheParameterType() throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", diamondPipeline)
        let plan = try workspace.plan("p.yaml")
        #expect(plan.stage("one")?.parameters == .object(["value": .int(3), "seconds": .double(0)]))
    }

    @Test func embeddedReferenceIsInterpolatedIntoText() throws {
        let workspace = try Workspace()
        try workspace.write(
            "p.yaml",
            "pipeline: x\nparams: {name: run7}\nstages:\n  a: {use: test.emit}\n  s: {use: test.slow, in: {number: a.number}, with: {label: \"take-${name}-b\"}}\n"
        )
        let plan = try workspace.plan("p.yaml")
        #expect(plan.stage("s")?.parameters == .object(["label": .string("take-run7-b"), "seconds": .double(0.5)]))
    }

    @Test func extendsMergesStageByStage() throws {
        let workspace = try Workspace()
        try workspace.write("base.yaml", diamondPipeline)
        try workspace.write(
            "ablation.yaml",
            """
            pipeline: diamond-ablation
            extends: base.yaml
            stages:
              sum: {with: {offset: 7}}
              two: {use: test.emit, with: {value: 10}}
            """)
        let plan = try workspace.plan("ablation.yaml")
        #expect(plan.spec.name == "diamond-ablation")
        #expect(plan.stages.count == 4)
        #expect(plan.stage("sum")?.parameters == .object(["offset": .int(7), "scale": .object(["factor": .int(2)])]))
        #expect(plan.stage("sum")?.inputs["a"] == .stageOutput(stage: "slow", port: "number"))
        #expect(plan.stage("two")?.parameters == .object(["value": .int(10), "seconds": .double(0)]))
    }

    @Test func extendsCanRemoveAStageWithNull() throws {
        let workspace = try Workspace()
        try workspace.write("base.yaml", diamondPipeline)
        try workspace.write("smaller.yaml", "pipeline: smaller\nextends: base.yaml\nstages:\n  sum: ~\noutputs: {total: ~}\n")
        let plan = try workspace.plan("smaller.yaml")
        #expect(plan.stage("sum") == nil)
        #expect(plan.stages.count == 3)
    }

    @Test func overrideSetsAPipelineParameter() throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", diamondPipeline)
        let plan = try workspace.plan("p.yaml", overrides: ["start=11"])
        #expect(plan.stage("one")?.parameters == .object(["value": .int(11), "seconds": .double(0)]))
    }

    @Test func overrideSetsANestedStageParameter() throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", diamondPipeline)
        let plan = try workspace.plan("p.yaml", overrides: ["sum.scale.factor=3", "sum.offset=-2"])
        #expect(plan.stage("sum")?.parameters == .object(["offset": .int(-2), "scale": .object(["factor": .int(3)])]))
    }

    @Test func overrideValuesAreCheckedLikeFileValues() throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", diamondPipeline)
        let diagnostic = try #require(workspace.diagnostics("p.yaml", overrides: ["sum.scale.factor=99"]).first)
        #expect(diagnostic.kind == .parameterRange)
        #expect(diagnostic.location == .commandLine(argument: 1))
    }

    @Test func matrixExpandsToTheCartesianProductWithReadableNames() throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", diamondPipeline + "\nmatrix:\n  start: [1, 2]\n  sum.offset: [0, 5]\n")
        let points = Matrix.points(of: try workspace.load("p.yaml").matrix)
        #expect(points.map(\.label) == ["start=1-sum.offset=0", "start=1-sum.offset=5", "start=2-sum.offset=0", "start=2-sum.offset=5"])
        let plan = try PipelineValidator(registry: workspace.registry)
            .plan(try PipelineLoader(overrides: points[3].overrides).load(workspace.root.appendingPathComponent("p.yaml")))
        #expect(plan.stage("one")?.parameters == .object(["value": .int(2), "seconds": .double(0)]))
        #expect(plan.stage("sum")?.parameters == .object(["offset": .int(5), "scale": .object(["factor": .int(2)])]))
    }

    @Test func inputPathComesFromTheCommandLine() throws {
        let workspace = try Workspace()
        let data = workspace.root.appendingPathComponent("numbers")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try workspace.write("p.yaml", "pipeline: x\ninputs:\n  start: {type: Numbers}\nstages:\n  s: {use: test.slow, in: {number: $start}}\n")
        let spec = try PipelineLoader(inputPaths: ["start": data]).load(workspace.root.appendingPathComponent("p.yaml"))
        #expect(spec.inputs.first?.path == data)
        #expect(workspace.diagnostics("p.yaml").first?.message.contains("input 'start' (Numbers) has no path") == true)
    }

    @Test func resolvedPipelineIsWrittenWithAllParameters() async throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", diamondPipeline)
        let result = try await workspace.run("p.yaml", overrides: ["sum.offset=1"])
        let text = try String(contentsOf: result.runDirectory.appendingPathComponent("pipeline.yaml"), encoding: .utf8)
        #expect(text.contains("offset: 1"))
        #expect(text.contains("seconds: 0.05"))
        #expect(text.contains("factor: 2"))
    }
}

@Suite struct StageSwapTests {
    @Test func extendsReplacesAStageThatSwitchesToAnotherStageType() throws {
        let workspace = try Workspace()
        try workspace.write("base.yaml", diamondPipeline)
        try workspace.write(
            "swap.yaml",
            """
            pipeline: swapped
            extends: base.yaml
            stages:
              sum: {use: test.slow, in: {number: two.number}}
            outputs: {total: sum.number}
            """)
        let plan = try workspace.plan("swap.yaml")
        #expect(plan.stage("sum")?.descriptor.id == "test.slow")
        #expect(plan.stage("sum")?.inputs == ["number": .stageOutput(stage: "two", port: "number")])
        #expect(plan.stage("sum")?.parameters == .object(["seconds": .double(0.5), "label": .string("")]))
    }
}
