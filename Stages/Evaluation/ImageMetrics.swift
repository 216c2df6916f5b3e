import Foundation
import Tensors

/// Full-reference image metrics of one rendered image against its reference, on RGB in [0, 1]:
/// PSNR (dB, peak 1), SSIM (scikit-image Gaussian-window conventions, `Losses.ssim`) and mean L1;
/// the masked variants restrict PSNR and L1 to pixels where the reference alpha is ≥ 0.5 and take
/// SSIM of both images multiplied by the soft alpha.
public struct ImageMetrics: Codable, Sendable, Equatable {
    /// PSNR over all pixels, dB.
    public var psnr: Double
    /// Mean SSIM.
    public var ssim: Double
    /// Mean absolute error.
    public var l1: Double
    /// PSNR inside the reference mask, dB (nil without a mask).
    public var maskedPSNR: Double?
    /// SSIM of the alpha-weighted images (nil without a mask).
    public var maskedSSIM: Double?
    /// Mean absolute error inside the mask (nil without a mask).
    public var maskedL1: Double?

    enum CodingKeys: String, CodingKey {
        case psnr = "psnr_db"
        case ssim, l1
        case maskedPSNR = "masked_psnr_db"
        case maskedSSIM = "masked_ssim"
        case maskedL1 = "masked_l1"
    }

    /// Creates a record.
    public init(psnr: Double, ssim: Double, l1: Double, maskedPSNR: Double?, maskedSSIM: Double?, maskedL1: Double?) {
        self.psnr = psnr
        self.ssim = ssim
        self.l1 = l1
        self.maskedPSNR = maskedPSNR
        self.maskedSSIM = maskedSSIM
        self.maskedL1 = maskedL1
    }

    /// Metrics of `rendered` vs `reference`, both `height × width × 3` RGB in [0, 1]; `mask` is the
    /// reference alpha (`height × width`) or nil.
    public static func measure(rendered: [Float], reference: [Float], mask: [Float]?, width: Int, height: Int) -> ImageMetrics {
        let pixels = width * height
        var squared = 0.0, absolute = 0.0, maskedSquared = 0.0, maskedAbsolute = 0.0, maskedCount = 0.0
        for p in 0..<pixels {
            let inside = (mask?[p] ?? 0) >= 0.5
            for c in 0..<3 {
                let d = Double(rendered[3 * p + c]) - Double(reference[3 * p + c])
                squared += d * d
                absolute += Swift.abs(d)
                if inside {
                    maskedSquared += d * d
                    maskedAbsolute += Swift.abs(d)
                }
            }
            if inside { maskedCount += 3 }
        }
        let count = Double(pixels * 3)
        func psnr(_ mse: Double) -> Double { 10 * log10(1 / max(mse, 1e-12)) }
        let ssim = structuralSimilarity(rendered, reference, width: width, height: height)
        var maskedPSNR: Double?, maskedSSIM: Double?, maskedL1: Double?
        if let mask, maskedCount > 0 {
            maskedPSNR = psnr(maskedSquared / maskedCount)
            maskedL1 = maskedAbsolute / maskedCount
            var a = rendered, b = reference
            for p in 0..<pixels {
                for c in 0..<3 {
                    a[3 * p + c] *= mask[p]
                    b[3 * p + c] *= mask[p]
                }
            }
            maskedSSIM = structuralSimilarity(a, b, width: width, height: height)
        }
        return ImageMetrics(
            psnr: psnr(squared / count), ssim: ssim, l1: absolute / count,
            maskedPSNR: maskedPSNR, maskedSSIM: maskedSSIM, maskedL1: maskedL1)
    }

    static func structuralSimilarity(_ a: [Float], _ b: [Float], width: Int, height: Int) -> Double {
        let x = Variable(Tensor(shape: [height, width, 3], scalars: a)).permuted([2, 0, 1])
        let y = Variable(Tensor(shape: [height, width, 3], scalars: b)).permuted([2, 0, 1])
        return Double(Losses.ssim(x, y).value.scalar)
    }

    /// The mean of several records (masked means only over records that have them).
    public static func mean(_ records: [ImageMetrics]) -> ImageMetrics {
        func average(_ values: [Double]) -> Double { values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count) }
        func optionalAverage(_ values: [Double?]) -> Double? {
            let present = values.compactMap { $0 }
            return present.isEmpty ? nil : average(present)
        }
        return ImageMetrics(
            psnr: average(records.map(\.psnr)), ssim: average(records.map(\.ssim)), l1: average(records.map(\.l1)),
            maskedPSNR: optionalAverage(records.map(\.maskedPSNR)), maskedSSIM: optionalAverage(records.map(\.maskedSSIM)),
            maskedL1: optionalAverage(records.map(\.maskedL1)))
    }
}
