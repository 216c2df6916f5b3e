import Foundation
import Testing

@testable import Tensors

struct ImageQualityTests {
    @Test func psnrIsTenLogOfTheInverseMeanSquaredError() {
        // MSE 0.01 → 20 dB; identical images hit the 1e-12 floor → 120 dB.
        #expect(abs(ImageQuality.psnr([0.1, 0.5], [0.2, 0.4]) - 20) < 1e-6)
        #expect(ImageQuality.psnr([0.3, 0.7], [0.3, 0.7]) == 120)
    }

    @Test func theRenderIsClampedButTheReferenceIsNot() {
        // 1.3 and −0.2 are scored as 1 and 0: no error against a reference of 1 and 0.
        #expect(ImageQuality.psnr([1.3, -0.2], [1, 0]) == 120)
        #expect(abs(ImageQuality.psnr([0.5], [1.5]) - ImageQuality.psnr(meanSquaredError: 1)) < 1e-12)
    }

    @Test func maskedPSNRKeepsPixelsWithAlphaFromOneHalf() throws {
        let rendered: [Float] = [0, 0, 0, 1, 1, 1], reference: [Float] = [0.1, 0.1, 0.1, 0, 0, 0]
        let inside = try #require(ImageQuality.psnr(rendered, reference, mask: [0.5, 0.49], channels: 3))
        #expect(abs(inside - 20) < 1e-6)
        #expect(ImageQuality.psnr(rendered, reference, mask: [0, 0], channels: 3) == nil)
    }

    @Test func ssimIsOneForIdenticalImagesAndMatchesLosses() {
        var generator = SplitMix64(seed: 3)
        let a = (0..<(12 * 13 * 3)).map { _ in Float(generator.nextUniform()) }
        let b = a.map { min(1, $0 * 0.9 + 0.05) }
        #expect(abs(ImageQuality.ssim(a, a, width: 13, height: 12) - 1) < 1e-6)
        let x = Variable(Tensor(shape: [12, 13, 3], scalars: a)).permuted([2, 0, 1])
        let y = Variable(Tensor(shape: [12, 13, 3], scalars: b)).permuted([2, 0, 1])
        #expect(ImageQuality.ssim(a, b, width: 13, height: 12) == Double(Losses.ssim(x, y).value.scalar))
    }
}
