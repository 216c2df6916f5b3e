/// Settings of one GaussianAvatars training run: the stage's parameters in the trainer's units
/// (`RiggedGaussiansStage.Parameters.trainingSettings()`, which holds the defaults and the paper's values).
struct RiggedTrainingSettings: Sendable {
    var iterations: Int
    var seed: UInt64
    var positionLearningRate: Float
    var positionLearningRateFinal: Float
    var featureLearningRate: Float
    var opacityLearningRate: Float
    var scalingLearningRate: Float
    var rotationLearningRate: Float
    var translationLearningRate: Float
    var poseLearningRate: Float
    var expressionLearningRate: Float
    var finetuneTracking: Bool
    var shDegree: Int
    var shIncreaseInterval: Int
    var densityControl: Bool
    var densifyStart: Int
    var densifyUntil: Int
    var densifyInterval: Int
    var densifyGradientThreshold: Float
    var percentDense: Float
    var opacityResetInterval: Int
    var maxGaussians: Int
    var dssimWeight: Float
    var positionLossWeight: Float
    var positionThreshold: Float
    var scaleLossWeight: Float
    var scaleThreshold: Float
    var background: [Float]
    var checkpointInterval: Int
    var logInterval: Int
    /// Rasteriser threads (nil: one per core). One thread makes training bit-reproducible: with
    /// several, per-worker gradient partial sums are added in a scheduling-dependent order.
    var rasterWorkers: Int?
}
