/// The guided filter of He, Sun and Tang (ECCV 2010 / TPAMI 2013) with a colour guide: an
/// edge-preserving smoothing of `input` that follows the edges of the RGB `guide`, O(1) per pixel.
///
/// For each window k: a_k = (Σ_k + εU)⁻¹ (mean(I·p) − μ_k mean(p)), b_k = mean(p) − a_kᵀμ_k;
/// output q = mean(a)ᵀ I + mean(b). Box means clip at the image border (exact N).
public enum GuidedFilter {
    /// Filters `input` guided by the three planes of `guide` (R, G, B, values in [0, 1]).
    ///
    /// - Parameters:
    ///   - radius: window half-size r in pixels (windows are (2r+1)²).
    ///   - epsilon: the regulariser ε of the window covariance, in squared guide units: edges
    ///     whose guide variance is well above ε are kept, flatter regions are smoothed.
    /// - Returns: q, the same size as `input`.
    public static func apply(guide: [Plane], input: Plane, radius: Int, epsilon: Float) -> Plane {
        precondition(guide.count == 3, "colour guide needs three planes")
        let (r, g, b) = (guide[0], guide[1], guide[2])
        let meanR = r.boxMean(radius: radius), meanG = g.boxMean(radius: radius), meanB = b.boxMean(radius: radius)
        let meanP = input.boxMean(radius: radius)
        func meanOfProduct(_ x: Plane, _ y: Plane) -> Plane { x.combined(with: y, *).boxMean(radius: radius) }
        let rp = meanOfProduct(r, input), gp = meanOfProduct(g, input), bp = meanOfProduct(b, input)
        let rr = meanOfProduct(r, r), rg = meanOfProduct(r, g), rb = meanOfProduct(r, b)
        let gg = meanOfProduct(g, g), gb = meanOfProduct(g, b), bb = meanOfProduct(b, b)

        let count = input.values.count
        var aR = Plane(width: input.width, height: input.height), aG = aR, aB = aR, bias = aR
        for i in 0..<count {
            let mr = meanR.values[i], mg = meanG.values[i], mb = meanB.values[i], mp = meanP.values[i]
            let covRP = rp.values[i] - mr * mp, covGP = gp.values[i] - mg * mp, covBP = bp.values[i] - mb * mp
            // Σ + εU, symmetric 3×3.
            let s00 = rr.values[i] - mr * mr + epsilon, s01 = rg.values[i] - mr * mg, s02 = rb.values[i] - mr * mb
            let s11 = gg.values[i] - mg * mg + epsilon, s12 = gb.values[i] - mg * mb, s22 = bb.values[i] - mb * mb + epsilon
            // Inverse by cofactors.
            let c00 = s11 * s22 - s12 * s12, c01 = s02 * s12 - s01 * s22, c02 = s01 * s12 - s02 * s11
            let c11 = s00 * s22 - s02 * s02, c12 = s01 * s02 - s00 * s12, c22 = s00 * s11 - s01 * s01
            let determinant = s00 * c00 + s01 * c01 + s02 * c02
            let inverse = determinant != 0 ? 1 / determinant : 0
            let ar = (c00 * covRP + c01 * covGP + c02 * covBP) * inverse
            let ag = (c01 * covRP + c11 * covGP + c12 * covBP) * inverse
            let ab = (c02 * covRP + c12 * covGP + c22 * covBP) * inverse
            aR.values[i] = ar
            aG.values[i] = ag
            aB.values[i] = ab
            bias.values[i] = mp - ar * mr - ag * mg - ab * mb
        }
        let mAR = aR.boxMean(radius: radius), mAG = aG.boxMean(radius: radius), mAB = aB.boxMean(radius: radius)
        let mBias = bias.boxMean(radius: radius)
        var output = Plane(width: input.width, height: input.height)
        for i in 0..<count {
            output.values[i] = mAR.values[i] * r.values[i] + mAG.values[i] * g.values[i] + mAB.values[i] * b.values[i] + mBias.values[i]
        }
        return output
    }
}
