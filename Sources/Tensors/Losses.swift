import Foundation

/// Training losses. All return a one-element variable (mean over elements unless stated).
public enum Losses {
    /// Mean absolute error, mean |p − t|.
    public static func l1(_ prediction: Variable, _ target: Variable) -> Variable {
        (prediction - target).abs().mean()
    }

    /// Mean squared error, mean (p − t)².
    public static func l2(_ prediction: Variable, _ target: Variable) -> Variable {
        (prediction - target).square().mean()
    }

    /// Mean Huber loss with threshold `delta`: ½d² for |d| < δ, δ(|d| − ½δ) beyond (PyTorch `huber_loss`).
    public static func huber(_ prediction: Variable, _ target: Variable, delta: Float = 1) -> Variable {
        (prediction - target).unary(HuberFunction(delta: delta)).mean()
    }

    /// Soft silhouette IoU loss: 1 − Σ(a·b) / Σ(a + b − a·b), for masks in [0, 1] of equal shape.
    public static func silhouetteIoU(_ a: Variable, _ b: Variable) -> Variable {
        let intersection = (a * b).sum()
        let union = (a + b - a * b).sum()
        return 1 - intersection / union
    }

    /// Mesh smoothness: mean over vertices of ‖δᵢ‖², δ = uniform Laplacian of the vertex positions `[N, 3]`.
    public static func laplacianSmoothness(_ vertices: Variable, laplacian: MeshLaplacian) -> Variable {
        laplacian.apply(to: vertices).square().sum(axis: 1).mean()
    }

    /// Mean structural similarity (Wang et al. 2004, eq. 13) with scikit-image's conventions:
    /// 11×11 Gaussian window (σ = 1.5, truncated at 3.5σ), C1 = (0.01·L)², C2 = (0.03·L)², data range
    /// L = 1, population (biased) covariances, and the mean taken over the "valid" interior where the
    /// window fits (scikit-image crops a 5-pixel border). Images are `[..., H, W]` (e.g. `[N, C, H, W]`)
    /// of equal shape with H, W ≥ 11; channels are averaged.
    public static func ssim(_ x: Variable, _ y: Variable, dataRange: Float = 1) -> Variable {
        precondition(x.shape == y.shape, "ssim needs equal shapes, got \(x.shape) and \(y.shape)")
        let window = gaussianWindow(size: 11, sigma: 1.5)
        let c1 = (0.01 * dataRange) * (0.01 * dataRange), c2 = (0.03 * dataRange) * (0.03 * dataRange)
        let muX = x.separableFilterValid(kernel: window), muY = y.separableFilterValid(kernel: window)
        let xx = (x * x).separableFilterValid(kernel: window)
        let yy = (y * y).separableFilterValid(kernel: window)
        let xy = (x * y).separableFilterValid(kernel: window)
        let muXY = muX * muY, muXX = muX * muX, muYY = muY * muY
        let numerator = (muXY * 2 + c1) * ((xy - muXY) * 2 + c2)
        let denominator = (muXX + muYY + c1) * ((xx - muXX) + (yy - muYY) + c2)
        return (numerator / denominator).mean()
    }

    /// Structural dissimilarity 1 − SSIM (the form used in the 3DGS / GHA photometric loss).
    public static func structuralDissimilarity(_ x: Variable, _ y: Variable, dataRange: Float = 1) -> Variable {
        1 - ssim(x, y, dataRange: dataRange)
    }

    /// Normalised 1-D Gaussian taps exp(−t²/2σ²), t = −(size−1)/2 … (size−1)/2.
    public static func gaussianWindow(size: Int, sigma: Float) -> [Float] {
        let half = Double(size - 1) / 2
        let raw = (0..<size).map { Foundation.exp(-(Double($0) - half) * (Double($0) - half) / (2 * Double(sigma) * Double(sigma))) }
        let total = raw.reduce(0, +)
        return raw.map { Float($0 / total) }
    }
}
