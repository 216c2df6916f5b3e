import AvatarFlow
import AvatarFlowStages
import Foundation
import Testing

/// Every registered stage's `@Param` declarations, checked generically: a new stage is covered by
/// registering it.
@Suite struct StageParameterContractTests {
    static let stages = ProductionStages.all.map { StageDescriptor($0) }

    @Test(arguments: stages.map(\.id))
    func defaultsDecodeIntoTheParameterStruct(_ id: String) throws {
        let stage = try #require(Self.stages.first { $0.id == id })
        let decoded = try stage.decodedValues(stage.defaultParameters)
        #expect(decoded == stage.flatDefaults)
    }

    @Test(arguments: stages.map(\.id))
    func everyParameterHasADocLineAndAUniqueName(_ id: String) throws {
        let stage = try #require(Self.stages.first { $0.id == id })
        #expect(Set(stage.fields.map(\.name)).count == stage.fields.count)
        #expect(stage.undeclaredParameterProperties.isEmpty, "\(id): declare \(stage.undeclaredParameterProperties) with @Param")
        for field in stage.fields {
            #expect(field.doc.count >= 10, "\(id).\(field.name) needs a doc line that says what it does")
            #expect(field.name.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" || $0 == "." }, "\(id).\(field.name) is not snake_case")
        }
    }

    @Test(arguments: stages.map(\.id))
    func defaultsRoundTripThroughTheResolvedYAML(_ id: String) throws {
        let stage = try #require(Self.stages.first { $0.id == id })
        let yaml = YAMLWriter.write(.object(["with": stage.defaultParameters]))
        let reread = try ConfigNode.parse(yaml: yaml, file: "pipeline.yaml").get().value
        for field in stage.fields {
            let value = try #require(reread.value(atDottedPath: "with." + field.name), "\(id).\(field.name) is missing from\n\(yaml)")
            #expect(field.check(value) == .success(field.defaultValue), "\(id).\(field.name) reads back as \(value)")
        }
    }

    @Test(arguments: stages.map(\.id))
    func aChangedValueReachesItsOwnProperty(_ id: String) throws {
        let stage = try #require(Self.stages.first { $0.id == id })
        for field in stage.fields {
            guard let changed = Self.otherValidValue(for: field) else { continue }
            var flat = stage.flatDefaults
            flat[field.name] = changed
            let decoded = try stage.decodedValues(StageDescriptor.nest(flat))
            #expect(decoded == flat, "\(id).\(field.name) = \(changed) did not reach its property alone")
        }
    }

    @Test(arguments: stages.map(\.id))
    func rangesChoicesAndTypesAreEnforced(_ id: String) throws {
        let stage = try #require(Self.stages.first { $0.id == id })
        for field in stage.fields {
            #expect(Self.isRefused(field.check(.object([:]))), "\(id).\(field.name) accepted an object")
            if let minimum = field.minimum, let below = Self.value(minimum - 1, like: field) {
                #expect(Self.isRefused(field.check(below)), "\(id).\(field.name) accepted \(below) below \(minimum)")
            }
            if let maximum = field.maximum, let above = Self.value(maximum + 1, like: field) {
                #expect(Self.isRefused(field.check(above)), "\(id).\(field.name) accepted \(above) above \(maximum)")
            }
            if field.kind == .choice || field.kind == .choiceList {
                let unknown: ConfigValue = field.kind == .choice ? .string("no-such-choice") : .list([.string("no-such-choice")])
                #expect(Self.isRefused(field.check(unknown)), "\(id).\(field.name) accepted an unknown choice")
            }
        }
    }

    @Test func anUnknownChoiceIsAValidationErrorWithADidYouMean() throws {
        let registry = StageRegistry(ProductionStages.all)
        let yaml = """
            pipeline: typo
            stages:
              capture: {use: synthetic.capture}
              decode: {use: video.decode, in: {capture: capture.capture}}
              encode: {use: video.encode, in: {frames: decode.frames}, with: {preset: slwo}}
            """
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("typo-\(UUID().uuidString).yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let error = try #require(throws: PipelineValidationError.self) {
            try PipelineValidator(registry: registry, requireInputPaths: false).plan(try PipelineLoader().load(file))
        }
        let problem = try #require(error.diagnostics.first { $0.message.contains("encode.preset = 'slwo' is not allowed") })
        #expect(problem.hint?.contains("did you mean 'slow'? allowed: ultrafast, superfast") == true)
        #expect(problem.location?.line == 5)
    }

    /// A valid value other than the default, or nil when the field has only one.
    static func otherValidValue(for field: ParameterField) -> ConfigValue? {
        switch field.kind {
        case .bool: if case .bool(let value) = field.defaultValue { return .bool(!value) }
        case .int, .double:
            let candidates = [field.maximum, field.minimum, 7].compactMap { $0 }
            for candidate in candidates {
                if let value = value(candidate, like: field), value != field.defaultValue, case .success = field.check(value) { return value }
            }
        case .string, .path: return .string(field.defaultValue == .string("changed") ? "other" : "changed")
        case .choice: return field.choices.first { .string($0) != field.defaultValue }.map(ConfigValue.string)
        case .intList, .doubleList: return value(field.maximum ?? field.minimum ?? 3, like: field)
        case .stringList: return .list([.string("a"), .string("b")])
        case .choiceList: return .list(field.choices.suffix(2).map(ConfigValue.string))
        }
        return nil
    }

    /// `number` as the field's value: an integer or a real, and a list of two for list kinds.
    static func value(_ number: Double, like field: ParameterField) -> ConfigValue? {
        switch field.kind {
        case .int: abs(number) < 1e15 ? .int(Int(number)) : nil
        case .double: .double(number)
        case .intList: abs(number) < 1e15 ? .list([.int(Int(number)), .int(Int(number))]) : nil
        case .doubleList: .list([.double(number), .double(number)])
        default: nil
        }
    }

    static func isRefused(_ result: Result<ConfigValue, ParameterProblem>) -> Bool {
        if case .failure = result { return true }
        return false
    }
}
