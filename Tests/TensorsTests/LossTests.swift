import Foundation
import Testing

@testable import Tensors

@Test func l1AndL2Values() {
    let p = Variable(Tensor(shape: [4], scalars: [1, 2, 3, 4])), t = Variable(Tensor(shape: [4], scalars: [2, 2, 1, 8]))
    #expect(Losses.l1(p, t).value.scalar == 1.75)
    #expect(Losses.l2(p, t).value.scalar == 5.25)
}

@Test func huberIsQuadraticInsideLinearOutside() {
    let p = Variable(Tensor(shape: [2], scalars: [0.5, 3])), t = Variable(Tensor(zeros: [2]))
    #expect(Losses.huber(p, t, delta: 1).value.scalar == (0.125 + 2.5) / 2)
}

@Test func lossGradients() {
    let a = randomTensorAwayFromZero([3, 4], seed: 1), b = Tensor(zeros: [3, 4])
    checkGradients([a, randomTensor([3, 4], seed: 2)]) { Losses.l1($0[0], Variable(b) + $0[1] * 0.01) }
    checkGradients([randomTensor([3, 4], seed: 3), randomTensor([3, 4], seed: 4)]) { Losses.l2($0[0], $0[1]) }
    checkGradients([randomTensor([3, 4], seed: 5, low: -3, high: 3), randomTensor([3, 4], seed: 6)]) {
        Losses.huber($0[0], $0[1], delta: 0.7)
    }
}

@Test func silhouetteIoUValuesAndGradient() {
    let a = Variable(Tensor(shape: [4], scalars: [1, 1, 0, 0])), b = Variable(Tensor(shape: [4], scalars: [1, 0, 1, 0]))
    #expect(abs(Losses.silhouetteIoU(a, b).value.scalar - (1 - 1.0 / 3)) < 1e-6)
    #expect(Losses.silhouetteIoU(a, a).value.scalar == 0)
    checkGradients([randomTensor([2, 5, 5], seed: 7, low: 0, high: 1), randomTensor([2, 5, 5], seed: 8, low: 0, high: 1)]) {
        Losses.silhouetteIoU($0[0], $0[1])
    }
}

@Test func laplacianSmoothnessValueAndGradient() throws {
    // A square split into two triangles, corners at (0,0) (1,0) (1,1) (0,1) plus a raised middle.
    let laplacian = try MeshLaplacian(neighbourLists: [[1, 3], [0, 2], [1, 3], [0, 2]])
    let flat = Variable(Tensor(shape: [4, 3], scalars: [0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0]))
    // Each corner minus the mean of its two neighbours: length² = 0.5 for every vertex.
    #expect(abs(Losses.laplacianSmoothness(flat, laplacian: laplacian).value.scalar - 0.5) < 1e-6)
    checkGradients([randomTensor([4, 3], seed: 9)]) { Losses.laplacianSmoothness($0[0], laplacian: laplacian) }
}

@Test func ssimOfIdenticalImagesIsOne() {
    let x = Variable(randomTensor([1, 3, 16, 16], seed: 10, low: 0, high: 1))
    #expect(abs(Losses.ssim(x, x).value.scalar - 1) < 1e-6)
    #expect(abs(Losses.structuralDissimilarity(x, x).value.scalar) < 1e-6)
}

@Test func ssimAndDissimilarityGradients() {
    checkGradients(
        [randomTensor([1, 2, 13, 14], seed: 11, low: 0, high: 1), randomTensor([1, 2, 13, 14], seed: 12, low: 0, high: 1)],
        absolute: 1e-3
    ) {
        Losses.ssim($0[0], $0[1])
    }
    checkGradients(
        [randomTensor([12, 12], seed: 13, low: 0, high: 1), randomTensor([12, 12], seed: 14, low: 0, high: 1)],
        absolute: 1e-3
    ) {
        Losses.structuralDissimilarity($0[0], $0[1])
    }
}

/// A smooth test image with edges and texture, values in [0, 1].
func structuredImage(channels: Int, height: Int, width: Int, seed: UInt64) -> Tensor {
    var generator = SplitMix64(seed: seed)
    let noise = Tensor.uniform(shape: [channels, height, width], generator: &generator)
    return Tensor(shape: [channels, height, width]) { i in
        let c = i / (height * width), y = (i / width) % height, x = i % width
        let pattern = 0.5 + 0.3 * sin(Float(x) * 0.3 + Float(c)) * cos(Float(y) * 0.2) + (x > width / 2 ? 0.1 : -0.1)
        return min(1, max(0, pattern + 0.15 * (noise[flat: i] - 0.5)))
    }
}

@Test(.enabled(if: PythonOracle.isAvailable, "needs python3 with numpy, scikit-image and safetensors (see PythonOracle)"))
func ssimMatchesScikitImage() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let cases: [(channels: Int, height: Int, width: Int)] = [(3, 40, 48), (1, 23, 31)]
    for (index, shape) in cases.enumerated() {
        let x = structuredImage(channels: shape.channels, height: shape.height, width: shape.width, seed: UInt64(index))
        var generator = SplitMix64(seed: 100 + UInt64(index))
        let y = Tensor(shape: x.shape) { i in min(1, max(0, x[flat: i] + 0.2 * (generator.nextUniform() - 0.5))) }
        let xURL = directory.url.appendingPathComponent("x\(index).f32"), yURL = directory.url.appendingPathComponent("y\(index).f32")
        try writeRawFloat32(x, to: xURL)
        try writeRawFloat32(y, to: yURL)
        let script = """
            import sys, numpy as np
            from skimage.metrics import structural_similarity
            c, h, w = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
            x = np.fromfile(sys.argv[1], dtype='<f4').reshape(c, h, w).astype(np.float64)
            y = np.fromfile(sys.argv[2], dtype='<f4').reshape(c, h, w).astype(np.float64)
            print(structural_similarity(x, y, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                                        data_range=1, channel_axis=0))
            """
        let reference = try #require(
            Double(
                try PythonOracle.evaluate(
                    script,
                    arguments: [
                        xURL.path, yURL.path, "\(shape.channels)", "\(shape.height)", "\(shape.width)",
                    ])))
        let ours = Double(Losses.ssim(Variable(x), Variable(y)).value.scalar)
        #expect(abs(ours - reference) < 1e-4, "case \(index): ours \(ours), scikit-image \(reference)")
        #expect(reference < 0.95, "the test images must differ enough to exercise SSIM")
    }
}
