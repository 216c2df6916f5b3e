import Avatars

/// Settings of one Gaussian Head Avatar training run: the stage's parameters in the trainer's units
/// (`DynamicGaussiansStage.Parameters.trainingSettings(perceptual:)`, which holds the defaults and the paper's values).
struct DynamicTrainingSettings: Sendable {
    var iterations: Int
    var seed: UInt64
    /// Adam learning rates per group.
    var networkLearningRate: Float
    var superResolutionLearningRate: Float
    var positionLearningRate: Float
    var featureLearningRate: Float
    var scaleLearningRate: Float
    var rotationLearningRate: Float
    var opacityLearningRate: Float
    var poseCorrectionLearningRate: Float
    var translationCorrectionLearningRate: Float
    /// Every rate falls log-linearly to this fraction of itself at the last iteration (1: constant, as the paper).
    var learningRateDecay: Float
    /// λ_lr of eq. 8 (paper 1).
    var lowResolutionWeight: Float
    /// The perceptual term of eq. 8.
    var perceptual: PerceptualTerm
    /// Its weight λ_p (0 disables it).
    var perceptualWeight: Float
    var checkpointInterval: Int
    var logInterval: Int
    /// Rasteriser threads (nil: one per core); one makes runs bit-reproducible.
    var rasterWorkers: Int?
    /// EAvatar's displacement-driven splitting (nil: off, as GHA).
    var split: DisplacementSplitSchedule? = nil
}
