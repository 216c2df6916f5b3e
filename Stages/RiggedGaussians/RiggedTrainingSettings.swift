/// Settings of one GaussianAvatars training run (the stage's parameters in library form).
/// Defaults are the CPU preset; the paper's values are given in `RiggedGaussiansStage.Parameters`.
struct RiggedTrainingSettings: Sendable {
    var iterations = 2000
    var seed: UInt64 = 0
    var positionLearningRate: Float = 5e-3
    var positionLearningRateFinal: Float = 5e-5
    var featureLearningRate: Float = 2.5e-3
    var opacityLearningRate: Float = 0.05
    var scalingLearningRate: Float = 0.017
    var rotationLearningRate: Float = 1e-3
    var translationLearningRate: Float = 1e-6
    var poseLearningRate: Float = 1e-5
    var expressionLearningRate: Float = 1e-3
    var finetuneTracking = true
    var shDegree = 3
    var shIncreaseInterval = 500
    var densityControl = true
    var densifyStart = 300
    var densifyUntil = 1500
    var densifyInterval = 100
    var densifyGradientThreshold: Float = 2e-4
    var percentDense: Float = 0.01
    var opacityResetInterval = 1000
    var maxGaussians = 100_000
    var dssimWeight: Float = 0.2
    var positionLossWeight: Float = 0.01
    var positionThreshold: Float = 1
    var scaleLossWeight: Float = 1
    var scaleThreshold: Float = 0.6
    var background: [Float] = [1, 1, 1]
    var checkpointInterval = 500
    var logInterval = 100
    /// Rasteriser threads (nil: one per core). One thread makes training bit-reproducible: with
    /// several, per-worker gradient partial sums are added in a scheduling-dependent order.
    var rasterWorkers: Int? = nil
}
