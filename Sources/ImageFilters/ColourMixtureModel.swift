import Foundation
import LinearAlgebra

/// A Gaussian mixture over RGB colours (values in [0, 1]) with full covariances, as GrabCut
/// models the foreground and the background (Rother et al., "GrabCut", SIGGRAPH 2004, §3.1).
public struct ColourMixtureModel: Sendable, Equatable {
    /// One Gaussian of the mixture.
    public struct Component: Sendable, Equatable {
        /// Mixing weight (the components' weights sum to 1).
        public var weight: Double
        /// Mean colour.
        public var mean: SIMD3<Double>
        /// Inverse covariance, row-major 3×3.
        var inverseCovariance: [Double]
        /// `log(weight) − ½ log((2π)³ det Σ)`: the component's log-density at its mean.
        var logScale: Double
    }

    /// The Gaussians; components that received no colours are dropped.
    public private(set) var components: [Component]

    /// Added to every covariance's diagonal so that flat colour regions keep an invertible
    /// covariance: (1/255)², one 8-bit step.
    public static let covarianceFloor = 1.0 / (255.0 * 255.0)

    /// Fits `componentCount` Gaussians to `colours`: the clusters of Orchard–Bouman splitting (the
    /// cluster with the largest colour variance is split through its mean across its principal
    /// axis until there are `componentCount`), each estimated by its mean and covariance.
    /// Returns nil when `colours` is empty.
    public init?(fitting colours: [SIMD3<Double>], componentCount: Int = 5) {
        guard !colours.isEmpty else { return nil }
        var clusters: [[Int]] = [Array(colours.indices)]
        while clusters.count < max(1, componentCount) {
            var widest: (index: Int, variance: Double, axis: SIMD3<Double>, mean: SIMD3<Double>)?
            for (index, members) in clusters.enumerated() where members.count > 1 {
                let (mean, covariance) = Self.moments(members.map { colours[$0] })
                let (variance, axis) = Self.principalAxis(covariance)
                if variance > (widest?.variance ?? 0) { widest = (index, variance, axis, mean) }
            }
            guard let widest else { break }
            let members = clusters[widest.index]
            let side = members.map { (colours[$0] - widest.mean).dotted(widest.axis) > 0 }
            let upper = zip(members, side).filter { $0.1 }.map(\.0), lower = zip(members, side).filter { !$0.1 }.map(\.0)
            guard !upper.isEmpty, !lower.isEmpty else { break }
            clusters[widest.index] = lower
            clusters.append(upper)
        }
        var assignment = [Int](repeating: 0, count: colours.count)
        for (cluster, members) in clusters.enumerated() { for member in members { assignment[member] = cluster } }
        self = Self(colours: colours, assignment: assignment, componentCount: clusters.count)
    }

    /// Estimates every component from the colours assigned to it (GrabCut's step 2).
    public init(colours: [SIMD3<Double>], assignment: [Int], componentCount: Int) {
        var groups = [[SIMD3<Double>]](repeating: [], count: componentCount)
        for (colour, component) in zip(colours, assignment) { groups[component].append(colour) }
        components = groups.compactMap { group -> Component? in
            guard !group.isEmpty else { return nil }
            var (mean, covariance) = Self.moments(group)
            for axis in 0..<3 { covariance[axis * 4] += Self.covarianceFloor }
            let (inverse, determinant) = Self.invert3x3(covariance)
            let weight = Double(group.count) / Double(colours.count)
            return Component(
                weight: weight, mean: mean, inverseCovariance: inverse,
                logScale: log(weight) - 0.5 * (3 * log(2 * Double.pi) + log(determinant)))
        }
    }

    /// `−log p(colour)`: the colour's cost under the mixture (log-sum-exp over components).
    public func negativeLogLikelihood(_ colour: SIMD3<Double>) -> Double {
        var largest = -Double.infinity, sum = 0.0
        for component in components {
            let value = logDensity(colour, component)
            if value > largest {
                sum = sum * exp(largest - value) + 1
                largest = value
            } else {
                sum += exp(value - largest)
            }
        }
        guard largest.isFinite else { return Double.greatestFiniteMagnitude }
        return -(largest + log(sum))
    }

    /// The component under which `colour` is most likely (GrabCut's step 1).
    public func mostLikelyComponent(_ colour: SIMD3<Double>) -> Int {
        var best = 0
        var bestValue = -Double.infinity
        for (index, component) in components.enumerated() {
            let value = logDensity(colour, component)
            if value > bestValue {
                best = index
                bestValue = value
            }
        }
        return best
    }

    /// `log(w_k · N(colour; μ_k, Σ_k))`.
    private func logDensity(_ colour: SIMD3<Double>, _ component: Component) -> Double {
        let d = colour - component.mean, m = component.inverseCovariance
        let quadratic =
            d.x * (m[0] * d.x + m[1] * d.y + m[2] * d.z) + d.y * (m[3] * d.x + m[4] * d.y + m[5] * d.z)
            + d.z * (m[6] * d.x + m[7] * d.y + m[8] * d.z)
        return component.logScale - 0.5 * quadratic
    }

    /// Mean and (biased) covariance, row-major 3×3.
    static func moments(_ colours: [SIMD3<Double>]) -> (SIMD3<Double>, [Double]) {
        let mean = colours.reduce(SIMD3<Double>.zero, +) / Double(colours.count)
        var covariance = [Double](repeating: 0, count: 9)
        for colour in colours {
            let d = colour - mean
            for row in 0..<3 { for column in 0..<3 { covariance[row * 3 + column] += d[row] * d[column] } }
        }
        return (mean, covariance.map { $0 / Double(colours.count) })
    }

    /// Largest eigenvalue and its unit eigenvector of a symmetric 3×3 matrix.
    static func principalAxis(_ matrix: [Double]) -> (Double, SIMD3<Double>) {
        let (values, vectors) = DenseLinearAlgebra.symmetricEigen(matrix, n: 3)
        let largest = values.indices.max { values[$0] < values[$1] } ?? 0
        return (values[largest], SIMD3(vectors[largest], vectors[3 + largest], vectors[6 + largest]))
    }

    /// Inverse and determinant of a symmetric positive-definite 3×3 matrix (adjugate formula).
    static func invert3x3(_ m: [Double]) -> ([Double], Double) {
        let c00 = m[4] * m[8] - m[5] * m[7], c01 = m[5] * m[6] - m[3] * m[8], c02 = m[3] * m[7] - m[4] * m[6]
        let determinant = m[0] * c00 + m[1] * c01 + m[2] * c02
        let inverse = [
            c00, m[2] * m[7] - m[1] * m[8], m[1] * m[5] - m[2] * m[4],
            c01, m[0] * m[8] - m[2] * m[6], m[2] * m[3] - m[0] * m[5],
            c02, m[1] * m[6] - m[0] * m[7], m[0] * m[4] - m[1] * m[3],
        ].map { $0 / determinant }
        return (inverse, determinant)
    }
}

extension SIMD3 where Scalar == Double {
    /// Dot product.
    fileprivate func dotted(_ other: SIMD3<Double>) -> Double { (self * other).sum() }
}
