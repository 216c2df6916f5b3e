import MediaIO

/// Classical background matting against a plate: difference key with noise-adaptive thresholds,
/// morphological clean-up, connected components, hole filling, and colour guided-filter refinement
/// inside a narrow band around the boundary (see ../shared/reference/matting.md).
struct DifferenceMatte: Sendable {
    /// Tuning; the stage's parameters map onto these.
    struct Settings: Sendable {
        /// Lower threshold in noise units: d below `lowNoise × noise` is background.
        var lowNoise: Float = 4
        /// Upper threshold in noise units: d above `highNoise × noise` is foreground.
        var highNoise: Float = 8
        /// Floor of the lower threshold on ‖I − B‖ (RGB in [0, 1]).
        var minimumLow: Float = 0.04
        /// Floor of the upper threshold.
        var minimumHigh: Float = 0.12
        /// Opening radius (pixels): removes specks.
        var openRadius = 1
        /// Closing radius (pixels): bridges thin gaps.
        var closeRadius = 2
        /// Components smaller than this fraction of the largest are dropped.
        var minimumComponentFraction = 0.02
        /// Fill background regions enclosed by the subject.
        var fillHoles = true
        /// Half-width of the uncertain band refined by the guided filter (pixels).
        var bandRadius = 2
        /// Guided filter radius (pixels).
        var guidedRadius = 3
        /// Guided filter regulariser ε.
        var guidedEpsilon: Float = 1e-3
    }

    /// The settings.
    var settings = Settings()

    /// The planes of an RGB image in [0, 1].
    static func planes(_ image: Image8) -> [Plane] {
        let pixels = image.width * image.height
        return (0..<3).map { channel in
            var values = [Float](repeating: 0, count: pixels)
            image.samples.withUnsafeBufferPointer { samples in
                for pixel in 0..<pixels { values[pixel] = Float(samples[pixel * image.channels + channel]) / 255 }
            }
            return Plane(width: image.width, height: image.height, values: values)
        }
    }

    /// Alpha in [0, 1] for `frame` against `plate` (both RGB8 of the same size).
    func alpha(frame: Image8, plate: Image8) -> Plane {
        let image = Self.planes(frame), background = Self.planes(plate)
        let pixels = frame.width * frame.height
        var distance = Plane(width: frame.width, height: frame.height)
        for pixel in 0..<pixels {
            let dr = image[0].values[pixel] - background[0].values[pixel]
            let dg = image[1].values[pixel] - background[1].values[pixel]
            let db = image[2].values[pixel] - background[2].values[pixel]
            distance.values[pixel] = (dr * dr + dg * dg + db * db).squareRoot()
        }
        // Noise level: the median distance, dominated by background pixels (the subject covers less than half).
        let noise = Self.median(distance.values)
        let low = max(settings.minimumLow, settings.lowNoise * noise)
        let high = max(settings.minimumHigh, settings.highNoise * noise, low + 0.02)
        let soft = distance.map { min(1, max(0, ($0 - low) / (high - low))) }

        var mask = BinaryMask(soft, threshold: 0.5).opened(radius: settings.openRadius).closed(radius: settings.closeRadius)
            .keepingLargeComponents(fraction: settings.minimumComponentFraction)
        if settings.fillHoles { mask = mask.fillingHoles() }

        let sureForeground = mask.eroded(radius: settings.bandRadius)
        let sureBackground = mask.dilated(radius: settings.bandRadius)
        let refined = GuidedFilter.apply(guide: image, input: mask.plane, radius: settings.guidedRadius, epsilon: settings.guidedEpsilon)
        var alpha = Plane(width: frame.width, height: frame.height)
        for pixel in 0..<pixels {
            if sureForeground.bits[pixel] {
                alpha.values[pixel] = 1
            } else if sureBackground.bits[pixel] {
                alpha.values[pixel] = min(1, max(0, refined.values[pixel]))
            }
        }
        return alpha
    }

    static func median(_ values: [Float]) -> Float {
        guard !values.isEmpty else { return 0 }
        var sorted = values
        let middle = sorted.count / 2
        sorted.withUnsafeMutableBufferPointer { buffer in
            var low = 0, high = buffer.count - 1
            while low < high {
                let pivot = buffer[(low + high) / 2]
                var i = low, j = high
                while i <= j {
                    while buffer[i] < pivot { i += 1 }
                    while buffer[j] > pivot { j -= 1 }
                    if i <= j { buffer.swapAt(i, j); i += 1; j -= 1 }
                }
                if middle <= j { high = j } else if middle >= i { low = i } else { break }
            }
        }
        return sorted[middle]
    }
}
