import Foundation
import Tensors

/// EAvatar's control-Gaussian settings (§3.2, eq. 9–13). Stored in `gaussian-head-avatar.json`
/// (key `control`, absent for a plain Gaussian Head Avatar) so a reenactment drives the avatar
/// exactly as it was trained.
///
/// Units (our choice; the paper's copy lost them, docs/eavatar.md): the displacement d_i of eq. 9
/// is the norm of the λ_exp-weighted expression offset λ_exp·f_def^exp(x_i, θ) divided by the
/// deformation head's range (`DynamicHeadNetworkConfiguration.deformationScale`, GHA's tanh × 0.3),
/// so d_i = 0.3 is 0.09 canonical units (≈ 2 cm on a 22 cm head: a clearly opened lip). r and σ are
/// canonical units (head length ≈ 1).
public struct ControlGaussianSettings: Codable, Sendable, Equatable {
    /// τ_c of eq. 10: Gaussians with d_i above it are controls (paper 0.3).
    public var threshold: Float
    /// r of eq. 11: Gaussians within this canonical distance of a control follow it.
    public var radius: Float
    /// σ of eq. 13: width of the Gaussian kernel exp(−‖x_j − x_i‖² / 2σ²), canonical units.
    public var sigma: Float

    /// Creates settings; radius and sigma must be positive (the stage's ranges ensure it).
    public init(threshold: Float, radius: Float, sigma: Float) {
        self.threshold = threshold
        self.radius = radius
        self.sigma = sigma
    }
}

/// The control propagation of one frame (eq. 10–13): which Gaussians are controls, and for every
/// follower j (a non-control within r of at least one control) its controls C_j with the weights
/// w_ij = k(‖x_j − x_i‖) / Σ_{i'∈C_j} k(‖x_j − x_i'‖), k(d) = exp(−d² / 2σ²).
///
/// Eq. 12 (our reading of the prose, docs/eavatar.md): a follower's expression offset becomes the
/// weighted aggregate of its controls' offsets, Δx_j ← Σ_{i∈C_j} w_ij Δx_i; controls and Gaussians
/// out of every control's reach keep their own. Only positions change. The selection is recomputed
/// per frame from the current offsets and is a constant for differentiation (like the splat order):
/// gradients flow through the controls' offsets into f_def^exp.
public struct ControlPropagation: Sendable, Equatable {
    /// Number of Gaussians.
    public var count: Int
    /// Indices of the control Gaussians, ascending.
    public var controls: [Int]
    /// One entry per (follower j, control i ∈ C_j) pair: j.
    public var followers: [Int32]
    /// One entry per pair: i.
    public var sources: [Int32]
    /// One entry per pair: w_ij (summing to one over each follower's pairs).
    public var weights: [Float]

    /// Gaussians that follow at least one control.
    public var followerCount: Int { Set(followers).count }

    /// Plans the propagation for canonical `positions` (`count × 3` values) whose displacements
    /// (eq. 9, in the units of `ControlGaussianSettings`) are `magnitudes`.
    public init(positions: [Float], magnitudes: [Float], settings: ControlGaussianSettings) {
        let n = magnitudes.count
        precondition(positions.count == 3 * n, "positions hold \(positions.count) values for \(n) magnitudes")
        count = n
        controls = (0..<n).filter { magnitudes[$0] > settings.threshold }
        var isControl = [Bool](repeating: false, count: n)
        for i in controls { isControl[i] = true }
        func point(_ i: Int) -> SIMD3<Float> { SIMD3(positions[3 * i], positions[3 * i + 1], positions[3 * i + 2]) }
        // Uniform grid of cell size r over the controls: a follower's controls lie in its 27 neighbour cells.
        let cell = settings.radius
        func key(_ p: SIMD3<Float>) -> SIMD3<Int32> {
            SIMD3(Int32((p.x / cell).rounded(.down)), Int32((p.y / cell).rounded(.down)), Int32((p.z / cell).rounded(.down)))
        }
        var grid: [SIMD3<Int32>: [Int]] = [:]
        for i in controls { grid[key(point(i)), default: []].append(i) }
        // Cells with a control among their 27 neighbours: the only places a follower can be.
        var reachable = Set<SIMD3<Int32>>()
        for cell in grid.keys {
            for dz in Int32(-1)...1 { for dy in Int32(-1)...1 { for dx in Int32(-1)...1 { reachable.insert(cell &+ SIMD3(dx, dy, dz)) } } }
        }
        let radiusSquared = settings.radius * settings.radius, inverseTwoSigmaSquared = 1 / (2 * settings.sigma * settings.sigma)
        var followers: [Int32] = [], sources: [Int32] = [], weights: [Float] = []
        if !controls.isEmpty {
            for j in 0..<n where !isControl[j] {
                let p = point(j), k = key(p)
                guard reachable.contains(k) else { continue }
                let first = weights.count
                var total: Float = 0
                for dz in Int32(-1)...1 {
                    for dy in Int32(-1)...1 {
                        for dx in Int32(-1)...1 {
                            guard let near = grid[k &+ SIMD3(dx, dy, dz)] else { continue }
                            for i in near {
                                let d = point(i) - p
                                let squared = (d * d).sum()
                                guard squared <= radiusSquared else { continue }
                                let w = exp(-squared * inverseTwoSigmaSquared)
                                followers.append(Int32(j))
                                sources.append(Int32(i))
                                weights.append(w)
                                total += w
                            }
                        }
                    }
                }
                // Normalised over C_j (eq. 13); a kernel that underflows everywhere falls back to the plain mean.
                let pairs = weights.count - first
                for q in first..<weights.count { weights[q] = total > 0 ? weights[q] / total : 1 / Float(pairs) }
            }
        }
        self.followers = followers
        self.sources = sources
        self.weights = weights
    }

    /// The offsets `[N, 3]` with every follower's row replaced by the weighted aggregate of its
    /// controls' rows (eq. 12), on the tape of `offsets`.
    public func apply(_ offsets: Variable) -> Variable {
        precondition(offsets.shape == [count, 3], "offsets are \(offsets.shape), expected [\(count), 3]")
        guard !followers.isEmpty else { return offsets }
        var keep = [Float](repeating: 1, count: count)
        for j in followers { keep[Int(j)] = 0 }
        let weighted = offsets.gatherRows(sources) * Variable(Tensor(shape: [weights.count, 1], scalars: weights))
        let aggregated = weighted.scatterAddRows(followers, rowCount: count)
        return offsets * Variable(Tensor(shape: [count, 1], scalars: keep)) + aggregated
    }

    /// Eq. 9 in the settings' units: ‖offset_i‖ / `range` per row of `offsets` (`count × 3` values).
    public static func magnitudes(of offsets: [Float], range: Float) -> [Float] {
        (0..<(offsets.count / 3)).map { i in
            let x = offsets[3 * i], y = offsets[3 * i + 1], z = offsets[3 * i + 2]
            return (x * x + y * y + z * z).squareRoot() / range
        }
    }
}
