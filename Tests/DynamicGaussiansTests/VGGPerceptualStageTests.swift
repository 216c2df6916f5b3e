import AvatarFlow
import Avatars
import Foundation
import Tensors
import Testing

@testable import DynamicGaussians

/// `perceptual: vgg` in `gaussians.dynamic`: training with user-supplied weights, and refusals.
@Suite(.serialized) struct VGGPerceptualStageTests {
    @Test func stageTrainsWithTheVGGTermFromRandomWeights() throws {
        let harness = try StageHarness(label: "gha-vgg")
        let capture = try SeededHeadCapture(seed: 5, in: harness.file("capture"))
        var generator = Tensors.SplitMix64(seed: 11)
        let weights = Dictionary(
            uniqueKeysWithValues: VGGPerceptualLoss.requiredTensors().map { name, shape in
                (name, Tensor.uniform(shape: shape, low: -0.02, high: 0.02, generator: &generator))
            })
        let file = harness.file("vgg16-features.safetensors")
        try Safetensors.write(weights, to: file)
        var settings = SeededHeadCapture.quickTraining
        settings["log_interval"] = .int(1)
        settings["deterministic"] = .bool(true)
        settings["perceptual"] = .string("none")
        try harness.run(DynamicGaussiansStage.self, name: "plain", inputs: capture.stageInputs, with: settings)
        settings["perceptual"] = .string("vgg")
        settings["vgg_weights"] = .string(file.path)
        let outputs = try harness.run(DynamicGaussiansStage.self, name: "vgg", inputs: capture.stageInputs, with: settings)
        let training =
            try JSONSerialization.jsonObject(with: Data(contentsOf: try #require(outputs["avatar"]).appendingPathComponent("training.json"))) as? [String: Any]
        let psnr = try #require(training?["training_psnr_db"] as? Double)
        #expect(psnr.isFinite && psnr > 5, "training with the VGG term must give a finite, sensible PSNR (\(psnr) dB)")
        func losses(_ stage: String) -> [Double] {
            harness.events.events.filter { $0.stage == stage }.compactMap(\.metrics).compactMap { $0["loss"] }
        }
        let plain = losses("plain"), withVGG = losses("vgg")
        #expect(withVGG.count == 4 && withVGG.allSatisfy(\.isFinite))
        // Same seed, same first view and image: the first step's loss differs only by λ_p·P > 0.
        let first = try #require(withVGG.first), firstPlain = try #require(plain.first)
        #expect(first > firstPlain, "the VGG term must add to the loss: \(firstPlain) without, \(first) with it")
    }

    @Test func vggWithoutWeightsIsRefusedAtTheStartSayingWhatToDo() throws {
        let harness = try StageHarness(label: "gha-vgg-missing")
        let capture = try SeededHeadCapture(seed: 6, in: harness.file("capture"))
        var settings = SeededHeadCapture.quickTraining
        settings["perceptual"] = .string("vgg")
        #expect { try harness.run(DynamicGaussiansStage.self, inputs: capture.stageInputs, with: settings) } throws: { error in
            let message = (error as? DynamicGaussiansError)?.description ?? ""
            return message.contains("vgg_weights") && message.contains("perceptual: dssim")
        }
    }

    @Test func aMisShapedWeightsFileIsRefusedNamingTheFileAndTensor() throws {
        let harness = try StageHarness(label: "gha-vgg-shape")
        let capture = try SeededHeadCapture(seed: 6, in: harness.file("capture"))
        let file = harness.file("bad.safetensors")
        try Safetensors.write(["features.0.weight": Tensor(zeros: [64, 3, 7, 7])], to: file)
        var settings = SeededHeadCapture.quickTraining
        settings["perceptual"] = .string("vgg")
        settings["vgg_weights"] = .string(file.path)
        #expect { try harness.run(DynamicGaussiansStage.self, inputs: capture.stageInputs, with: settings) } throws: { error in
            let message = (error as? DynamicGaussiansError)?.description ?? ""
            return message.contains(file.path) && message.contains("'features.0.weight'") && message.contains("[64, 3, 3, 3]")
        }
    }
}
