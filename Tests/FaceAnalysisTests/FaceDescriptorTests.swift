import FaceAnalysis
import Foundation
import Geometry
import Tensors
import Testing

/// dlib's ResNet face descriptor read by the shared DNN reader and run on Tensors, compared with
/// dlib's own C++ (`get_face_chip_details` + `extract_image_chip` + `net(chip)`) on Debian's dlib
/// example photographs; plus the layer kinds it added to the reader, each against a direct sum.
@Suite struct FaceDescriptorTests {
    static func descriptor() throws -> FaceDescriptor {
        try FaceDescriptor.cached(contentsOf: try FaceOracles.descriptorModel())
    }

    /// dlib's rounded 68-point landmarks on the faces dlib's HOG detector finds in the smaller
    /// example photographs (the same integers our predictor gives: LandmarkOracleTests).
    static func faces() throws -> [(image: TestImage, landmarks: [[SIMD2<Int>]])] {
        try FaceOracles.faceImages.get().filter { $0.width * $0.height < 1_000_000 }.map { image in
            let boxes = try FaceOracles.dlibDetections(image: image.url)
            return (image, try FaceOracles.dlibLandmarks(image: image.url, boxes: boxes).map(\.rounded))
        }
    }

    static func rgb(_ image: TestImage) -> Image8 {
        Image8(width: image.width, height: image.height, channels: 3, samples: image.rgb)
    }

    /// The 5-point layout (eye corners, nose) taken from 68-point landmarks, to exercise the
    /// 5-point chip geometry with dlib's own code.
    static func fivePoints(_ landmarks: [SIMD2<Int>]) -> [SIMD2<Int>] {
        [45, 42, 36, 39, 33].map { landmarks[$0] }
    }

    @Test func readerFindsTheLayersOfDlibsFaceRecognitionExample() throws {
        let network = try Self.descriptor().network
        let kinds = network.layers.map(\.kindName)
        #expect(kinds.filter { $0 == "con" }.count == 29)
        #expect(kinds.filter { $0 == "affine" }.count == 29)
        #expect(kinds.filter { $0.hasPrefix("add_prev") }.count == 14)
        #expect(kinds.filter { $0 == "avg_pool" }.count == 5)
        #expect(Array(kinds.prefix(4)) == ["con", "affine", "relu", "max_pool"])
        #expect(Array(kinds.suffix(2)) == ["avg_pool", "fc"])
        guard case .fullyConnected(let weights, let bias) = network.layers.last else {
            Issue.record("the last layer is not fc")
            return
        }
        #expect(weights.shape == [256, 128])
        #expect(bias == nil)
        guard case .rgbImageSized(_, let rows, let columns) = network.input, case .metric = network.loss else {
            Issue.record("not a sized input with a metric loss")
            return
        }
        #expect(rows == 150 && columns == 150)
    }

    @Test func networkOnDlibsChipEqualsDlibWithinOneTenThousandth() throws {
        let descriptor = try Self.descriptor()
        var compared = 0, worst: Float = 0
        for (image, faces) in try Self.faces() where !faces.isEmpty {
            let expected = try FaceOracles.dlibDescriptors(image: image.url, faces: faces)
            for face in expected {
                let ours = try descriptor.describe(chip: Self.rgb(face.chip))
                #expect(ours.count == 128)
                let deviation = zip(ours, face.descriptor).map { abs($0 - $1) }.max() ?? .infinity
                #expect(deviation < 1e-4, "\(image.name): max descriptor deviation \(deviation)")
                worst = max(worst, deviation)
                compared += 1
            }
        }
        #expect(compared >= 10)
        print("face descriptor network vs dlib (same chips): \(compared) faces, max deviation \(worst)")
    }

    /// `image` enlarged `factor` times (nearest neighbour) as a PPM file, so that its faces need
    /// dlib's image pyramid when cut into chips, with the faces' landmarks scaled alike.
    static func enlarged(_ image: TestImage, _ faces: [[SIMD2<Int>]], factor: Int) throws -> (TestImage, [[SIMD2<Int>]]) {
        let width = image.width * factor, height = image.height * factor
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<3 { rgb[(y * width + x) * 3 + c] = image.rgb[((y / factor) * image.width + x / factor) * 3 + c] }
            }
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("enlarged-\(factor)-\(image.name)")
        try (Data("P6\n\(width) \(height)\n255\n".utf8) + Data(rgb)).write(to: url)
        return (try TestImage(ppm: url), faces.map { $0.map { $0 &* factor &+ factor / 2 } })
    }

    @Test func chipAndDescriptorFromLandmarksMatchDlib() throws {
        let descriptor = try Self.descriptor()
        var compared = 0, differingPixels = 0, pixels = 0, worstPixel = 0, worstPlace = 0.0
        var worstValue: Float = 0, worstDistance = 0.0, widest = 0.0
        var cases = try Self.faces().filter { !$0.landmarks.isEmpty }
        // The largest face enlarged 3× and 7× takes dlib's pyramid_down<2> path (one and two levels or more).
        func span(_ faces: [[SIMD2<Int>]]) -> Int { faces.map { face in face.map(\.x).max()! - face.map(\.x).min()! }.max()! }
        let largest = cases.max { span($0.landmarks) < span($1.landmarks) }!
        cases.append(try Self.enlarged(largest.image, largest.landmarks, factor: 3))
        cases.append(try Self.enlarged(largest.image, largest.landmarks, factor: 7))
        for (image, faces) in cases {
            let all = faces + faces.map(Self.fivePoints)
            let expected = try FaceOracles.dlibDescriptors(image: image.url, faces: all)
            for (landmarks, reference) in zip(all, expected) {
                let details = try FaceChipDetails(landmarks: landmarks.map { SIMD2(Double($0.x), Double($0.y)) })
                widest = max(widest, details.right - details.left + 1)
                let place = zip([details.left, details.top, details.right, details.bottom, details.angle], reference.rectangle + [reference.angle])
                    .map { abs($0 - $1) }.max()!
                #expect(place < 1e-6, "\(image.name): chip rectangle differs from dlib's by \(place)")
                worstPlace = max(worstPlace, place)
                let chip = try FaceChipExtraction.extract(Self.rgb(image), details)
                let differences = zip(chip.samples, reference.chip.rgb).map { abs(Int($0) - Int($1)) }
                differingPixels += differences.filter { $0 > 0 }.count
                pixels += differences.count
                worstPixel = max(worstPixel, differences.max() ?? 0)
                if landmarks.count == 68 {
                    let ours = try descriptor.describe(image: Self.rgb(image), landmarks: landmarks.map { SIMD2(Double($0.x), Double($0.y)) })
                    worstValue = max(worstValue, zip(ours, reference.descriptor).map { abs($0 - $1) }.max()!)
                    worstDistance = max(worstDistance, try FaceDescriptor.distance(ours, reference.descriptor))
                }
                compared += 1
            }
        }
        #expect(compared >= 20)
        #expect(worstPixel <= 1, "a chip sample differs from dlib's by \(worstPixel) grey levels")
        #expect(Double(differingPixels) / Double(max(pixels, 1)) < 0.001)
        #expect(worstDistance < 0.01)
        #expect(widest > 4 * 150, "the enlarged faces need two pyramid levels")
        print(
            "face chips vs dlib: \(compared) chips (widest source rectangle \(widest) px), rectangle max deviation \(worstPlace), \(differingPixels)/\(pixels) samples differ "
                + "(max \(worstPixel)); descriptor end to end: max value deviation \(worstValue), max distance \(worstDistance)")
    }

    @Test func differentPeopleAreFartherApartThanDlibsThreshold() throws {
        // 2008_001322.jpg shows three different people.
        let descriptor = try Self.descriptor()
        guard let (image, faces) = try Self.faces().first(where: { $0.image.name == "2008_001322.ppm" }), faces.count >= 2 else {
            Issue.record("2008_001322 with at least two faces is expected among dlib's examples")
            return
        }
        let values = try faces.map { try descriptor.describe(image: Self.rgb(image), landmarks: $0.map { SIMD2(Double($0.x), Double($0.y)) }) }
        for i in values.indices {
            #expect(try FaceDescriptor.distance(values[i], values[i]) == 0)
            for j in values.indices where j > i {
                #expect(try FaceDescriptor.distance(values[i], values[j]) > FaceDescriptor.sameIdentityThreshold)
            }
        }
    }

    @Test func wrongLandmarkCountIsRejected() {
        #expect(throws: FaceDescriptorError.self) {
            _ = try FaceChipDetails(landmarks: Array(repeating: SIMD2(1, 1), count: 7))
        }
    }

    @Test func missingModelSaysToRunSetup() {
        #expect {
            _ = try FaceDescriptor(contentsOf: URL(fileURLWithPath: "/nonexistent/dlib_face_recognition_resnet_model_v1.dat"))
        } throws: { error in
            "\(error)".contains("scripts/setup.sh")
        }
    }

    @Test func detectorDefinitionDoesNotReadTheDescriptorFile() throws {
        let data = try Data(contentsOf: try FaceOracles.descriptorModel())
        #expect(throws: DlibFileError.self) {
            _ = try DlibNetworkReader.read(data, file: "resnet.dat", definition: .mmodFaceDetector)
        }
    }

    // MARK: layer kinds added for the descriptor

    static func network(_ layers: [DlibLayer]) -> DlibNetwork {
        DlibNetwork(input: .rgbImageSized(mean: .zero, rows: 1, columns: 1), layers: layers, loss: .metric(margin: 0.04, distanceThreshold: 0.6))
    }

    @Test func maxPoolTakesTheLargestValueOfEachClippedWindow() throws {
        let input = Tensor(shape: [2, 5, 6], scalarAt: { Float(($0 * 7) % 13) - 6 })
        let pooling = DlibPooling(windowHeight: 3, windowWidth: 3, strideY: 2, strideX: 2, paddingY: 1, paddingX: 1)
        let output = try Self.network([.maxPool(pooling)]).forward(input)
        #expect(output.shape == [2, 3, 3])
        for c in 0..<2 {
            for r in 0..<3 {
                for k in 0..<3 {
                    var best = -Float.infinity
                    for y in (2 * r - 1)...(2 * r + 1) where y >= 0 && y < 5 {
                        for x in (2 * k - 1)...(2 * k + 1) where x >= 0 && x < 6 { best = max(best, input[c, y, x]) }
                    }
                    #expect(output[c, r, k] == best)
                }
            }
        }
    }

    @Test func averagePoolAveragesEachWindowAndZeroWindowSpansTheInput() throws {
        let input = Tensor(shape: [2, 4, 5], scalarAt: { Float($0 % 9) / 4 })
        let pooling = DlibPooling(windowHeight: 2, windowWidth: 2, strideY: 2, strideX: 2, paddingY: 0, paddingX: 0)
        let output = try Self.network([.averagePool(pooling)]).forward(input)
        #expect(output.shape == [2, 2, 2])
        for c in 0..<2 {
            for r in 0..<2 {
                for k in 0..<2 {
                    let sum = input[c, 2 * r, 2 * k] + input[c, 2 * r, 2 * k + 1] + input[c, 2 * r + 1, 2 * k] + input[c, 2 * r + 1, 2 * k + 1]
                    #expect(abs(output[c, r, k] - sum / 4) < 1e-6)
                }
            }
        }
        let everything = DlibPooling(windowHeight: 0, windowWidth: 0, strideY: 1, strideX: 1, paddingY: 0, paddingX: 0)
        let global = try Self.network([.averagePool(everything)]).forward(input)
        #expect(global.shape == [2, 1, 1])
        for c in 0..<2 {
            var sum: Float = 0
            for y in 0..<4 { for x in 0..<5 { sum += input[c, y, x] } }
            #expect(abs(global[c, 0, 0] - sum / 20) < 1e-6)
        }
    }

    @Test func fullyConnectedMultipliesTheChannelMajorInputByItsWeights() throws {
        let input = Tensor(shape: [2, 2, 3], scalarAt: { Float($0) / 3 - 1 })
        let weights = Tensor(shape: [12, 4], scalarAt: { Float(($0 * 5) % 7) / 7 - 0.4 })
        let bias: [Float] = [0.5, -0.25, 0, 1]
        for useBias in [false, true] {
            let output = try Self.network([.fullyConnected(weights: weights, bias: useBias ? bias : nil)]).forward(input)
            #expect(output.shape == [4, 1, 1])
            for o in 0..<4 {
                var sum = useBias ? Double(bias[o]) : 0
                for i in 0..<12 { sum += Double(input.scalars[i]) * Double(weights[i, o]) }
                #expect(abs(Double(output[o, 0, 0]) - sum) < 1e-5)
            }
        }
    }

    @Test func fullyConnectedRejectsAnInputOfAnotherSize() {
        let weights = Tensor(zeros: [12, 4])
        #expect(throws: DlibFileError.self) {
            _ = try Self.network([.fullyConnected(weights: weights, bias: nil)]).forward(Tensor(zeros: [1, 2, 3]))
        }
    }

    @Test func addPreviousOfDifferentSizesPadsTheSmallerWithZeros() throws {
        // As in dlib's downsampling blocks: a tensor is added to one of other channel count and size;
        // the sum has the larger size in each dimension, missing values count as zero.
        let input = Tensor(shape: [2, 4, 4], scalarAt: { Float($0) })
        let pooling = DlibPooling(windowHeight: 2, windowWidth: 2, strideY: 2, strideX: 2, paddingY: 0, paddingX: 0)
        // 1×1 convolution 2 → 3 channels: copies both and adds their sum as a third.
        let filters = Tensor(shape: [3, 2, 1, 1], scalars: [1, 0, 0, 1, 1, 1])
        let mix = DlibConvolution(filters: filters, bias: nil, strideY: 1, strideX: 1, paddingY: 0, paddingX: 0)
        let branch = try Self.network([.averagePool(pooling), .convolution(mix)]).forward(input)
        #expect(branch.shape == [3, 2, 2])
        let output = try Self.network([.tag(1), .averagePool(pooling), .convolution(mix), .addPrevious(1)]).forward(input)
        #expect(output.shape == [3, 4, 4])
        for c in 0..<3 {
            for r in 0..<4 {
                for k in 0..<4 {
                    let fromInput = c < 2 ? input[c, r, k] : 0
                    let fromBranch = r < 2 && k < 2 ? branch[c, r, k] : 0
                    #expect(abs(output[c, r, k] - (fromInput + fromBranch)) < 1e-5)
                }
            }
        }
    }
}
