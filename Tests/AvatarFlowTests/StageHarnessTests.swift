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

struct StageMetricsTests {
    @Test func reportedMetricsReachEveryEventUnthrottled() throws {
        let recorder = RunEventRecorder()
        let directory = FileManager.default.temporaryDirectory
        let context = StageContext(
            stageName: "train", stageID: "test.train", runName: "r", inputs: [:], outputs: [:], workDirectory: directory,
            checkpointDirectory: directory, pipelineDirectory: directory, logFile: nil, sink: recorder)
        context.reportMetrics(["loss": 0.5, "psnr_db": 20], completed: 100, total: 1000, unit: "iterations")
        context.reportMetrics(["loss": 0.25, "psnr_db": 23], completed: 200, total: 1000, unit: "iterations")
        let events = recorder.events
        #expect(events.map(\.kind) == [.progress, .progress])
        #expect(events.map(\.completed) == [100, 200] && events[1].metrics == ["loss": 0.25, "psnr_db": 23])
        let line = String(decoding: try JSONEncoder().encode(events[0]), as: UTF8.self)
        #expect(line.contains("\"metrics\":{") && line.contains("\"psnr_db\":20"))
    }
}
