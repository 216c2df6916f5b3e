/// An exact fraction, used for frame rates and FFmpeg time bases (seconds per tick).
public struct Rational: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Numerator.
    public var numerator: Int
    /// Denominator (positive for valid values).
    public var denominator: Int

    /// Creates `numerator / denominator`.
    public init(_ numerator: Int, _ denominator: Int) {
        self.numerator = numerator
        self.denominator = denominator
    }

    /// The value as a Double (NaN-free only when the denominator is non-zero).
    public var doubleValue: Double { Double(numerator) / Double(denominator) }

    /// `numerator/denominator`.
    public var description: String { "\(numerator)/\(denominator)" }

    /// The closest fraction with a denominator of at most 1001·1000, for fps given as decimals (29.97 → 30000/1001).
    public init(approximating value: Double) {
        let candidates = [1, 1001, 1000, 100_000]
        var best = Rational(Int(value.rounded()), 1)
        var bestError = abs(best.doubleValue - value)
        for denominator in candidates {
            let numerator = Int((value * Double(denominator)).rounded())
            let candidate = Rational(numerator, denominator)
            let error = abs(candidate.doubleValue - value)
            if error < bestError - 1e-12 {
                best = candidate
                bestError = error
            }
        }
        self = best
    }
}
