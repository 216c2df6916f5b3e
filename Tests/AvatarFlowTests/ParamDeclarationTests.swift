import AvatarFlow
import Testing

/// Parameters exercising every kind of `@Param` declaration.
private struct SampleParameters: StageParameters {
    enum Mode: String, ParameterChoice {
        case fast
        case slow = "slow-mode"
    }

    struct Schedule: ParameterGroup {
        @Param("Steps per phase.", range: 1...4)
        var factor: Int = 2
        init() {}
    }

    @Param("Final learning rate.", range: 0...1)
    var positionLRFinal: Double = 0.5
    @Param("Frames to export.", range: 0...9)
    var exportPLYFrames: [Int] = [1]
    @Param("Speed.")
    var mode: Mode = .fast
    @Param("Speeds to try.")
    var modes: [Mode] = []
    @Param(path: "A weights file.")
    var weights: String = ""
    @Param("Named explicitly.", name: "custom_key")
    var somethingElse: Bool = false
    var schedule = Schedule()
    init() {}
}

private struct SampleStage: Stage {
    typealias Parameters = SampleParameters
    static let id = "test.sample"
    static let version = 1
    static let summary = "Declares one parameter of each kind."
    static let inputs: [StagePort] = []
    static let outputs: [StagePort] = []
    func run(_ context: StageContext, _ parameters: SampleParameters) throws {}
}

private struct ParametersWithAnUndeclaredProperty: StageParameters {
    @Param("Declared.")
    var declared: Int = 1
    var forgotten = 3
    init() {}
}

@Suite struct ParamDeclarationTests {
    let stage = StageDescriptor(SampleStage.self)

    @Test func namesAreTheSnakeCasePropertyNamesInDeclarationOrder() {
        #expect(stage.fields.map(\.name) == ["position_lr_final", "export_ply_frames", "mode", "modes", "weights", "custom_key", "schedule.factor"])
    }

    @Test func kindsFollowThePropertyTypes() {
        #expect(stage.fields.map(\.kind) == [.double, .intList, .choice, .choiceList, .path, .bool, .int])
    }

    @Test func defaultsRangesAndChoicesComeFromTheDeclaration() throws {
        let rate = try #require(stage.field("position_lr_final"))
        #expect(rate.defaultValue == .double(0.5) && rate.minimum == 0 && rate.maximum == 1 && rate.doc == "Final learning rate.")
        #expect(stage.field("mode")?.choices == ["fast", "slow-mode"])
        #expect(stage.field("modes")?.choices == ["fast", "slow-mode"])
        #expect(stage.field("schedule.factor")?.maximum == 4)
    }

    @Test func choiceListsRefuseAnUnknownElement() throws {
        let modes = try #require(stage.field("modes"))
        #expect(modes.check(.list([.string("slow-mode")])) == .success(.list([.string("slow-mode")])))
        #expect(modes.check(.list([.string("fast"), .string("slow")])) == .failure(.notAllowed("slow", choices: ["fast", "slow-mode"])))
    }

    @Test func setValuesDecodeIntoTheirProperties() throws {
        var values = stage.flatDefaults
        values["schedule.factor"] = .int(3)
        values["mode"] = .string("slow-mode")
        values["custom_key"] = .bool(true)
        values["export_ply_frames"] = .list([.int(4), .int(5)])
        #expect(try stage.decodedValues(StageDescriptor.nest(values)) == values)
    }

    @Test func anUndeclaredStoredPropertyIsReported() {
        #expect(ParametersWithAnUndeclaredProperty.fields.map(\.name) == ["declared"])
        #expect(StageDescriptor(StageWithAnUndeclaredProperty.self).undeclaredParameterProperties == ["forgotten"])
        #expect(stage.undeclaredParameterProperties.isEmpty)
    }
}

private struct StageWithAnUndeclaredProperty: Stage {
    typealias Parameters = ParametersWithAnUndeclaredProperty
    static let id = "test.undeclared"
    static let version = 1
    static let summary = "Forgets to declare one parameter."
    static let inputs: [StagePort] = []
    static let outputs: [StagePort] = []
    func run(_ context: StageContext, _ parameters: ParametersWithAnUndeclaredProperty) throws {}
}
