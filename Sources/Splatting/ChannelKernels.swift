/// Channel loops vectorised 8 channels at a time (SIMD8 maps to AVX registers).
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

    /// `target = source` over `count` channels (inline: a `memmove` call per Gaussian row costs
    /// more than the copy of a few vectors).
    @inline(__always)
    static func copy(_ target: UnsafeMutablePointer<Float>, _ source: UnsafePointer<Float>, _ count: Int) {
        var c = 0
        while c + 8 <= count {
            store8(load8(source + c), target + c)
            c += 8
        }
        while c < count {
            target[c] = source[c]
            c += 1
        }
    }
}
