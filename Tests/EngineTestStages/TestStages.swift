import AvatarFlow
import Foundation

/// Small stages that exercise the engine in tests: numbers flow through files, some stages
/// sleep (to show overlap and to be killed mid-way), one fails on demand, one checkpoints.
public enum EngineTestStages {
    /// Every test stage.
    public static let all: [any Stage.Type] = [EmitNumber.self, AddNumbers.self, SlowCopy.self, CheckpointedCount.self, Fail.self, TrainNumber.self]

    /// The artifact type the test stages exchange: a directory holding `value.txt`.
    public static let numbers: ArtifactType = "Numbers"
    /// A second type, to provoke type mismatches.
    public static let words: ArtifactType = "Words"

    /// Reads the integer in an artifact directory.
    public static func read(_ directory: URL) throws -> Int {
        let text = try String(contentsOf: directory.appendingPathComponent("value.txt"), encoding: .utf8)
        guard let value = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw TestStageError(description: "\(directory.path)/value.txt does not hold an integer")
        }
        return value
    }

    /// Writes an integer into an artifact directory.
    public static func write(_ value: Int, to directory: URL) throws {
        try "\(value)\n".write(to: directory.appendingPathComponent("value.txt"), atomically: false, encoding: .utf8)
    }
}

/// A test stage's own failure.
public struct TestStageError: Error, CustomStringConvertible {
    /// The message.
    public var description: String
    /// Creates the error.
    public init(description: String) { self.description = description }
}

/// `test.emit`: writes a constant.
public struct EmitNumber: Stage {
    /// Parameters of `test.emit`.
    public struct Parameters: StageParameters {
        @Param("The number to emit.", range: -1000...1000)
        public var value: Int = 1
        @Param("Seconds to sleep before emitting.", range: 0...600)
        public var seconds: Double = 0

        /// Every parameter at its default.
        public init() {}
    }
    public static let id = "test.emit"
    public static let version = 1
    public static let summary = "Emit a number (engine tests)."
    public static let inputs: [StagePort] = []
    public static let outputs: [StagePort] = [StagePort("number", EngineTestStages.numbers, doc: "The number.")]
    public init() {}
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        SlowCopy.sleep(parameters.seconds, context: context)
        try EngineTestStages.write(parameters.value, to: try context.output("number"))
    }
}

/// `test.add`: adds two numbers and an offset.
public struct AddNumbers: Stage {
    /// Parameters of `test.add`.
    public struct Parameters: StageParameters {
        /// A nested parameter group, to exercise dotted names (`scale.factor`).
        public struct Scale: ParameterGroup {
            @Param("Multiplies the sum.", range: 1...4)
            public var factor: Int = 1
            /// Every parameter at its default.
            public init() {}
        }

        @Param("Added to the sum.", range: -100...100)
        public var offset: Int = 0
        /// Parameters nested under `scale:`.
        public var scale = Scale()
        /// Every parameter at its default.
        public init() {}
    }
    public static let id = "test.add"
    public static let version = 1
    public static let summary = "Add two numbers (engine tests)."
    public static let inputs: [StagePort] = [
        StagePort("a", EngineTestStages.numbers, doc: "First term."),
        StagePort("b", EngineTestStages.numbers, optional: true, doc: "Second term (0 when absent)."),
    ]
    public static let outputs: [StagePort] = [StagePort("sum", EngineTestStages.numbers, doc: "(a + b) × factor + offset.")]
    public init() {}
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let a = try EngineTestStages.read(try context.input("a"))
        let b = try context.optionalInput("b").map(EngineTestStages.read) ?? 0
        try EngineTestStages.write((a + b) * parameters.scale.factor + parameters.offset, to: try context.output("sum"))
    }
}

/// `test.slow`: copies a number after sleeping, recording when it ran (to show overlap).
public struct SlowCopy: Stage {
    /// Parameters of `test.slow`.
    public struct Parameters: StageParameters {
        @Param("Seconds to sleep.", range: 0...600)
        public var seconds: Double = 0.5
        @Param("Free text, part of the cache key.")
        public var label: String = ""

        /// Every parameter at its default.
        public init() {}
    }
    public static let id = "test.slow"
    public static let version = 1
    public static let summary = "Copy a number slowly (engine tests)."
    public static let inputs: [StagePort] = [StagePort("number", EngineTestStages.numbers, doc: "Input.")]
    public static let outputs: [StagePort] = [StagePort("number", EngineTestStages.numbers, doc: "Same number; interval.txt holds start and end times.")]
    public init() {}
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let start = Date().timeIntervalSince1970
        Self.sleep(parameters.seconds, context: context)
        let output = try context.output("number")
        try EngineTestStages.write(try EngineTestStages.read(try context.input("number")), to: output)
        try "\(start) \(Date().timeIntervalSince1970)\n".write(to: output.appendingPathComponent("interval.txt"), atomically: false, encoding: .utf8)
    }

    static func sleep(_ seconds: Double, context: StageContext) {
        let steps = max(1, Int(seconds * 20))
        for step in 0..<steps {
            Thread.sleep(forTimeInterval: seconds / Double(steps))
            context.reportProgress(completed: step + 1, total: steps, unit: "ticks")
        }
    }
}

/// `test.checkpointed`: counts to `steps` slowly, checkpointing each step; resumes after a kill.
public struct CheckpointedCount: Stage {
    /// Parameters of `test.checkpointed`.
    public struct Parameters: StageParameters {
        @Param("Steps to count.", range: 1...10_000)
        public var steps: Int = 20
        @Param("Seconds each step takes.", range: 0...10)
        public var secondsPerStep: Double = 0.05

        /// Every parameter at its default.
        public init() {}
    }
    public static let id = "test.checkpointed"
    public static let version = 1
    public static let summary = "Count with checkpoints (engine tests)."
    public static let inputs: [StagePort] = [StagePort("number", EngineTestStages.numbers, doc: "Start value.")]
    public static let outputs: [StagePort] = [StagePort("number", EngineTestStages.numbers, doc: "Start + steps; resumed.txt says from which step.")]
    public init() {}
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let checkpoint = context.checkpointDirectory.appendingPathComponent("step.txt")
        let resumedFrom = (try? String(contentsOf: checkpoint, encoding: .utf8)).flatMap { Int($0) } ?? 0
        for step in resumedFrom..<parameters.steps {
            Thread.sleep(forTimeInterval: parameters.secondsPerStep)
            try "\(step + 1)".write(to: checkpoint, atomically: true, encoding: .utf8)
            context.reportProgress(completed: step + 1, total: parameters.steps, unit: "steps")
        }
        let output = try context.output("number")
        try EngineTestStages.write(try EngineTestStages.read(try context.input("number")) + parameters.steps, to: output)
        try "\(resumedFrom)\n".write(to: output.appendingPathComponent("resumed.txt"), atomically: false, encoding: .utf8)
    }
}

/// `test.fail`: always throws, to test failure handling.
public struct Fail: Stage {
    public typealias Parameters = NoParameters
    public static let id = "test.fail"
    public static let version = 1
    public static let summary = "Always fail (engine tests)."
    public static let inputs: [StagePort] = [StagePort("number", EngineTestStages.numbers, optional: true, doc: "Ignored.")]
    public static let outputs: [StagePort] = [StagePort("number", EngineTestStages.numbers, doc: "Never written.")]
    public init() {}
    public func run(_ context: StageContext, _ parameters: NoParameters) throws {
        throw TestStageError(description: "test.fail failed on purpose")
    }
}

/// `test.train`: a stand-in trainer for report tests. Reports `loss` = start / (step + 1) and
/// `psnr_db` = 10 + step at every `log_interval` steps (as the real trainers do through
/// `reportMetrics`), warns once when `warning` is set, and writes `training.json` with final figures.
public struct TrainNumber: Stage {
    /// Parameters of `test.train`.
    public struct Parameters: StageParameters {
        @Param("Steps to take.", range: 1...100_000)
        public var steps: Int = 20
        @Param("Report metrics every this many steps.", range: 1...100_000)
        public var logInterval: Int = 5
        @Param("A warning to log (nothing when empty); free text, to test escaping.")
        public var warning: String = ""

        /// Every parameter at its default.
        public init() {}
    }
    public static let id = "test.train"
    public static let version = 1
    public static let summary = "Pretend to train: reports metrics (engine tests)."
    public static let inputs: [StagePort] = [StagePort("number", EngineTestStages.numbers, doc: "Start value (the initial loss).")]
    public static let outputs: [StagePort] = [
        StagePort("number", EngineTestStages.numbers, doc: "The input number; training.json holds final_loss and steps.")
    ]
    public init() {}

    /// The loss reported at `step` (1-based) for a start value.
    public static func loss(start: Int, step: Int) -> Double { Double(start) / Double(step + 1) }

    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let start = try EngineTestStages.read(try context.input("number"))
        if !parameters.warning.isEmpty { context.warn(parameters.warning) }
        for step in 1...parameters.steps where step % parameters.logInterval == 0 || step == parameters.steps {
            context.reportMetrics(
                ["loss": Self.loss(start: start, step: step), "psnr_db": 10 + Double(step)], completed: step, total: parameters.steps,
                unit: "iterations")
        }
        let output = try context.output("number")
        try EngineTestStages.write(start, to: output)
        let summary = "{\"final_loss\": \(Self.loss(start: start, step: parameters.steps)), \"steps\": \(parameters.steps), \"name\": \"text\"}\n"
        try summary.write(to: output.appendingPathComponent("training.json"), atomically: false, encoding: .utf8)
    }
}
