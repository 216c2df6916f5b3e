import Avatars

/// Settings of one Gaussian Head Avatar training run (the stage's parameters in library form).
/// Defaults are the CPU preset; the paper's values are given in `DynamicGaussiansStage.Parameters`.
struct DynamicTrainingSettings: Sendable {
    var iterations = 1500
    var seed: UInt64 = 0
    /// Adam learning rates per group.
    var networkLearningRate: Float = 1e-3
    var superResolutionLearningRate: Float = 1e-3
    var positionLearningRate: Float = 1e-4
    var featureLearningRate: Float = 3e-3
    var scaleLearningRate: Float = 3e-3
    var rotationLearningRate: Float = 1e-3
    var opacityLearningRate: Float = 1e-2
    var poseCorrectionLearningRate: Float = 1e-4
    var translationCorrectionLearningRate: Float = 1e-5
    /// Every rate falls log-linearly to this fraction of itself at the last iteration (1: constant, as the paper).
    var learningRateDecay: Float = 0.1
    /// λ_lr of eq. 8 (paper 1).
    var lowResolutionWeight: Float = 1
    /// The perceptual term of eq. 8.
    var perceptual: PerceptualTerm = .dssim
    /// Its weight λ_p (0 disables it).
    var perceptualWeight: Float = 0.2
    var checkpointInterval = 500
    var logInterval = 100
    /// Rasteriser threads (nil: one per core); one makes runs bit-reproducible.
    var rasterWorkers: Int? = nil
}

/// The perceptual term of eq. 8: none, D-SSIM (the default stand-in) or the VGG16 feature distance
/// with user-supplied weights (`VGGPerceptualLoss`).
enum PerceptualTerm: Sendable {
    case none
    case dssim
    case vgg(VGGPerceptualLoss)
}
