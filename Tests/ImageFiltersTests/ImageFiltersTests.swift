import ImageFilters
import Testing

@Suite struct PlaneAndGuidedFilterTests {
    @Test func boxMeanMatchesBruteForceIncludingBorders() {
        let plane = Plane(width: 7, height: 5, values: (0..<35).map { Float(($0 * 37) % 11) })
        let mean = plane.boxMean(radius: 2)
        for y in 0..<5 {
            for x in 0..<7 {
                var sum: Float = 0, count: Float = 0
                for yy in max(0, y - 2)...min(4, y + 2) {
                    for xx in max(0, x - 2)...min(6, x + 2) {
                        sum += plane.values[yy * 7 + xx]
                        count += 1
                    }
                }
                #expect(abs(mean.values[y * 7 + x] - sum / count) < 1e-5)
            }
        }
    }

    @Test func guidedFilterWithAFlatGuideIsASmoothing() {
        let guide = (0..<3).map { _ in Plane(width: 9, height: 9, value: 0.5) }
        let input = Plane(width: 9, height: 9, values: (0..<81).map { $0 == 40 ? 1 : 0 })
        let output = GuidedFilter.apply(guide: guide, input: input, radius: 1, epsilon: 1e-3)
        #expect(abs(output.values.reduce(0, +) - 1) < 1e-3, "mass is preserved away from the borders")
        #expect(output.values[40] < 0.2 && output.values[40] > 0)
    }

    @Test func guidedFilterFollowsAnEdgeInTheGuide() {
        let width = 20, height = 10
        let guidePlane = Plane(width: width, height: height, values: (0..<(width * height)).map { ($0 % width) < 10 ? 0.1 : 0.9 })
        let blurredInput = Plane(width: width, height: height, values: (0..<(width * height)).map { Float(min(1, max(0, Double($0 % width - 7) / 6))) })
        let output = GuidedFilter.apply(guide: [guidePlane, guidePlane, guidePlane], input: blurredInput, radius: 3, epsilon: 1e-4)
        let row = 5 * width
        #expect(output.values[row + 8] < blurredInput.values[row + 8], "pulled down on the dark side of the guide's edge")
        #expect(output.values[row + 11] > blurredInput.values[row + 11] + 0.05, "pushed up on the bright side")
        #expect(output.values[row + 11] - output.values[row + 9] > blurredInput.values[row + 11] - blurredInput.values[row + 9])
    }
}

@Suite struct BinaryMaskTests {
    @Test func openingRemovesASpeckAndClosingBridgesAGap() {
        var bits = [Bool](repeating: false, count: 15 * 15)
        bits[2 * 15 + 2] = true
        for y in 5..<12 { for x in 3..<12 where x != 7 { bits[y * 15 + x] = true } }
        let mask = BinaryMask(width: 15, height: 15, bits: bits)
        #expect(!mask.opened(radius: 1).bits[2 * 15 + 2])
        #expect(mask.closed(radius: 1).bits[8 * 15 + 7])
    }

    @Test func holesAreFilledButTheOutsideIsNot() {
        var bits = [Bool](repeating: false, count: 10 * 10)
        for y in 2..<8 { for x in 2..<8 where !(y == 4 && x == 4) { bits[y * 10 + x] = true } }
        let filled = BinaryMask(width: 10, height: 10, bits: bits).fillingHoles()
        #expect(filled.bits[4 * 10 + 4])
        #expect(!filled.bits[0])
        #expect(filled.count == 36)
    }

    @Test func smallComponentsAreDropped() {
        var bits = [Bool](repeating: false, count: 20 * 20)
        for y in 2..<12 { for x in 2..<12 { bits[y * 20 + x] = true } }
        bits[18 * 20 + 18] = true
        let kept = BinaryMask(width: 20, height: 20, bits: bits).keepingLargeComponents(fraction: 0.05)
        #expect(kept.count == 100)
    }
}

@Suite struct ClosedFormMattingTests {
    @Test func closedFormSolveKeepsConstraintsAndInterpolatesBetweenThem() {
        // A left-to-right colour ramp: fixed 1 on the left edge, 0 on the right; the free middle follows the colour.
        let width = 12, height = 6
        let ramp = Plane(width: width, height: height, values: (0..<(width * height)).map { Float($0 % width) / Float(width - 1) })
        let known = (0..<(width * height)).map { $0 % width == 0 || $0 % width == width - 1 }
        let target = (0..<(width * height)).map { Float($0 % width == 0 ? 1 : 0) }
        let alpha = ClosedFormMatting().solve(image: [ramp, ramp, ramp], known: known, target: target)
        #expect(abs(alpha.values[0] - 1) < 0.01 && alpha.values[width - 1] < 0.01)
        let middle = (1..<(width - 1)).map { alpha.values[2 * width + $0] }
        #expect(zip(middle, middle.dropFirst()).allSatisfy { $0 >= $1 - 1e-3 }, "alpha decreases along the ramp")
    }
}
