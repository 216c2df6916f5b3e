/// Per-fragment channel loops, vectorised 8 channels at a time (SIMD8 maps to AVX registers).
enum ChannelKernels {
    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func store8(_ value: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: value, as: SIMD8<Float>.self)
    }

    /// `target += weight·source` over `count` channels.
    @inline(__always)
    static func addScaled(_ target: UnsafeMutablePointer<Float>, _ source: UnsafePointer<Float>, _ weight: Float, _ count: Int) {
        var c = 0
        while c + 8 <= count {
            store8(load8(target + c) + weight * load8(source + c), target + c)
            c += 8
        }
        while c < count {
            target[c] += weight * source[c]
            c += 1
        }
    }

    /// One backward step of front-to-back compositing for a fragment, over all channels:
    /// `featureGradient += weight·outputGradient`, returns `Σ (feature − behind)·outputGradient`
    /// and updates `behind ← α·feature + (1 − α)·behind` (the colour composited behind the fragment).
    @inline(__always)
    static func backwardStep(featureGradient: UnsafeMutablePointer<Float>, behind: UnsafeMutablePointer<Float>,
                             feature: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                             weight: Float, alpha: Float, count: Int) -> Float {
        var c = 0
        var dot8 = SIMD8<Float>()
        let keep = 1 - alpha
        while c + 8 <= count {
            let g = load8(outputGradient + c)
            let f = load8(feature + c)
            let b = load8(behind + c)
            store8(load8(featureGradient + c) + weight * g, featureGradient + c)
            dot8 += (f - b) * g
            store8(alpha * f + keep * b, behind + c)
            c += 8
        }
        var dot = dot8.sum()
        while c < count {
            let g = outputGradient[c], f = feature[c], b = behind[c]
            featureGradient[c] += weight * g
            dot += (f - b) * g
            behind[c] = alpha * f + keep * b
            c += 1
        }
        return dot
    }
}
