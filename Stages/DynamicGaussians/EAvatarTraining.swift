import AvatarFlow
import Avatars
import Foundation
import HeadModel
import Splatting
import Tensors

/// EAvatar's additions to the Gaussian Head Avatar training (§3.2): control Gaussians (carried by
/// the model's configuration, so reenactment uses them too) and displacement-driven splitting.
struct EAvatarOptions: Sendable {
    /// Control Gaussians, or nil.
    var control: ControlGaussianSettings?
    /// Displacement-driven splitting, or nil.
    var split: DisplacementSplitSchedule?
}

/// When and how EAvatar splits displaced Gaussians: at every `interval`-th iteration from `start`
/// through `stop`, the displacement of eq. 9 is evaluated on `frames` training frames (evenly spaced)
/// and every Gaussian whose largest value exceeds `threshold` is split in two (`DynamicGaussianModel.splitDisplaced`).
struct DisplacementSplitSchedule: Sendable {
    /// τ_s, in the units of `ControlGaussianSettings` (paper 0.2).
    var threshold: Float
    var start: Int
    var interval: Int
    var stop: Int
    /// Training frames over which the displacement is evaluated (its maximum counts).
    var frames: Int
    /// Child offset and the count cap.
    var split: TwoWaySplitSettings

    /// Whether a split happens after `iteration` steps.
    func isDue(_ iteration: Int) -> Bool {
        iteration >= start && iteration <= stop && (iteration - start) % max(1, interval) == 0
    }
}

/// One split event, for the training record.
struct DisplacementSplitEvent: Codable, Sendable, Equatable {
    var iteration: Int
    /// Gaussians above the threshold.
    var candidates: Int
    /// Gaussians split (candidates beyond the cap are left).
    var split: Int
    var countBefore: Int
    var countAfter: Int

    enum CodingKeys: String, CodingKey {
        case iteration, candidates, split
        case countBefore = "count_before"
        case countAfter = "count_after"
    }

    /// The checkpoint tensor holding the events so far, so a resumed run's record lists every split.
    static let checkpointTensor = "eavatar.split_events"

    /// Events as a `[E, 5]` tensor (iteration, candidates, split, count before, count after; exact below 2²⁴).
    static func tensor(_ events: [DisplacementSplitEvent]) -> Tensor {
        Tensor(
            shape: [events.count, 5],
            scalars: events.flatMap { [$0.iteration, $0.candidates, $0.split, $0.countBefore, $0.countAfter].map(Float.init) })
    }

    /// Events read back from `tensor`.
    /// - Throws: `DynamicGaussiansError` when it is not `[E, 5]`.
    static func events(_ tensor: Tensor) throws -> [DisplacementSplitEvent] {
        guard tensor.rank == 2, tensor.shape[1] == 5 else {
            throw DynamicGaussiansError(
                "checkpoint tensor '\(checkpointTensor)' is \(tensor.shape), expected [events, 5]; delete the checkpoint directory to start over")
        }
        return (0..<tensor.shape[0]).map { e in
            let v = (0..<5).map { Int(tensor.scalars[5 * e + $0]) }
            return DisplacementSplitEvent(iteration: v[0], candidates: v[1], split: v[2], countBefore: v[3], countAfter: v[4])
        }
    }
}

extension DynamicTrainer {
    /// Runs a split if the schedule says so after the current iteration.
    func splitIfDue() {
        guard let schedule = settings.split, schedule.isDue(iteration) else { return }
        let frames = Array(Set(views.map(\.frame))).sorted()
        let stride = max(1, frames.count / max(1, schedule.frames))
        var largest = [Float](repeating: 0, count: model.count)
        for frame in Swift.stride(from: 0, to: frames.count, by: stride).map({ frames[$0] }).prefix(schedule.frames) {
            let magnitudes = model.expressionDisplacementMagnitudes(model.condition(of: tracking.frames[frame], scale: tracking.scale))
            for i in largest.indices { largest[i] = max(largest[i], magnitudes[i]) }
        }
        let before = model.count
        let edit = model.splitDisplaced(magnitudes: largest, threshold: schedule.threshold, settings: schedule.split, optimizer: adam)
        splitEvents.append(
            DisplacementSplitEvent(
                iteration: iteration, candidates: largest.filter { $0 > schedule.threshold }.count, split: edit.split,
                countBefore: before, countAfter: model.count))
    }

    /// Resizes the neutral Gaussians to a checkpoint's row counts (a run that split before it was saved).
    func resizeToCheckpoint(in directory: URL) throws {
        guard settings.split != nil, let loaded = try AvatarCheckpoint.read(from: directory) else { return }
        for (name, parameter) in model.neutralParameters {
            let stored = try loaded.tensor(name)
            if stored.shape != parameter.shape { parameter.value = Tensor(zeros: stored.shape) }
        }
    }
}

/// What EAvatar's additions did during a run: `eavatar.json` in the avatar folder.
struct EAvatarTrainingRecord: Codable, Sendable {
    /// Distribution of eq. 9's displacement over Gaussians and training frames at the start and the end
    /// (quantiles 0.5, 0.9, 0.99 and the maximum), in the units of `ControlGaussianSettings`.
    var displacementQuantilesStart: [Float]
    var displacementQuantilesEnd: [Float]
    /// Mean control and follower counts per training frame at the end (0 without controls).
    var meanControls: Double
    var meanFollowers: Double
    var splits: [DisplacementSplitEvent]
    var gaussiansStart: Int
    var gaussiansEnd: Int

    enum CodingKeys: String, CodingKey {
        case splits
        case displacementQuantilesStart = "displacement_quantiles_start"
        case displacementQuantilesEnd = "displacement_quantiles_end"
        case meanControls = "mean_controls"
        case meanFollowers = "mean_followers"
        case gaussiansStart = "gaussians_start"
        case gaussiansEnd = "gaussians_end"
    }

    /// File name inside the avatar folder.
    static let fileName = "eavatar.json"

    /// Quantiles 0.5, 0.9, 0.99 and the maximum of eq. 9 over the Gaussians of `frames`.
    static func displacementQuantiles(_ model: DynamicGaussianModel, tracking: HeadTracking, frames: [Int]) -> [Float] {
        var all: [Float] = []
        for frame in frames { all += model.expressionDisplacementMagnitudes(model.condition(of: tracking.frames[frame], scale: tracking.scale)) }
        guard !all.isEmpty else { return [] }
        all.sort()
        return [0.5, 0.9, 0.99].map { all[min(all.count - 1, Int($0 * Double(all.count)))] } + [all[all.count - 1]]
    }

    /// Mean control and follower counts over `frames`.
    static func controlCounts(_ model: DynamicGaussianModel, settings: ControlGaussianSettings?, tracking: HeadTracking, frames: [Int]) -> (Double, Double) {
        guard let settings, !frames.isEmpty else { return (0, 0) }
        var controls = 0, followers = 0
        for frame in frames {
            let condition = model.condition(of: tracking.frames[frame], scale: tracking.scale)
            let theta = Variable(Tensor(shape: [1, condition.expression.count], scalars: condition.expression))
            let offsets = model.networks.weightedExpressionDisplacement(
                points: Variable(model.positions.value), expression: theta, expressionWeights: model.expressionWeights, on: nil)
            let plan = model.controlPropagation(positions: model.positions.value.scalars, expressionOffsets: offsets.value.scalars, settings: settings)
            controls += plan.controls.count
            followers += plan.followerCount
        }
        return (Double(controls) / Double(frames.count), Double(followers) / Double(frames.count))
    }

    /// The state before training: eq. 9's quantiles and the Gaussian count (logged).
    static func start(_ model: DynamicGaussianModel, tracking: HeadTracking, frames: [Int], context: StageContext) -> (quantiles: [Float], count: Int) {
        let quantiles = displacementQuantiles(model, tracking: tracking, frames: sample(frames))
        context.log("eavatar: displacement (eq. 9, deformation-range units) at the start: p50/p90/p99/max \(quantiles)")
        return (quantiles, model.count)
    }

    /// Measures the end state, logs it with the split events and writes `eavatar.json` into `directory`.
    static func finish(
        _ start: (quantiles: [Float], count: Int), trainer: DynamicTrainer, control: ControlGaussianSettings?, frames: [Int], into directory: URL,
        context: StageContext
    ) throws {
        let sampled = sample(frames)
        let counts = controlCounts(trainer.model, settings: control, tracking: trainer.tracking, frames: sampled)
        let record = EAvatarTrainingRecord(
            displacementQuantilesStart: start.quantiles,
            displacementQuantilesEnd: displacementQuantiles(trainer.model, tracking: trainer.tracking, frames: sampled),
            meanControls: counts.0, meanFollowers: counts.1, splits: trainer.splitEvents, gaussiansStart: start.count,
            gaussiansEnd: trainer.model.count)
        for event in record.splits {
            context.log(
                "eavatar: split at iteration \(event.iteration): \(event.candidates) above τ_s, \(event.split) split, \(event.countBefore) → \(event.countAfter) Gaussians"
            )
        }
        context.log(
            "eavatar: displacement at the end p50/p90/p99/max \(record.displacementQuantilesEnd); \(String(format: "%.1f", record.meanControls)) controls and \(String(format: "%.1f", record.meanFollowers)) followers per frame; \(record.gaussiansStart) → \(record.gaussiansEnd) Gaussians"
        )
        try record.write(to: directory)
    }

    /// At most 8 evenly spaced frames.
    static func sample(_ frames: [Int]) -> [Int] {
        let stride = max(1, frames.count / 8)
        return Swift.stride(from: 0, to: frames.count, by: stride).prefix(8).map { frames[$0] }
    }

    /// Writes the record into `directory`.
    func write(to directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: directory.appendingPathComponent(Self.fileName), options: .atomic)
    }
}
