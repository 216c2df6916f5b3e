import FaceAnalysis
import Foundation
import Tensors
import Testing

/// dlib's CNN face detector read by our DNN reader and run on Tensors, compared with dlib's own
/// C++ `net(image)` on Debian's dlib example photographs.
@Suite struct CNNDetectorTests {
    static func detector() throws -> MMODFaceDetector {
        try MMODFaceDetector.cached(contentsOf: try FaceOracles.cnnModel())
    }

    @Test func readerFindsTheLayersOfDlibsFaceDetectorExample() throws {
        let network = try Self.detector().network
        let kinds = network.layers.map(\.kindName)
        #expect(
            kinds == ["con", "affine", "relu", "con", "affine", "relu", "con", "affine", "relu"]
                + Array(repeating: ["con", "affine", "relu"], count: 3).joined() + ["con"])
        let convolutions = network.layers.compactMap { layer -> DlibConvolution? in
            if case .convolution(let c) = layer { c } else { nil }
        }
        #expect(convolutions.map(\.outputChannels) == [16, 32, 32, 45, 45, 45, 1])
        #expect(convolutions.map(\.strideX) == [2, 2, 2, 1, 1, 1, 1])
        #expect(convolutions.map(\.kernelWidth) == [5, 5, 5, 5, 5, 5, 9])
        guard case .mmod(let options) = network.loss else {
            Issue.record("not an MMOD loss")
            return
        }
        #expect(options.detectorWindows.map { [$0.width, $0.height] } == [[80, 80]])
        guard case .rgbImagePyramid(let pyramid) = network.input else {
            Issue.record("not a pyramid input")
            return
        }
        #expect(pyramid.downscale == 6)
    }

    @Test func outputPositionsMapToInputLikeDlib() throws {
        // Three stride-2 5×5 convolutions without padding: p ↦ 8p + 14; the rest keep positions.
        let network = try Self.detector().network
        #expect(network.inputPosition(ofOutput: SIMD2(0, 0)) == SIMD2(14, 14))
        #expect(network.inputPosition(ofOutput: SIMD2(3, 5)) == SIMD2(38, 54))
    }

    /// Runs dlib's C++ detector and ours on every image, expecting the same number of boxes and
    /// IoU > 0.99 for each of dlib's; returns dlib's box count, the images with a face in ours and
    /// the worst IoU.
    func compareWithDlib(_ images: [TestImage]) throws -> (faces: Int, imagesWithAFace: Int, worstIoU: Double) {
        var faces = 0, imagesWithAFace = 0, worst = 1.0
        for image in images {
            let expected = try FaceOracles.dlibCNNDetections(image: image.url)
            let ours = try FaceOracles.cnnDetections(image: image)
            #expect(ours.count == expected.count, "\(image.url.lastPathComponent): \(ours.count) detections, dlib \(expected.count)")
            for reference in expected {
                let best = ours.map { $0.rectangle.intersectionOverUnion(reference.rectangle) }.max() ?? 0
                #expect(best > 0.99, "\(image.url.lastPathComponent): dlib box \(reference.rectangle) best IoU \(best)")
                worst = min(worst, best)
                faces += 1
            }
            imagesWithAFace += ours.isEmpty ? 0 : 1
        }
        return (faces, imagesWithAFace, worst)
    }

    @Test func detectionsEqualDlibOnExampleFaces() throws {
        let result = try compareWithDlib(try FaceOracles.faceImages.get())
        #expect(result.faces >= 20)
        print("CNN detector vs dlib: \(result.faces) faces, worst IoU \(result.worstIoU)")
    }

    @Test func detectionsEqualDlibOnTheFramesOfARealVideo() throws {
        let frames = try FaceOracles.realVideoFrames.get()
        #expect(frames.count == 30)
        let result = try compareWithDlib(frames)
        #expect(result.imagesWithAFace == frames.count, "the one face of the clip was found in \(result.imagesWithAFace) of \(frames.count) frames")
        print("CNN detector vs dlib on the Carphone clip: a face in \(result.imagesWithAFace) of \(frames.count) frames, worst IoU \(result.worstIoU)")
    }

    @Test func missingModelSaysToRunSetup() {
        let missing = URL(fileURLWithPath: "/nonexistent/mmod_human_face_detector.dat")
        #expect {
            _ = try MMODFaceDetector(contentsOf: missing)
        } throws: { error in
            "\(error)".contains("scripts/setup.sh")
        }
    }

    @Test func truncatedModelIsRejectedWithItsByteOffset() throws {
        let data = try Data(contentsOf: try FaceOracles.cnnModel())
        #expect {
            _ = try DlibNetworkReader.read(data.prefix(data.count / 2), file: "half.dat", definition: .mmodFaceDetector)
        } throws: { error in
            guard let error = error as? DlibFileError else { return false }
            return error.byteOffset != nil && error.message.contains("truncated")
        }
    }

    @Test func wrongDefinitionIsRejected() throws {
        let data = try Data(contentsOf: try FaceOracles.cnnModel())
        var definition = DlibNetworkDefinition.mmodFaceDetector
        definition.nodes.swapAt(1, 2)
        #expect(throws: DlibFileError.self) {
            _ = try DlibNetworkReader.read(data, file: "mmod.dat", definition: definition)
        }
    }

    @Test func stridedConvolutionMatchesDirectSum() throws {
        // 2 input channels, 3×3 kernel, stride 2, padding 1 on a 5×4 image.
        let input = Tensor(shape: [2, 5, 4], scalarAt: { Float($0 % 7) - 3 })
        let filters = Tensor(shape: [3, 2, 3, 3], scalarAt: { Float(($0 * 5) % 11) / 10 - 0.5 })
        let convolution = DlibConvolution(filters: filters, bias: [0.5, -1, 2], strideY: 2, strideX: 2, paddingY: 1, paddingX: 1)
        let network = DlibNetwork(
            input: .rgbImagePyramid(DlibImagePyramid(mean: .zero, padding: 0, outerPadding: 0, downscale: 2)),
            layers: [.convolution(convolution)],
            loss: .mmod(MMODOptions(detectorWindows: [], nmsIntersectionOverUnion: 0, nmsPercentCovered: 1, usesBoundingBoxRegression: false)))
        let output = try network.forward(input)
        #expect(output.shape == [3, 3, 2])
        for f in 0..<3 {
            for oy in 0..<3 {
                for ox in 0..<2 {
                    var sum = Double(convolution.bias![f])
                    for c in 0..<2 {
                        for i in 0..<3 {
                            for j in 0..<3 {
                                let y = oy * 2 - 1 + i, x = ox * 2 - 1 + j
                                guard y >= 0, y < 5, x >= 0, x < 4 else { continue }
                                sum += Double(input[c, y, x]) * Double(filters[f, c, i, j])
                            }
                        }
                    }
                    #expect(abs(Double(output[f, oy, ox]) - sum) < 1e-4)
                }
            }
        }
    }
}
