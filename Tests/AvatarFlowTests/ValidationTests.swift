import AvatarFlow
import Testing

/// Every class of validation error, with its message and location.
@Suite struct ValidationTests {
    @Test func validPipelineProducesAPlanInDependencyOrder() throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", diamondPipeline)
        let plan = try workspace.plan("p.yaml")
        let order = plan.stages.map(\.name)
        #expect(order.firstIndex(of: "one")! < order.firstIndex(of: "slow")!)
        #expect(order.last == "sum")
    }

    @Test func yamlSyntaxErrorPointsAtLineAndColumn() throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", "pipeline: x\nstages:\n  a: {use: test.emit\n  b: 1\n")
        let diagnostics = workspace.diagnostics("p.yaml")
        #expect(diagnostics.count == 1)
        #expect(diagnostics[0].kind == .yamlSyntax)
        #expect(diagnostics[0].location?.file == "p.yaml" || diagnostics[0].location?.file.hasSuffix("p.yaml") == true)
        #expect(diagnostics[0].location?.line == 4)
    }

    @Test func unknownStageSuggestsTheClosestId() throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", "pipeline: x\nstages:\n  a: {use: test.emitt}\n")
        let diagnostic = try #require(workspace.diagnostics("p.yaml").first)
        #expect(diagnostic.kind == .unknownStage)
        #expect(diagnostic.message.contains("test.emitt"))
        #expect(diagnostic.hint?.contains("did you mean 'test.emit'") == true)
        #expect(diagnostic.location?.line == 3)
        #expect(diagnostic.location?.column == 12)
    }

    @Test func unknownInputPortIsReportedWithSuggestion() throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", "pipeline: x\nstages:\n  a: {use: test.emit}\n  b: {use: test.slow, in: {numbr: a.number}}\n")
        let diagnostics = workspace.diagnostics("p.yaml")
        let unknown = try #require(diagnostics.first { $0.kind == .unknownPort })
        #expect(unknown.message.contains("no input port 'numbr'"))
        #expect(unknown.hint?.contains("did you mean 'number'") == true)
        #expect(unknown.location?.line == 4)
    }

    @Test func unknownOutputPortIsReported() throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", "pipeline: x\nstages:\n  a: {use: test.emit}\n  b: {use: test.slow, in: {number: a.numbers}}\n")
        let diagnostic = try #require(workspace.diagnostics("p.yaml").first { $0.kind == .unknownPort })
        #expect(diagnostic.message.contains("stage 'a' (test.emit) has no output port 'numbers'"))
        #expect(diagnostic.hint?.contains("did you mean 'number'") == true)
    }

    @Test func missingRequiredInputIsReportedAtTheStage() throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", "pipeline: x\nstages:\n  a: {use: test.emit}\n  b: {use: test.add}\n")
        let diagnostic = try #require(workspace.diagnostics("p.yaml").first { $0.kind == .missingPort })
        #expect(diagnostic.message.contains("needs input 'a' (Numbers)"))
        #expect(diagnostic.hint?.contains("a.number") == true)
        #expect(diagnostic.location?.line == 4)
        #expect(diagnostic.location?.column == 3)
    }

    @Test func typeMismatchNamesBothEndsAndBothTypes() throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", "pipeline: x\ninputs:\n  text: {type: Words, default: .}\nstages:\n  b: {use: test.slow, in: {number: $text}}\n")
        let diagnostic = try #require(workspace.diagnostics("p.yaml").first { $0.kind == .typeMismatch })
        #expect(diagnostic.message.contains("input $text is Words but b.number expects Numbers"))
        #expect(diagnostic.location?.line == 5)
    }

    @Test func cycleIsNamedStageByStage() throws {
        let workspace = try Workspace()
        try workspace.write(
            "p.yaml",
            """
            pipeline: x
            stages:
              a: {use: test.add, in: {a: c.sum}}
              b: {use: test.add, in: {a: a.sum}}
              c: {use: test.add, in: {a: b.sum}}
            """)
        let diagnostic = try #require(workspace.diagnostics("p.yaml").first { $0.kind == .cycle })
        #expect(
            diagnostic.message.contains("a → b → c → a") || diagnostic.message.contains("b → c → a → b")
                || diagnostic.message.contains("c → a → b → c"))
    }

    @Test func duplicateStageNameIsReported() throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", "pipeline: x\nstages:\n  a: {use: test.emit}\n  a: {use: test.emit}\n")
        let diagnostic = try #require(workspace.diagnostics("p.yaml").first)
        #expect(diagnostic.kind == .duplicateName)
        #expect(diagnostic.message.contains("'a'"))
    }

    @Test func unknownParameterSuggestsTheClosestName() throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", "pipeline: x\nstages:\n  a: {use: test.emit, with: {valeu: 3}}\n")
        let diagnostic = try #require(workspace.diagnostics("p.yaml").first)
        #expect(diagnostic.kind == .unknownParameter)
        #expect(diagnostic.hint?.contains("did you mean 'value'") == true)
        #expect(diagnostic.location?.line == 3)
        #expect(diagnostic.location?.column == 30)
    }

    @Test func wrongParameterTypeIsReported() throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", "pipeline: x\nstages:\n  a: {use: test.emit, with: {value: lots}}\n")
        let diagnostic = try #require(workspace.diagnostics("p.yaml").first)
        #expect(diagnostic.kind == .parameterType)
        #expect(diagnostic.message.contains("a.value must be integer"))
        #expect(diagnostic.location?.column == 37)
    }

    @Test func outOfRangeValueNamesTheRange() throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", "pipeline: x\nstages:\n  a: {use: test.emit}\n  s: {use: test.add, in: {a: a.number}, with: {scale: {factor: 9}}}\n")
        let diagnostic = try #require(workspace.diagnostics("p.yaml").first)
        #expect(diagnostic.kind == .parameterRange)
        #expect(diagnostic.message.contains("s.scale.factor = 9 is out of range"))
        #expect(diagnostic.hint?.contains("[1, 4]") == true)
        #expect(diagnostic.location?.line == 4)
    }

    @Test func missingExtendsFileIsReportedWhereItIsNamed() throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", "pipeline: x\nextends: nowhere.yaml\n")
        let diagnostic = try #require(workspace.diagnostics("p.yaml").first)
        #expect(diagnostic.kind == .missingExtends)
        #expect(diagnostic.message.contains("nowhere.yaml"))
        #expect(diagnostic.location?.line == 2)
    }

    @Test func unresolvedParameterReferenceIsReported() throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", "pipeline: x\nparams: {start: 1}\nstages:\n  a: {use: test.emit, with: {value: ${strat}}}\n")
        let diagnostic = try #require(workspace.diagnostics("p.yaml").first)
        #expect(diagnostic.kind == .unresolvedReference)
        #expect(diagnostic.message.contains("${strat}"))
        #expect(diagnostic.hint?.contains("did you mean 'start'") == true)
        #expect(diagnostic.location?.line == 4)
    }

    @Test func everyProblemIsReportedAtOnce() throws {
        let workspace = try Workspace()
        try workspace.write(
            "p.yaml",
            """
            pipeline: x
            stages:
              a: {use: test.emitt}
              b: {use: test.emit, with: {value: 5000}}
              c: {use: test.slow, in: {number: b.nope}}
            """)
        let kinds = Set(workspace.diagnostics("p.yaml").map(\.kind))
        #expect(kinds == [.unknownStage, .parameterRange, .unknownPort])
    }

    @Test func unknownOverrideTargetIsReported() throws {
        let workspace = try Workspace()
        try workspace.write("p.yaml", diamondPipeline)
        let diagnostic = try #require(workspace.diagnostics("p.yaml", overrides: ["sume.offset=1"]).first)
        #expect(diagnostic.kind == .override)
        #expect(diagnostic.hint?.contains("did you mean 'sum'") == true)
        #expect(diagnostic.location?.file == "<command line>")
    }

    @Test func diagnosticPrintsLikeACompiler() {
        let diagnostic = Diagnostic.error(
            .unknownStage, at: SourceLocation(file: "p.yaml", line: 3, column: 12),
            "unknown stage 'x'", hint: "did you mean 'y'?")
        #expect(diagnostic.description == "p.yaml:3:12: error: unknown stage 'x'\n    hint: did you mean 'y'?")
    }
}

@Suite struct SuggestionTests {
    @Test func swappedLettersCountAsOneEdit() {
        #expect(Suggestions.editDistance("slwo", "slow") == 1)
        #expect(Suggestions.closest(to: "slwo", in: ["two", "slow", "sum"]) == "slow")
    }

    @Test func unrelatedNamesGetNoSuggestion() {
        #expect(Suggestions.closest(to: "matting", in: ["decode", "encode"]) == nil)
    }
}
