import EngineTestStages
import Foundation
import Testing

@testable import AvatarFlow

/// `resources:` and `executor:` blocks: parsed, validated with located diagnostics, turned into
/// sbatch options. No cluster needed.
struct SlurmConfigurationTests {
    let registry = StageRegistry(EngineTestStages.all)

    func plan(_ yaml: String, userConfig: String? = nil) throws -> (ExecutionPlan, SlurmSettings) {
        let directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("avatarflow-slurm-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("p.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        let config = directory.appendingPathComponent("config.yaml")
        if let userConfig { try userConfig.write(to: config, atomically: true, encoding: .utf8) }
        let spec = try PipelineLoader().load(file)
        return (try PipelineValidator(registry: registry).plan(spec), try SlurmSettings.resolve(for: spec, userConfig: config))
    }

    func diagnostics(_ yaml: String, userConfig: String? = nil) -> [Diagnostic] {
        do {
            _ = try plan(yaml, userConfig: userConfig)
            return []
        } catch let error as PipelineValidationError {
            return error.diagnostics
        } catch {
            Issue.record("unexpected error \(error)")
            return []
        }
    }

    @Test func stagesGetTheirDeclaredDefaultsUnlessThePipelineOverridesThem() throws {
        let (plan, _) = try plan(
            """
            pipeline: r
            stages:
              one: {use: test.emit}
              two: {use: test.emit, resources: {cpus: 4, memory: 8G, time: "1:30:00", gpus: 1}}
            """)
        #expect(plan.stage("one")?.resources == StageResources())
        #expect(plan.stage("two")?.resources == StageResources(cpus: 4, memoryMiB: 8192, timeMinutes: 90, gpus: 1))
        #expect(plan.stage("two")?.resources.sbatchArguments == ["--cpus-per-task=4", "--mem=8192M", "--time=1:30:00", "--gres=gpu:1"])
    }

    @Test func aStageWithoutDeclaredResourcesAsksForTheDefaultJob() throws {
        #expect(registry["test.slow"]?.resources == StageResources())
        #expect(StageResources().sbatchArguments == ["--cpus-per-task=1", "--mem=2048M", "--time=1:00:00"])
        #expect(StageResources(partition: "gpu").sbatchArguments.last == "--partition=gpu")
    }

    @Test func timeAndMemoryAcceptSlurmsSpellings() {
        #expect(StageResources.parseTime("90") == 90)
        #expect(StageResources.parseTime("2h") == 120)
        #expect(StageResources.parseTime("45:30") == 46)
        #expect(StageResources.parseTime("1-12:00:00") == 2160)
        #expect(StageResources.parseTime("soon") == nil)
        #expect(StageResources.parseMemory("512M") == 512)
        #expect(StageResources.parseMemory("1.5G") == 1536)
        #expect(StageResources.parseMemory("4096") == 4096)
        #expect(StageResources.parseMemory("lots") == nil)
        #expect(StageResources.slurmTime(2160) == "1-12:00:00")
    }

    @Test func badResourcesAreReportedAtTheirPlaceInTheFile() {
        let found = diagnostics(
            """
            pipeline: r
            stages:
              one: {use: test.emit, resources: {cpus: 0, memory: lots, time: soon, gpu: 1}}
            """)
        #expect(found.count == 4)
        #expect(found.contains { $0.message.contains("one.resources.cpus must be an integer from 1 to 1024") && $0.location?.line == 3 })
        #expect(found.contains { $0.message.contains("one.resources.memory must be a size") })
        #expect(found.contains { $0.message.contains("one.resources.time must be a duration") })
        #expect(found.contains { $0.message.contains("unknown resource 'gpu'") && $0.hint == "did you mean 'gpus'?" })
    }

    @Test func thePipelinesExecutorBlockWinsOverTheUserConfigKeyByKey() throws {
        let (_, settings) = try plan(
            """
            pipeline: r
            executor:
              slurm: {partition: gpu, sbatch_flags: ["--constraint=a100"]}
            stages:
              one: {use: test.emit}
            """,
            userConfig: "executor:\n  slurm: {partition: cpu, account: lab, qos: normal}\n")
        #expect(settings == SlurmSettings(partition: "gpu", account: "lab", qos: "normal", sbatchFlags: ["--constraint=a100"]))
        #expect(settings.sbatchArguments == ["--partition=gpu", "--account=lab", "--qos=normal", "--constraint=a100"])
    }

    @Test func unknownExecutorKeysAreErrorsWithSuggestions() {
        let found = diagnostics(
            """
            pipeline: r
            executor:
              slurm: {partiton: gpu, sbatch_flags: constraint}
            stages:
              one: {use: test.emit}
            """)
        #expect(found.contains { $0.message == "executor.slurm: unknown key 'partiton'" && $0.hint == "did you mean 'partition'?" })
        #expect(found.contains { $0.message.contains("sbatch_flags must be a list of sbatch options") })
    }
}
