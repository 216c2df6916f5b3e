import ImageFilters
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
        /// Refine the band with closed-form matting (Levin et al.) instead of the guided filter.
        var closedForm = false
        /// Longest side of the reduced image the closed-form system is solved on.
        var closedFormSize = 128
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
        let noise = backgroundNoise(distance.values)
        let low = max(settings.minimumLow, settings.lowNoise * noise)
        let high = max(settings.minimumHigh, settings.highNoise * noise, low + 0.02)
        let soft = distance.map { min(1, max(0, ($0 - low) / (high - low))) }

        var mask = BinaryMask(soft, threshold: 0.5).opened(radius: settings.openRadius).closed(radius: settings.closeRadius)
            .keepingLargeComponents(fraction: settings.minimumComponentFraction)
        if settings.fillHoles { mask = mask.fillingHoles() }

        var alpha = mask.softenedAlpha(
            guide: image, bandRadius: settings.bandRadius, guidedRadius: settings.guidedRadius, epsilon: settings.guidedEpsilon)
        guard settings.closedForm else { return alpha }
        let sureForeground = mask.eroded(radius: settings.bandRadius)
        let sureBackground = mask.dilated(radius: settings.bandRadius)
        let closedForm = closedFormBand(image: image, start: alpha, sureForeground: sureForeground, inBand: sureBackground)
        for pixel in 0..<pixels where sureBackground.bits[pixel] && !sureForeground.bits[pixel] {
            alpha.values[pixel] = closedForm.values[pixel]
        }
        return alpha
    }

    /// Closed-form matting of the band on an image reduced (box average) to `closedFormSize`,
    /// with blocks entirely sure-foreground or entirely outside the band as constraints, then
    /// bilinearly enlarged back.
    func closedFormBand(image: [Plane], start: Plane, sureForeground: BinaryMask, inBand: BinaryMask) -> Plane {
        let width = start.width, height = start.height
        let factor = max(1, (max(width, height) + settings.closedFormSize - 1) / settings.closedFormSize)
        let smallWidth = (width + factor - 1) / factor, smallHeight = (height + factor - 1) / factor
        var planes = [Plane](repeating: Plane(width: smallWidth, height: smallHeight), count: 3)
        var target = [Float](repeating: 0, count: smallWidth * smallHeight)
        var known = [Bool](repeating: false, count: smallWidth * smallHeight)
        for sy in 0..<smallHeight {
            for sx in 0..<smallWidth {
                var sums = SIMD3<Float>.zero, alphaSum: Float = 0, count: Float = 0
                var allForeground = true, allBackground = true
                for y in (sy * factor)..<min(height, (sy + 1) * factor) {
                    for x in (sx * factor)..<min(width, (sx + 1) * factor) {
                        let p = y * width + x
                        sums += SIMD3(image[0].values[p], image[1].values[p], image[2].values[p])
                        alphaSum += start.values[p]
                        count += 1
                        allForeground = allForeground && sureForeground.bits[p]
                        allBackground = allBackground && !inBand.bits[p]
                    }
                }
                let q = sy * smallWidth + sx
                for channel in 0..<3 { planes[channel].values[q] = sums[channel] / count }
                target[q] = allForeground ? 1 : allBackground ? 0 : alphaSum / count
                known[q] = allForeground || allBackground
            }
        }
        let solved = ClosedFormMatting().solve(image: planes, known: known, target: target)
        var result = Plane(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                let fx = min(Float(smallWidth - 1), max(0, (Float(x) + 0.5) / Float(factor) - 0.5))
                let fy = min(Float(smallHeight - 1), max(0, (Float(y) + 0.5) / Float(factor) - 0.5))
                let x0 = Int(fx), y0 = Int(fy), x1 = min(x0 + 1, smallWidth - 1), y1 = min(y0 + 1, smallHeight - 1)
                let tx = fx - Float(x0), ty = fy - Float(y0)
                let top = solved.values[y0 * smallWidth + x0] * (1 - tx) + solved.values[y0 * smallWidth + x1] * tx
                let bottom = solved.values[y1 * smallWidth + x0] * (1 - tx) + solved.values[y1 * smallWidth + x1] * tx
                result.values[y * width + x] = top * (1 - ty) + bottom * ty
            }
        }
        return result
    }

    /// The background's noise level: the median distance over the pixels a first pass calls
    /// background. The first pass takes the lower quartile of all distances as its noise level — a
    /// background distance while the subject covers less than three quarters of the frame — and calls
    /// background whatever lies below its low threshold. (The median of all distances is a subject
    /// distance once the subject covers half the frame, as long hair swinging near a camera does; the
    /// thresholds then rise until a face that differs less from the plate than the hair is lost.)
    func backgroundNoise(_ distances: [Float]) -> Float {
        let firstPass = max(settings.minimumLow, settings.lowNoise * Self.quantile(distances, 0.25))
        let background = distances.filter { $0 < firstPass }
        return Self.quantile(background.isEmpty ? distances : background, 0.5)
    }

    /// The value of rank ⌊q·n⌋ among `values` (selection, no full sort).
    static func quantile(_ values: [Float], _ q: Double) -> Float {
        guard !values.isEmpty else { return 0 }
        var sorted = values
        let middle = min(sorted.count - 1, Int(q * Double(sorted.count)))
        sorted.withUnsafeMutableBufferPointer { buffer in
            var low = 0, high = buffer.count - 1
            while low < high {
                let pivot = buffer[(low + high) / 2]
                var i = low, j = high
                while i <= j {
                    while buffer[i] < pivot { i += 1 }
                    while buffer[j] > pivot { j -= 1 }
                    if i <= j {
                        buffer.swapAt(i, j)
                        i += 1
                        j -= 1
                    }
                }
                if middle <= j { high = j } else if middle >= i { low = i } else { break }
            }
        }
        return sorted[middle]
    }
}
