import Foundation

/// The project's one PSNR and SSIM, for every score of a rendered image against its reference
/// (`eval.images`, the avatar trainers' log lines and `training.json`).
///
/// Images are interleaved float samples in [0, 1] (peak 1). Clamping is decided here, once: the
/// *rendered* image is clamped to [0, 1] before scoring, because that is what a viewer or an 8-bit
/// file shows (a render may overshoot, e.g. 1.02 white, and should not be penalised for light
/// that can never be displayed); the reference is used as given. Images decoded from 8-bit files
/// are already in [0, 1], so for them clamping changes nothing. PSNR is computed in Double from the
/// mean squared error over every sample, floored at 1e-12 (so identical images give 120 dB, not ∞).
public enum ImageQuality {
    /// The smallest mean squared error PSNR uses (identical images score 120 dB instead of infinity).
    public static let minimumMeanSquaredError = 1e-12

    /// `value` clamped to the displayable range [0, 1].
    @inlinable public static func displayable(_ value: Float) -> Float {
        Swift.min(Swift.max(value, 0), 1)
    }

    /// PSNR in dB for a peak of 1 from a mean squared error: `10·log10(1 / max(mse, 1e-12))`.
    public static func psnr(meanSquaredError: Double) -> Double {
        10 * log10(1 / Swift.max(meanSquaredError, minimumMeanSquaredError))
    }

    /// PSNR in dB of `rendered` (clamped to [0, 1]) against `reference`, two equally long arrays of
    /// samples in [0, 1] (any interleaving, as long as both share it).
    public static func psnr(_ rendered: [Float], _ reference: [Float]) -> Double {
        precondition(rendered.count == reference.count, "psnr needs equally long images, got \(rendered.count) and \(reference.count) samples")
        var squared = 0.0
        for i in 0..<rendered.count {
            let d = Double(displayable(rendered[i])) - Double(reference[i])
            squared += d * d
        }
        return psnr(meanSquaredError: squared / Double(Swift.max(1, rendered.count)))
    }

    /// PSNR in dB of `rendered` (clamped) against `reference` restricted to the pixels whose `mask`
    /// value is ≥ 0.5; the images hold `channels` interleaved samples per mask entry. Nil when the
    /// mask selects no pixel.
    public static func psnr(_ rendered: [Float], _ reference: [Float], mask: [Float], channels: Int) -> Double? {
        precondition(
            rendered.count == reference.count && rendered.count == mask.count * channels,
            "masked psnr needs images of \(mask.count) × \(channels) samples, got \(rendered.count) and \(reference.count)")
        var squared = 0.0, count = 0.0
        for p in 0..<mask.count where mask[p] >= 0.5 {
            for c in 0..<channels {
                let d = Double(displayable(rendered[channels * p + c])) - Double(reference[channels * p + c])
                squared += d * d
            }
            count += Double(channels)
        }
        return count > 0 ? psnr(meanSquaredError: squared / count) : nil
    }

    /// Mean SSIM (`Losses.ssim`: scikit-image conventions, 11×11 Gaussian window, data range 1,
    /// channels averaged) of `rendered` (clamped to [0, 1]) against `reference`, both
    /// `height × width × channels` interleaved; `weights` (`height × width`, e.g. a soft alpha)
    /// multiplies both images first when given. Needs width, height ≥ 11.
    public static func ssim(
        _ rendered: [Float], _ reference: [Float], width: Int, height: Int, channels: Int = 3,
        weights: [Float]? = nil
    ) -> Double {
        precondition(
            rendered.count == width * height * channels && reference.count == rendered.count,
            "ssim needs two \(width)×\(height)×\(channels) images, got \(rendered.count) and \(reference.count) samples")
        var a = rendered.map(displayable), b = reference
        if let weights {
            for p in 0..<(width * height) {
                for c in 0..<channels {
                    a[channels * p + c] *= weights[p]
                    b[channels * p + c] *= weights[p]
                }
            }
        }
        let x = Variable(Tensor(shape: [height, width, channels], scalars: a)).permuted([2, 0, 1])
        let y = Variable(Tensor(shape: [height, width, channels], scalars: b)).permuted([2, 0, 1])
        return Double(Losses.ssim(x, y).value.scalar)
    }
}
