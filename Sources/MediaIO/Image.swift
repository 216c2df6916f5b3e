import Geometry

extension Image where Sample == Float {
    /// Converts 8-bit samples to [0, 1] by dividing by 255 (exactly invertible by `Image8(rounding:)`).
    public init(_ image: Image8) {
        let converted = image.samples.withUnsafeBufferPointer { source in
            [Float](unsafeUninitializedCapacity: source.count) { destination, count in
                for index in 0..<source.count { destination[index] = Float(source[index]) / 255 }
                count = source.count
            }
        }
        self.init(width: image.width, height: image.height, channels: image.channels, samples: converted)
    }

    /// Converts 16-bit samples to [0, 1] by dividing by 65535.
    public init(_ image: Image16) {
        let scale: Float = 1.0 / 65535.0
        self.init(
            width: image.width, height: image.height, channels: image.channels,
            samples: image.samples.map { Float($0) * scale })
    }
}

extension Image where Sample == Float {
    /// The colour as interleaved RGB (`height × width × 3`): grey replicated to R, G and B, alpha
    /// dropped. For metrics and picture grids that compare images of any channel layout.
    public var rgbSamples: [Float] {
        let pixels = width * height, colour = channels == 2 || channels == 4 ? channels - 1 : channels
        var rgb = [Float](repeating: 0, count: pixels * 3)
        for p in 0..<pixels {
            for c in 0..<3 { rgb[3 * p + c] = samples[p * channels + Swift.min(c, colour - 1)] }
        }
        return rgb
    }

    /// The alpha of every pixel (`height × width`), in [0, 1]; 1 for images without alpha.
    public var alphaSamples: [Float] {
        let pixels = width * height
        guard channels == 2 || channels == 4 else { return [Float](repeating: 1, count: pixels) }
        return (0..<pixels).map { samples[$0 * channels + channels - 1] }
    }
}

extension Image where Sample == UInt8 {
    /// The project's one float → 8-bit conversion of a value in [0, 1]: clamps to [0, 1], multiplies
    /// by 255 and rounds to nearest, halves away from zero (NaN → 0). Every stage that writes 8-bit
    /// pixels from floats uses it (or `byte(scaled:)` for values already on the 0…255 scale).
    @inlinable public static func byte(unit value: Float) -> UInt8 {
        byte(scaled: Swift.min(Swift.max(value, 0), 1) * 255)
    }

    /// The 8-bit sample of a value on the 0…255 scale: rounds to nearest, halves away from zero, and
    /// clamps to 0…255 (NaN → 0). `byte(unit:)` is this after scaling by 255.
    @inlinable public static func byte(scaled value: Float) -> UInt8 {
        UInt8(Swift.min(255, Swift.max(0, value.rounded())))
    }

    /// Converts [0, 1] floats to 8 bits with `byte(unit:)` (clamp, ×255, round to nearest).
    public init(rounding image: FloatImage) {
        let converted = image.samples.withUnsafeBufferPointer { source in
            [UInt8](unsafeUninitializedCapacity: source.count) { destination, count in
                for index in 0..<source.count { destination[index] = Self.byte(unit: source[index]) }
                count = source.count
            }
        }
        self.init(width: image.width, height: image.height, channels: image.channels, samples: converted)
    }

    /// Converts 16-bit samples to 8 bits with rounding (v·255/65535).
    public init(rounding image: Image16) {
        self.init(
            width: image.width, height: image.height, channels: image.channels,
            samples: image.samples.map { UInt8((UInt32($0) * 255 + 32767) / 65535) })
    }
}

extension Image where Sample == UInt16 {
    /// Converts [0, 1] floats to 16 bits: clamps, multiplies by 65535 and rounds to nearest.
    public init(rounding image: FloatImage) {
        self.init(
            width: image.width, height: image.height, channels: image.channels,
            samples: image.samples.map { UInt16((min(max($0, 0), 1) * 65535).rounded()) })
    }

    /// Widens 8-bit samples exactly (v·257, so 255 → 65535).
    public init(_ image: Image8) {
        self.init(
            width: image.width, height: image.height, channels: image.channels,
            samples: image.samples.map { UInt16($0) * 257 })
    }
}

extension Image {
    /// The image with its channel count changed: grey ↔ RGB replicate or average (unweighted mean
    /// of R, G, B), alpha dropped or added as fully opaque (`opaque`).
    public func withChannels(_ target: Int, opaque: Sample) -> Image<Sample> where Sample: BinaryInteger {
        if target == channels { return self }
        precondition((1...4).contains(target), "channel count must be 1...4")
        var result = Image<Sample>(width: width, height: height, channels: target)
        let sourceHasAlpha = channels == 2 || channels == 4
        let targetHasAlpha = target == 2 || target == 4
        let sourceColour = sourceHasAlpha ? channels - 1 : channels
        let targetColour = targetHasAlpha ? target - 1 : target
        for pixel in 0..<(width * height) {
            let s = pixel * channels
            let d = pixel * target
            if sourceColour == targetColour {
                for c in 0..<targetColour { result.samples[d + c] = samples[s + c] }
            } else if sourceColour == 1 {
                for c in 0..<3 { result.samples[d + c] = samples[s] }
            } else {
                let sum = Int(samples[s]) + Int(samples[s + 1]) + Int(samples[s + 2])
                result.samples[d] = Sample((sum + 1) / 3)
            }
            if targetHasAlpha {
                result.samples[d + targetColour] = sourceHasAlpha ? samples[s + sourceColour] : opaque
            }
        }
        return result
    }
}
