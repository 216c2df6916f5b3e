import Tensors

/// The perceptual term of GHA's eq. 8, shared by every trainer that offers one (`gaussians.dynamic`,
/// `superres.train`): none, D-SSIM (the default stand-in) or the VGG16 feature distance with
/// user-supplied weights (`VGGPerceptualLoss`).
public enum PerceptualTerm: Sendable {
    /// No perceptual term.
    case none
    /// 1 − SSIM (`Losses.structuralDissimilarity`).
    case dssim
    /// The LPIPS-style VGG16 feature distance.
    case vgg(VGGPerceptualLoss)

    /// The term for `image` against `target` (RGB in [0, 1], `[3, H, W]` or `[N, 3, H, W]`; a batch
    /// is the mean over its images), or nil for `.none`.
    public func callAsFunction(_ image: Variable, _ target: Variable) -> Variable? {
        switch self {
        case .none:
            return nil
        case .dssim:
            return Losses.structuralDissimilarity(image, target)
        case .vgg(let vgg):
            guard image.rank == 4 && image.shape[0] > 1 else { return vgg(image, target) }
            let count = image.shape[0]
            let total = (1..<count).reduce(vgg(image.slice(0..<1, axis: 0), target.slice(0..<1, axis: 0))) { sum, index in
                sum + vgg(image.slice(index..<(index + 1), axis: 0), target.slice(index..<(index + 1), axis: 0))
            }
            return total * (1 / Float(count))
        }
    }
}
