import Foundation
import Tensors

/// A training step produced a non-finite loss or parameter: which iteration and what.
/// Trainers throw it from `step()`; `TrainingLoop` turns it into `TrainingDivergedError`.
public struct NonFiniteTraining: Error, Sendable {
    /// The iteration that failed (1-based: the step that would have completed it).
    public var iteration: Int
    /// What became non-finite, e.g. "the loss is nan" or "means[12, 1] is inf".
    public var what: String

    /// Creates a record.
    public init(iteration: Int, what: String) {
        self.iteration = iteration
        self.what = what
    }
}

/// Training diverged; the message names the iteration, the value, the kept checkpoint and a fix.
public struct TrainingDivergedError: Error, CustomStringConvertible, Sendable {
    /// The failing step.
    public var failure: NonFiniteTraining
    /// Iteration of the last checkpoint written before the failure (0: none this run).
    public var lastCheckpoint: Int
    /// Where the checkpoints are kept.
    public var checkpointDirectory: URL
    /// What to change, e.g. "lower the learning rates (position_lr, opacity_lr)".
    public var advice: String

    /// The user-facing message.
    public var description: String {
        "training diverged at iteration \(failure.iteration): \(failure.what). The last good checkpoint (iteration \(lastCheckpoint)) is kept in \(checkpointDirectory.path); \(advice) and re-run to resume from it"
    }
}

/// A trainer `TrainingLoop` can drive: one optimisation step at a time, checkpoints on request.
public protocol CheckpointedTrainer: AnyObject {
    /// What one step reports (losses, PSNR, …), for log lines.
    associatedtype StepReport
    /// Steps completed so far (restored by a resume).
    var iteration: Int { get }
    /// Runs one step; throws `NonFiniteTraining` when the loss or a parameter stops being finite.
    func step() throws -> StepReport
    /// Writes a checkpoint from which training resumes exactly.
    func saveCheckpoint(to directory: URL) throws
}

/// A trainer whose whole resumable state is its named parameters, one Adam optimiser, a SplitMix64
/// generator and the iteration: the checkpoint is written and restored for it (`AvatarCheckpoint`),
/// with no code of its own. Trainers with more state (density control, split events) write their own.
public protocol AdamCheckpointedTrainer: CheckpointedTrainer {
    /// Steps completed so far; a restore sets it.
    var iteration: Int { get set }
    /// The random state of view and crop choices; a restore sets it.
    var generator: SplitMix64 { get set }
    /// Every trained tensor under its checkpoint name.
    var namedParameters: [(name: String, parameter: Parameter)] { get }
    /// The optimiser of all `namedParameters`.
    var optimizer: Adam { get }
}

extension AdamCheckpointedTrainer {
    /// Writes parameters, Adam moments, iteration and generator state into `directory`, replacing any
    /// older checkpoint atomically (a kill during the save keeps the previous one).
    public func saveCheckpoint(to directory: URL) throws {
        try AvatarCheckpoint.save(
            iteration: iteration, generatorState: generator.state, parameters: namedParameters, optimizer: optimizer, to: directory)
    }

    /// Restores a checkpoint written by `saveCheckpoint`; returns its iteration, or nil if there is none.
    /// - Throws: `AvatarError` naming the file when it is damaged or does not match this trainer's model.
    public func loadCheckpoint(from directory: URL) throws -> Int? {
        guard let restored = try AvatarCheckpoint.restore(from: directory, parameters: namedParameters, optimizer: optimizer) else { return nil }
        iteration = restored.record.iteration
        generator = SplitMix64(seed: restored.record.generatorState)
        return iteration
    }
}

/// The loop every training stage runs: step until `iterations`, report progress each step, a log
/// line every `logInterval` steps (with the reports since the last line and the rate), a
/// checkpoint every `checkpointInterval` steps, and a divergence error that keeps the last good
/// checkpoint. Knows nothing of the engine: progress and logging are closures.
public struct TrainingLoop {
    /// Total steps (a resumed trainer continues from its iteration).
    public var iterations: Int
    /// Steps between log lines.
    public var logInterval: Int
    /// Steps between checkpoints.
    public var checkpointInterval: Int
    /// Where checkpoints go.
    public var checkpointDirectory: URL
    /// The fix a divergence message suggests.
    public var divergenceAdvice: String

    /// Creates a loop.
    public init(iterations: Int, logInterval: Int, checkpointInterval: Int, checkpointDirectory: URL, divergenceAdvice: String) {
        self.iterations = iterations
        self.logInterval = logInterval
        self.checkpointInterval = checkpointInterval
        self.checkpointDirectory = checkpointDirectory
        self.divergenceAdvice = divergenceAdvice
    }

    /// What a run did.
    public struct Outcome: Sendable {
        /// Wall-clock seconds of this run's steps.
        public var seconds: Double
        /// Steps taken in this run (fewer than `iterations` after a resume).
        public var steps: Int
    }

    /// Trains `trainer` to `iterations`.
    /// - Parameters:
    ///   - progress: called after every step with the iteration reached.
    ///   - log: called every `logInterval` steps and at the end with the iteration, the reports
    ///     since the previous line and the steps per second over them.
    /// - Throws: `TrainingDivergedError` for a non-finite step; checkpoint write errors.
    public func run<Trainer: CheckpointedTrainer>(
        _ trainer: Trainer, progress: (Int) -> Void,
        log: (Int, [Trainer.StepReport], Double) -> Void
    ) throws -> Outcome {
        let start = Date(), startIteration = trainer.iteration
        var lastCheckpoint = trainer.iteration
        var window: [Trainer.StepReport] = [], windowStart = Date()
        while trainer.iteration < iterations {
            do {
                window.append(try trainer.step())
            } catch let failure as NonFiniteTraining {
                throw TrainingDivergedError(
                    failure: failure, lastCheckpoint: lastCheckpoint, checkpointDirectory: checkpointDirectory,
                    advice: divergenceAdvice)
            }
            let i = trainer.iteration
            progress(i)
            if i % logInterval == 0 || i == iterations {
                log(i, window, Double(window.count) / max(Date().timeIntervalSince(windowStart), 1e-9))
                window = []
                windowStart = Date()
            }
            if i % checkpointInterval == 0 && i < iterations {
                try trainer.saveCheckpoint(to: checkpointDirectory)
                lastCheckpoint = i
            }
        }
        return Outcome(seconds: Date().timeIntervalSince(start), steps: trainer.iteration - startIteration)
    }
}
