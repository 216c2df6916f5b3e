import Foundation
import Testing

@testable import Avatars

/// Counts steps, records checkpoints, and fails at `failAt`.
final class CountingTrainer: CheckpointedTrainer {
    var iteration = 0
    var checkpoints: [Int] = []
    let failAt: Int?

    init(failAt: Int? = nil) { self.failAt = failAt }

    func step() throws -> Double {
        if iteration + 1 == failAt { throw NonFiniteTraining(iteration: iteration + 1, what: "the loss is nan") }
        iteration += 1
        return Double(iteration)
    }

    func saveCheckpoint(to directory: URL) throws { checkpoints.append(iteration) }
}

struct TrainingLoopTests {
    let loop = TrainingLoop(
        iterations: 10, logInterval: 4, checkpointInterval: 3,
        checkpointDirectory: URL(fileURLWithPath: "/tmp/checkpoints"), divergenceAdvice: "lower lr")

    @Test func stepsToTheEndLoggingAndCheckpointingAtTheirIntervals() throws {
        let trainer = CountingTrainer()
        var progress: [Int] = [], lines: [(Int, [Double])] = []
        let outcome = try loop.run(trainer, progress: { progress.append($0) }) { i, reports, _ in lines.append((i, reports)) }
        #expect(progress == Array(1...10) && outcome.steps == 10)
        #expect(lines.map(\.0) == [4, 8, 10] && lines[1].1 == [5, 6, 7, 8])
        #expect(trainer.checkpoints == [3, 6, 9])
    }

    @Test func aResumedTrainerOnlyTakesTheRemainingSteps() throws {
        let trainer = CountingTrainer()
        trainer.iteration = 7
        #expect(try loop.run(trainer, progress: { _ in }) { _, _, _ in }.steps == 3)
    }

    @Test func divergenceNamesTheIterationAndTheLastGoodCheckpoint() throws {
        let trainer = CountingTrainer(failAt: 8)
        let error = #expect(throws: TrainingDivergedError.self) { try loop.run(trainer, progress: { _ in }) { _, _, _ in } }
        #expect(
            error?.description
                == "training diverged at iteration 8: the loss is nan. The last good checkpoint (iteration 6) is kept in /tmp/checkpoints; lower lr and re-run to resume from it"
        )
    }
}
