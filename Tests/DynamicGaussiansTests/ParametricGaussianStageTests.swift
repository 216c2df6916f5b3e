import AvatarFlow
import Avatars
import Foundation
import MediaIO
import Splatting
import Tensors
import TestSupport
import Testing

@testable import DynamicGaussians
@testable import MeshGuidance
@testable import SyntheticCapture

/// GPHM stage 2 (`gphm.train-gaussians`) on a tiny population (2 training subjects × 2 training
/// expressions × 3 cameras at 32²) after a short stage 1.
@Suite(.serialized) struct ParametricGaussianStageTests {
    static let meshQuick: [String: ConfigValue] = [
        "iterations": .int(30), "pretrain_iterations": .int(60), "grid_resolution": .int(16), "mean_width": .int(16), "mean_layers": .int(2),
        "identity_width": .int(4), "expression_width": .int(4), "feature_width": .int(8), "injected_width": .int(8), "mlp_width": .int(16),
        "color_channels": .int(4), "upsampler_width": .int(4), "views_per_step": .int(3), "lr": .double(3e-3), "code_lr": .double(3e-3),
        "full_evaluation_interval": .int(1),
    ]
    static let gaussianQuick: [String: ConfigValue] = [
        "iterations": .int(40), "views_per_step": .int(3), "attribute_width": .int(8), "perceptual": .string("none"), "template_points": .int(300),
    ]

    /// A tiny population and its stage-1 model.
    static func stageOne(_ harness: StageHarness) throws -> (population: URL, model: URL) {
        let population = try #require(
            try harness.run(
                PopulationStage.self,
                with: [
                    "identities": .int(3), "held_out_identities": .int(1), "expressions": .int(3), "held_out_expressions": .int(1),
                    "cameras": .int(3), "size": .int(32),
                ])["population"])
        let model = try #require(try harness.run(ParametricMeshStage.self, inputs: ["population": population], with: meshQuick)["model"])
        return (population, model)
    }

    @Test func meshInitialisedGaussiansInheritStageOneAndImprove() throws {
        let harness = try StageHarness(label: "gphm-gaussians")
        let (population, meshModel) = try Self.stageOne(harness)
        let stageOne = try ParametricHeadModel.read(from: meshModel)
        let outputs = try harness.run(
            ParametricGaussianStage.self, inputs: ["population": population, "model": meshModel], with: Self.gaussianQuick)
        let trained = try ParametricHeadModel.read(from: try #require(outputs["model"]))
        #expect(trained.manifest.stage == "gaussians" && trained.identities.names == stageOne.identities.names)
        let gaussians = try ParametricGaussianModel(restoring: trained)
        #expect(gaussians.count == stageOne.vertices.shape[0], "X0 = V0: one Gaussian per mesh vertex")
        let metrics = trained.manifest.metrics
        let psnr = try #require(metrics["training_psnr"]), initial = try #require(metrics["initial_psnr"])
        #expect(psnr > initial, "PSNR \(initial) → \(psnr) dB")
    }

    @Test func inheritedInitialisationStartsAtTheMeshPointsWithItsFeatures() throws {
        let harness = try StageHarness(label: "gphm-gaussians-init")
        let (_, meshModel) = try Self.stageOne(harness)
        let stageOne = try ParametricHeadModel.read(from: meshModel)
        var generator = SplitMix64(seed: 1)
        let model = try ParametricGaussianModel(inheriting: stageOne, attributeHidden: [8], generator: &generator)
        #expect(model.positions.value.scalars == stageOne.vertices.scalars && model.features.value.scalars == stageOne.features.scalars)
        // f_att starts at zero shifts, so the Gaussians' world positions are stage 1's displaced mesh.
        let identity = stageOne.identities.code(1, on: nil), expression = stageOne.expressions.code(2, on: nil)
        let mesh = stageOne.networks(features: Variable(stageOne.features), identity: identity, expression: expression, on: nil)
            .canonicalPositions(base: Variable(stageOne.vertices))
        let posed = model.gaussians(identity: identity, expression: expression, on: nil).gaussians
        let expected = mesh.value.scalars.map { $0 / Float(stageOne.manifest.unitsPerMetre) }
        #expect(zip(posed.means.value.scalars, expected).allSatisfy { Swift.abs($0 - $1) < 1e-6 })
        #expect(posed.opacityLogits.value.scalars.allSatisfy { Swift.abs($0 - Foundation.log(0.1 / 0.9)) < 1e-5 })
    }

    @Test func templateInitialisationSamplesTheTemplateWithRandomNetworks() throws {
        let harness = try StageHarness(label: "gphm-gaussians-template")
        let (population, meshModel) = try Self.stageOne(harness)
        var overrides = Self.gaussianQuick
        overrides["initialization"] = .string("template")
        overrides["iterations"] = .int(5)
        let outputs = try harness.run(ParametricGaussianStage.self, inputs: ["population": population, "model": meshModel], with: overrides)
        let gaussians = try ParametricGaussianModel(restoring: try ParametricHeadModel.read(from: try #require(outputs["model"])))
        #expect(gaussians.count == 300)
    }

    @Test func attributeAndLandmarkGradientsMatchCentralFiniteDifferences() throws {
        var generator = SplitMix64(seed: 3)
        let configuration = ParametricHeadConfiguration(
            identityWidth: 2, expressionWidth: 2, featureWidth: 3, injectedWidth: 4, colorChannels: 3, injectionHidden: [6], identityHidden: [6],
            expressionHidden: [6], colorHidden: [6], codeStandardDeviation: 0.5)
        let vertices: [SIMD3<Float>] = [SIMD3(0, 0, 0), SIMD3(0.3, 0, 0), SIMD3(0, 0.3, 0), SIMD3(0, 0, 0.3)]
        let model = try ParametricTemplateInitialization.model(
            configuration: configuration, upsampler: SuperResolutionConfiguration(factor: 2, inputChannels: 3, widths: [2, 2]), unitsPerMetre: 4,
            vertices: vertices, faces: [SIMD3(0, 1, 2), SIMD3(0, 1, 3)], pointCount: 5, identityNames: ["a"], expressionNames: ["a/x"],
            landmarks: Tensor(shape: [2, 3], scalars: [0.1, 0, 0, 0, 0.1, 0]), attributeHidden: [5], generator: &generator)
        for layer in model.attributes.layers + model.head.networks.expressionDeformation.layers {
            layer.weight.value = Tensor.normal(shape: layer.weight.shape, standardDeviation: 0.5, generator: &generator)
        }
        model.features.value = Tensor.normal(shape: [5, 3], generator: &generator)
        model.landmarkFeatures.value = Tensor.normal(shape: [2, 3], generator: &generator)
        let identity = Variable(Tensor(shape: [1, 2], scalars: [0.3, -0.2])), expression = Variable(Tensor(shape: [1, 2], scalars: [0.5, 0.1]))
        let weights = (0..<4).map { Variable(Tensor.normal(shape: [$0 == 3 ? 2 : 5, [3, 4, 1, 3][$0]], generator: &generator)) }
        checkParameterGradients(
            [model.positions, model.features, model.logScales, model.rotations, model.opacityLogits, model.landmarks, model.landmarkFeatures]
                + model.attributes.parameters, maximumChecksPerParameter: 6
        ) { tape in
            let g = model.gaussians(identity: identity, expression: expression, on: tape).gaussians
            let p = model.deformedLandmarks(identity: identity, expression: expression, on: tape)
            return (g.means * weights[0]).sum() + (g.rotations * weights[1]).sum() + (g.opacityLogits * weights[2]).sum()
                + (g.logScales * weights[0]).sum() + (p * weights[3]).sum()
        }
    }

    @Test func fittingAHeldOutSubjectLowersItsImageLossAndScoresTheOtherCameras() throws {
        let harness = try StageHarness(label: "gphm-fit")
        let (population, meshModel) = try Self.stageOne(harness)
        var overrides = Self.gaussianQuick
        overrides["iterations"] = .int(10)
        let trained = try #require(
            try harness.run(ParametricGaussianStage.self, inputs: ["population": population, "model": meshModel], with: overrides)["model"])
        let populationIndex = try Population.open(population)
        let subject = try #require(populationIndex.heldOutSubjects.first)
        let view = try PopulationTrainingData.views(population: populationIndex, subject: subject, frame: 0)[1].view
        // Codes started 2 away from the population's mean codes: at the mean this barely trained
        // model is already near its best loss, where steps of 1e-2 only wander (±2·10⁻⁴).
        func codeLoss(after iterations: Int) throws -> Float {
            let model = try ParametricGaussianModel(restoring: try ParametricHeadModel.read(from: trained))
            let fitting = ParametricHeadFitting(codeIterations: iterations, codeLearningRate: 1e-2, refineIterations: 0)
            let start = (
                identity: (Variable(model.head.identities.codes.value).mean(axis: 0, keepingAxis: true) + 2).value,
                expression: (Variable(model.head.expressions.codes.value).mean(axis: 0, keepingAxis: true) + 2).value
            )
            return try fitting.fit(model: model, view: view, rasterizer: GaussianRasterizer(), start: start).codeLoss
        }
        // The loss reported is the last step's (before its update): 1 step = the starting codes' loss.
        #expect(try codeLoss(after: 40) < codeLoss(after: 1))

        let report = try #require(
            try harness.run(
                ParametricFitStage.self, inputs: ["model": trained, "population": population],
                with: ["code_iterations": .int(5), "refine_iterations": .int(3)])["report"])
        let metrics = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: report.appendingPathComponent("metrics.json"))) as? [String: Any])
        #expect(metrics["subject"] as? String == subject.id && metrics["fitted_camera"] as? String == "cam01")
        let overall = try #require(metrics["overall"] as? [String: Double])
        #expect(overall["unseen_camera_psnr"].map { $0.isFinite && $0 > 5 } == true)
        #expect(FileManager.default.fileExists(atPath: report.appendingPathComponent("pictures/cam00.png").path))
    }
}
