import FaceAnalysis
import Foundation
import Testing

/// Regression-tree landmarks compared with dlib's own C++ `shape_predictor` on real photographs.
@Suite struct LandmarkOracleTests {
    static func model() throws -> ShapePredictor {
        try ShapePredictor.cached(contentsOf: URL(fileURLWithPath: ShapePredictor.defaultModelPath))
    }

    /// dlib's detector boxes plus boxes that are shifted, non-square and partly outside the image.
    static func boxes(for image: TestImage) throws -> [FaceRectangle] {
        var boxes = try FaceOracles.dlibDetections(image: image.url)
        boxes.append(FaceRectangle(x: image.width / 3, y: image.height / 4, width: 77, height: 93))
        boxes.append(FaceRectangle(x: -20, y: image.height - 60, width: 101, height: 101))
        return boxes
    }

    @Test func landmarksEqualDlibWithinFiveHundredthsOfAPixel() throws {
        let model = try Self.model()
        var compared = 0, worst = 0.0
        for image in try FaceOracles.faceImages.get().filter({ $0.width * $0.height < 1_000_000 }) {
            let boxes = try Self.boxes(for: image)
            let expected = try FaceOracles.dlibLandmarks(image: image.url, boxes: boxes)
            let grey = image.dlibGrey
            for (box, reference) in zip(boxes, expected) {
                let ours = model.landmarks(in: grey, box: box)
                let deviation = zip(ours, reference.subpixel).map { max(abs($0.x - $1.x), abs($0.y - $1.y)) }.max() ?? .infinity
                #expect(deviation < 0.05, "\(image.name) box \(box): max deviation \(deviation) px")
                compared += 1
                worst = max(worst, deviation)
            }
        }
        #expect(compared >= 20)
        print("landmarks vs dlib: \(compared) faces, max deviation \(worst) px")
    }

    @Test func roundedLandmarksEqualDlibIntegerParts() throws {
        let model = try Self.model()
        for image in try FaceOracles.faceImages.get().prefix(3) {
            let boxes = try Self.boxes(for: image)
            let expected = try FaceOracles.dlibLandmarks(image: image.url, boxes: boxes)
            for (box, reference) in zip(boxes, expected) {
                let rounded = model.landmarks(in: image.dlibGrey, box: box).map {
                    SIMD2(Int(($0.x + 0.5).rounded(.down)), Int(($0.y + 0.5).rounded(.down)))
                }
                #expect(rounded == reference.rounded, "\(image.name) box \(box)")
            }
        }
    }
}
