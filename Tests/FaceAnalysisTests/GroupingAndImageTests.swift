import Foundation
import Testing

@testable import FaceAnalysis

@Suite struct RectangleGroupingTests {
    @Test func averagesClustersAndDropsSmallOnes() {
        let cluster = (0..<4).map { FaceRectangle(x: 100 + $0, y: 50, width: 40, height: 40) }
        let lonely = [FaceRectangle(x: 300, y: 300, width: 30, height: 30), FaceRectangle(x: 301, y: 300, width: 30, height: 30)]
        let grouped = RectangleGrouping.group(cluster + lonely, minNeighbors: 3)
        // Mean x = 101.5 → 102 (round half to even), as OpenCV's saturate_cast<int>(float).
        #expect(grouped == [FaceRectangle(x: 102, y: 50, width: 40, height: 40)])
    }

    @Test func suppressesBoxNestedInStrongerBox() {
        let outer = (0..<6).map { _ in FaceRectangle(x: 100, y: 100, width: 100, height: 100) }
        let inner = (0..<4).map { _ in FaceRectangle(x: 120, y: 120, width: 40, height: 40) }
        #expect(RectangleGrouping.group(outer + inner, minNeighbors: 3) == [FaceRectangle(x: 100, y: 100, width: 100, height: 100)])
    }

    @Test func zeroNeighboursReturnsRawHits() {
        let raw = [FaceRectangle(x: 1, y: 2, width: 3, height: 4), FaceRectangle(x: 1, y: 2, width: 3, height: 4)]
        #expect(RectangleGrouping.group(raw, minNeighbors: 0) == raw)
    }
}

@Suite struct ImageConversionTests {
    @Test func greyConversionsUseReferenceFormulas() throws {
        let rgb: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 31]
        let luma = try #require(GreyImage(rgb: rgb, width: 4, height: 1, conversion: .openCVLuma))
        #expect(luma.samples == [76, 150, 29, 18])
        let mean = try #require(GreyImage(rgb: rgb, width: 4, height: 1, conversion: .dlibMean))
        #expect(mean.samples == [85, 85, 85, 20])
        #expect(GreyImage(rgb: rgb, width: 3, height: 1, conversion: .dlibMean) == nil)
    }

    @Test func sameSizeResizeIsIdentityAndHalvingAveragesPairs() throws {
        let image = try #require(GreyImage(width: 4, height: 2, grey: [0, 10, 20, 30, 40, 50, 60, 70]))
        #expect(BitExactLinearResize.resize(image, width: 4, height: 2) == image)
        let half = BitExactLinearResize.resize(image, width: 2, height: 1)
        #expect(half.samples == [25, 45])
    }

    @Test func tiltedIntegralEqualsTriangleSums() throws {
        let width = 9, height = 7
        let pixels = (0..<(width * height)).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let image = try #require(GreyImage(width: width, height: height, grey: pixels))
        var sums = [Int32](repeating: -1, count: 5 + (width + 1) * (height + 1))
        IntegralLayer.addTiltedIntegral(of: image, to: &sums, at: 5)
        for row in 1...height {
            for column in 0...width {
                var expected: Int32 = 0
                for y in 0..<row { for x in 0..<width where abs(x - (column - 1)) <= row - 1 - y { expected += Int32(pixels[y * width + x]) } }
                #expect(sums[5 + row * (width + 1) + column] == expected, "T[\(row)][\(column)]")
            }
        }
    }

    @Test func matteBoxIsTopSquareOfForeground() throws {
        var alpha = GreyImage(width: 20, height: 30, channels: 1)
        for y in 5..<28 { for x in 4..<14 { alpha.samples[y * 20 + x] = 255 } }
        #expect(MatteFaceBox.box(alpha: alpha) == FaceRectangle(x: 4, y: 5, width: 10, height: 10))
        #expect(MatteFaceBox.box(alpha: GreyImage(width: 5, height: 5, channels: 1)) == nil)
    }

    @Test func calibrationShiftsAndScalesAboutTheCentre() {
        let mapped = FaceBoxCalibration(scale: 0.5, offsetX: 0.1, offsetY: -0.1).apply(FaceRectangle(x: 0, y: 0, width: 101, height: 101))
        #expect(mapped == FaceRectangle(x: 35, y: 15, width: 51, height: 51))
    }
}

/// The Haar→dlib and CNN→dlib box calibrations measured on real photographs against dlib's own detector.
@Suite struct BoxCalibrationTests {
    /// Pairs each dlib box with the Haar (or, with `cnn`, CNN) box whose centre is nearest
    /// (within 0.35 of its side, side ratio within 0.5…2), on every example photograph.
    static func matchedPairs(cnn: Bool = false) throws -> [(source: FaceRectangle, target: FaceRectangle)] {
        let detector = HaarCascadeDetector(cascade: try HaarCascade(contentsOf: URL(fileURLWithPath: HaarCascade.defaultFrontalFacePath)))
        var pairs: [(source: FaceRectangle, target: FaceRectangle)] = []
        for image in try FaceOracles.faceImages.get() {
            let haar =
                cnn
                ? try FaceOracles.cnnDetections(image: image).map(\.rectangle)
                : try detector.detect(image.openCVGrey)
            for dlibBox in try FaceOracles.dlibDetections(image: image.url) {
                func centreDistance(_ box: FaceRectangle) -> Double {
                    max(
                        abs(Double(2 * box.x + box.width - 2 * dlibBox.x - dlibBox.width)),
                        abs(Double(2 * box.y + box.height - 2 * dlibBox.y - dlibBox.height))) / Double(2 * box.width)
                }
                let candidates = haar.filter {
                    centreDistance($0) < 0.35 && (0.5...2).contains(Double(dlibBox.width) / Double($0.width))
                }
                if let match = candidates.min(by: { centreDistance($0) < centreDistance($1) }) { pairs.append((match, dlibBox)) }
            }
        }
        return pairs
    }

    @Test func storedCalibrationEqualsFitOnPhotographs() throws {
        let pairs = try Self.matchedPairs()
        #expect(pairs.count >= 30)
        let fitted = try #require(FaceBoxCalibration.fit(pairs: pairs))
        print("Haar→dlib calibration fitted on \(pairs.count) faces: \(fitted)")
        #expect(abs(fitted.scale - FaceBoxCalibration.haarToDlib.scale) < 0.005)
        #expect(abs(fitted.offsetX - FaceBoxCalibration.haarToDlib.offsetX) < 0.005)
        #expect(abs(fitted.offsetY - FaceBoxCalibration.haarToDlib.offsetY) < 0.005)
    }

    @Test func calibratedHaarBoxesOverlapDlibBoxesBetterThanRawOnes() throws {
        let pairs = try Self.matchedPairs()
        let raw = pairs.map { $0.source.intersectionOverUnion($0.target) }
        let calibrated = pairs.map { FaceBoxCalibration.haarToDlib.apply($0.source).intersectionOverUnion($0.target) }
        let meanRaw = raw.reduce(0, +) / Double(raw.count), meanCalibrated = calibrated.reduce(0, +) / Double(calibrated.count)
        print("mean IoU with dlib boxes: raw Haar \(meanRaw), calibrated \(meanCalibrated)")
        #expect(meanCalibrated > 0.8)
        #expect(meanCalibrated > meanRaw + 0.05)
    }

    @Test func storedCNNCalibrationEqualsFitOnPhotographs() throws {
        let pairs = try Self.matchedPairs(cnn: true)
        #expect(pairs.count >= 30)
        let fitted = try #require(FaceBoxCalibration.fit(pairs: pairs))
        let raw = pairs.map { $0.source.intersectionOverUnion($0.target) }.reduce(0, +) / Double(pairs.count)
        let calibrated = pairs.map { FaceBoxCalibration.cnnToDlib.apply($0.source).intersectionOverUnion($0.target) }.reduce(0, +) / Double(pairs.count)
        print("CNN→dlib calibration fitted on \(pairs.count) faces: \(fitted); mean IoU raw \(raw), calibrated \(calibrated)")
        #expect(abs(fitted.scale - FaceBoxCalibration.cnnToDlib.scale) < 0.005)
        #expect(abs(fitted.offsetX - FaceBoxCalibration.cnnToDlib.offsetX) < 0.005)
        #expect(abs(fitted.offsetY - FaceBoxCalibration.cnnToDlib.offsetY) < 0.005)
        #expect(calibrated >= raw)
    }
}
