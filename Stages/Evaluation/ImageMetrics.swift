import Foundation
import Tensors

/// Full-reference image metrics of one rendered image against its reference, on RGB in [0, 1]:
/// PSNR (dB, peak 1) and SSIM (scikit-image Gaussian-window conventions) from `ImageQuality`, and mean L1;
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
    /// reference alpha (`height × width`) or nil. PSNR and SSIM are `ImageQuality`'s (the rendered
    /// image clamped to [0, 1], a no-op for frames decoded from 8-bit files); L1 is taken as given.
    public static func measure(rendered: [Float], reference: [Float], mask: [Float]?, width: Int, height: Int) -> ImageMetrics {
        let pixels = width * height
        var absolute = 0.0, maskedAbsolute = 0.0, maskedCount = 0.0
        for p in 0..<pixels {
            let inside = (mask?[p] ?? 0) >= 0.5
            for c in 0..<3 {
                let d = Swift.abs(Double(rendered[3 * p + c]) - Double(reference[3 * p + c]))
                absolute += d
                if inside { maskedAbsolute += d }
            }
            if inside { maskedCount += 3 }
        }
        let count = Double(pixels * 3)
        let ssim = ImageQuality.ssim(rendered, reference, width: width, height: height)
        var maskedPSNR: Double?, maskedSSIM: Double?, maskedL1: Double?
        if let mask, maskedCount > 0 {
            maskedPSNR = ImageQuality.psnr(rendered, reference, mask: mask, channels: 3)
            maskedL1 = maskedAbsolute / maskedCount
            maskedSSIM = ImageQuality.ssim(rendered, reference, width: width, height: height, weights: mask)
        }
        return ImageMetrics(
            psnr: ImageQuality.psnr(rendered, reference), ssim: ssim, l1: absolute / count,
            maskedPSNR: maskedPSNR, maskedSSIM: maskedSSIM, maskedL1: maskedL1)
    }

    /// The masked metrics alone (PSNR and L1 where `mask` ≥ 0.5, SSIM of both images weighted by
    /// `mask`) — one region's scores; nil when the mask selects no pixel.
    public static func region(rendered: [Float], reference: [Float], mask: [Float], width: Int, height: Int) -> RegionMetrics? {
        guard let psnr = ImageQuality.psnr(rendered, reference, mask: mask, channels: 3) else { return nil }
        var absolute = 0.0, inside = 0
        for p in 0..<(width * height) where mask[p] >= 0.5 {
            inside += 1
            for c in 0..<3 { absolute += Swift.abs(Double(rendered[3 * p + c]) - Double(reference[3 * p + c])) }
        }
        return RegionMetrics(
            psnr: psnr, ssim: ImageQuality.ssim(rendered, reference, width: width, height: height, weights: mask),
            l1: absolute / Double(3 * inside), coverage: Double(inside) / Double(width * height))
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

/// Scores inside one region (`eval.images`' `regions:`): masked PSNR, SSIM and L1 and the
/// fraction of the image the region covers; means over the frames where the region is present.
public struct RegionMetrics: Codable, Sendable, Equatable {
    /// PSNR inside the region, dB.
    public var psnr: Double
    /// SSIM of both images weighted by the region mask.
    public var ssim: Double
    /// Mean absolute error inside the region.
    public var l1: Double
    /// Fraction of the image's pixels in the region.
    public var coverage: Double

    enum CodingKeys: String, CodingKey {
        case psnr = "psnr_db"
        case ssim, l1, coverage
    }

    /// Creates a record.
    public init(psnr: Double, ssim: Double, l1: Double, coverage: Double) {
        self.psnr = psnr
        self.ssim = ssim
        self.l1 = l1
        self.coverage = coverage
    }

    /// The mean of several records (nil for none).
    public static func mean(_ records: [RegionMetrics]) -> RegionMetrics? {
        guard !records.isEmpty else { return nil }
        let n = Double(records.count)
        return RegionMetrics(
            psnr: records.map(\.psnr).reduce(0, +) / n, ssim: records.map(\.ssim).reduce(0, +) / n,
            l1: records.map(\.l1).reduce(0, +) / n, coverage: records.map(\.coverage).reduce(0, +) / n)
    }
}
