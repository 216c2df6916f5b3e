import Avatars
import Foundation
import Tensors
import Testing

/// `VGGPerceptualLoss` with small random weights in the torchvision layout (narrow blocks keep the
/// finite-difference checks fast; the loader checks full VGG16 shapes by default).
struct VGGPerceptualLossTests {
    static let narrowWidths = [4, 6, 8, 8]

    /// Random weights for blocks of `widths` (uniform, ±√(6 / fan-in), He-like) by torchvision name;
    /// `reshaping` replaces one tensor's shape.
    static func randomWeights(widths: [Int], seed: UInt64 = 7, reshaping: (name: String, shape: [Int])? = nil) -> [String: Tensor] {
        var generator = Tensors.SplitMix64(seed: seed)
        var tensors: [String: Tensor] = [:]
        for (name, shape) in VGGPerceptualLoss.requiredTensors(widths: widths) {
            let actual = reshaping?.name == name ? reshaping!.shape : shape
            let bound = shape.count == 4 ? (6 / Float(shape[1] * 9)).squareRoot() : 0.05
            tensors[name] = Tensor.uniform(shape: actual, low: -bound, high: bound, generator: &generator)
        }
        return tensors
    }

    /// Writes `tensors` to a unique temporary safetensors file, runs `body` with its URL, removes it.
    static func withWeightsFile<T>(_ tensors: [String: Tensor], _ body: (URL) throws -> T) throws -> T {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vgg-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Safetensors.write(tensors, to: url)
        return try body(url)
    }

    static func image(height: Int, width: Int, seed: UInt64) -> Tensor {
        var generator = Tensors.SplitMix64(seed: seed)
        return Tensor.uniform(shape: [3, height, width], low: 0.1, high: 0.9, generator: &generator)
    }

    @Test func lossGradientWithRespectToTheImageMatchesFiniteDifferences() throws {
        let loss = try Self.withWeightsFile(Self.randomWeights(widths: Self.narrowWidths)) {
            try VGGPerceptualLoss(contentsOf: $0, widths: Self.narrowWidths)
        }
        let image = Self.image(height: 8, width: 8, seed: 1), target = Variable(Self.image(height: 8, width: 8, seed: 2))
        let tape = Tape()
        let variable = tape.variable(image)
        let gradient = try #require(tape.backward(from: loss(variable, target))[variable])
        let step: Float = 1e-3
        var largest = 0.0, failures: [String] = []
        for i in 0..<image.count {
            var plus = image, minus = image
            plus[flat: i] += step
            minus[flat: i] -= step
            let numeric = (Double(loss(Variable(plus), target).value.scalar) - Double(loss(Variable(minus), target).value.scalar)) / Double(2 * step)
            let analytic = Double(gradient[flat: i])
            largest = max(largest, abs(numeric))
            if abs(analytic - numeric) > 1e-3 + 2e-2 * abs(numeric) { failures.append("element \(i): analytic \(analytic), numeric \(numeric)") }
        }
        #expect(largest > 2e-2, "the check must see gradients well above its absolute tolerance (largest \(largest))")
        #expect(failures.isEmpty, "\(failures.count) of \(image.count) elements disagree: \(failures.prefix(5))")
    }

    @Test func lossIsZeroForIdenticalImagesAndGrowsWithThePerturbation() throws {
        let loss = try VGGPerceptualLoss(weights: Self.randomWeights(widths: Self.narrowWidths), widths: Self.narrowWidths, source: "test")
        let image = Self.image(height: 16, width: 16, seed: 3), noise = Self.image(height: 16, width: 16, seed: 4)
        func perturbed(_ amount: Float) -> Variable {
            Variable(Tensor(shape: image.shape, scalars: zip(image.scalars, noise.scalars).map { $0 + amount * ($1 - 0.5) }))
        }
        #expect(loss(Variable(image), Variable(image)).value.scalar == 0)
        let values = [0.02, 0.1, 0.4].map { loss(perturbed(Float($0)), Variable(image)).value.scalar }
        #expect(values[0] > 0 && values[0] < values[1] && values[1] < values[2], "loss must grow with the perturbation: \(values)")
    }

    @Test func relu4_3IsComparedOnlyFromTheDocumentedImageSize() throws {
        let loss = try VGGPerceptualLoss(weights: Self.randomWeights(widths: Self.narrowWidths), widths: Self.narrowWidths, source: "test")
        let side = VGGPerceptualLoss.deepestTapMinimumSide
        let small = loss.features(Variable(Self.image(height: side - 8, width: side, seed: 5).reshaped([1, 3, side - 8, side])))
        let large = loss.features(Variable(Self.image(height: side, width: side, seed: 5).reshaped([1, 3, side, side])))
        #expect(small.map(\.shape) == [[1, 4, side - 8, side], [1, 6, side / 2 - 4, side / 2], [1, 8, side / 4 - 2, side / 4]])
        #expect(large.count == 4 && large[3].shape == [1, 8, side / 8, side / 8])
    }

    @Test func loadingRefusesAMisShapedTensorNamingIt() throws {
        let weights = Self.randomWeights(widths: [64, 128], reshaping: ("features.5.weight", [128, 64, 5, 5]))
        _ = try Self.withWeightsFile(weights) { url in
            #expect { _ = try VGGPerceptualLoss(contentsOf: url) } throws: { error in
                let message = (error as? VGGWeightsError)?.description ?? ""
                return message.contains(url.path) && message.contains("'features.5.weight'") && message.contains("[128, 64, 5, 5]")
                    && message.contains("[128, 64, 3, 3]") && message.contains("perceptual: dssim")
            }
        }
    }

    @Test func loadingRefusesAMissingTensorNamingIt() throws {
        _ = try Self.withWeightsFile(Self.randomWeights(widths: [64, 128])) { url in
            #expect { _ = try VGGPerceptualLoss(contentsOf: url) } throws: { error in
                let message = (error as? VGGWeightsError)?.description ?? ""
                return message.contains(url.path) && message.contains("'features.10.weight'") && message.contains("[256, 128, 3, 3]")
            }
        }
    }

    @Test func loadingRefusesAMissingFileNamingIt() {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("absent-\(UUID().uuidString).safetensors")
        #expect { _ = try VGGPerceptualLoss(contentsOf: url) } throws: { error in
            let message = (error as? VGGWeightsError)?.description ?? ""
            return message.contains(url.path) && message.contains("does not exist") && message.contains("perceptual: dssim")
        }
    }
}
