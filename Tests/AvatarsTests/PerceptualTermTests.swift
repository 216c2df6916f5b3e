import Avatars
import Tensors
import Testing

/// `PerceptualTerm`, the perceptual part of the trainers' losses.
struct PerceptualTermTests {
    static func images(_ count: Int, seed: UInt64) -> Tensor {
        var generator = Tensors.SplitMix64(seed: seed)
        return Tensor.uniform(shape: [count, 3, 16, 16], low: 0.1, high: 0.9, generator: &generator)
    }

    @Test func theVGGTermOfABatchIsTheMeanOfItsImagesTerms() throws {
        let widths = VGGPerceptualLossTests.narrowWidths
        let vgg = try VGGPerceptualLoss(weights: VGGPerceptualLossTests.randomWeights(widths: widths), widths: widths, source: "test")
        let term = PerceptualTerm.vgg(vgg)
        let image = Variable(Self.images(3, seed: 1)), target = Variable(Self.images(3, seed: 2))
        let batch = try #require(term(image, target)).value.scalar
        let single = (0..<3).map { vgg(image.slice($0..<($0 + 1), axis: 0), target.slice($0..<($0 + 1), axis: 0)).value.scalar }
        #expect(abs(batch - single.reduce(0, +) / 3) < 1e-5 * max(1, abs(batch)), "batch \(batch), images \(single)")
    }

    @Test func dssimIsOneMinusSSIMAndNoneIsAbsent() {
        let image = Variable(Self.images(2, seed: 3)), target = Variable(Self.images(2, seed: 4))
        let dssim: PerceptualTerm = .dssim, none: PerceptualTerm = .none
        #expect(dssim(image, target)?.value.scalar == 1 - Losses.ssim(image, target).value.scalar)
        #expect(none(image, target) == nil)
    }
}
