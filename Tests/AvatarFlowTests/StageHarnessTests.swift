import AvatarFlow
import EngineTestStages
import Foundation
import Testing

struct StageHarnessTests {
    @Test func runsAStageWithDefaultsAndOverridesIntoFreshOutputs() throws {
        let harness = try StageHarness()
        let outputs = try harness.run(EmitNumber.self, with: ["value": .int(41)])
        #expect(try EngineTestStages.read(try #require(outputs["number"])) == 41)
    }

    @Test func dottedOverridesReachNestedParameters() throws {
        let harness = try StageHarness()
        let a = try harness.run(EmitNumber.self, with: ["value": .int(5)])["number"]!
        let sum = try harness.run(AddNumbers.self, inputs: ["a": a], with: ["scale.factor": .int(3), "offset": .int(1)])["sum"]!
        #expect(try EngineTestStages.read(sum) == 16)
    }

    @Test func unknownParameterIsRefusedWithTheKnownOnes() throws {
        let harness = try StageHarness()
        let error = #expect(throws: StageHarnessError.self) { try harness.run(EmitNumber.self, with: ["valeu": .int(1)]) }
        #expect(error?.description == "test.emit has no parameter 'valeu' (parameters: value, seconds)")
    }

    @Test func outOfRangeValueIsRefusedWithTheRange() throws {
        let harness = try StageHarness()
        let error = #expect(throws: StageHarnessError.self) { try harness.run(EmitNumber.self, with: ["value": .int(5000)]) }
        #expect(error?.description.hasPrefix("test.emit parameter 'value': 5000 is out of range (allowed: ") == true)
    }

    @Test func missingRequiredInputIsRefusedNamingThePort() throws {
        let harness = try StageHarness()
        let error = #expect(throws: StageHarnessError.self) { try harness.run(AddNumbers.self) }
        #expect(error?.description.hasPrefix("test.add needs input 'a'") == true)
    }

    @Test func rootIsRemovedWithTheHarness() throws {
        var harness: StageHarness? = try StageHarness()
        let root = try #require(harness?.root)
        #expect(FileManager.default.fileExists(atPath: root.path))
        harness = nil
        #expect(!FileManager.default.fileExists(atPath: root.path))
    }
}
