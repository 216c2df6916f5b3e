import Avatars
import Foundation
import Tensors
import TestSupport
import Testing

@testable import SuperResolution

/// The stand-alone use of GHA's Ψ: tiled inference, its receptive field, the artifact.
struct UpsamplerNetworkTests {
    @Test(arguments: [(2, 8), (2, 13), (4, 8), (4, 20)])
    func tiledUpsamplingEqualsTheWholeImagePass(factor: Int, tile: Int) throws {
        let network = try tileableNetwork(factor: factor)
        let image = randomTensor([3, 23, 30], seed: 4, low: 0, high: 1)
        let whole = try network.upsampled(image, tile: 1000)
        let tiled = try network.upsampled(image, tile: tile)
        #expect(tiled.shape == [3, 23 * factor, 30 * factor])
        let difference = zip(whole.scalars, tiled.scalars).map { abs($0 - $1) }.max() ?? .infinity
        #expect(difference < 1e-5, "tiles of \(tile) differ from the whole image by up to \(difference)")
    }

    @Test(arguments: [2, 4])
    func anInputPixelChangesNoOutputBeyondTheReceptiveFieldRadius(factor: Int) throws {
        let network = try tileableNetwork(factor: factor)
        let radius = network.configuration.receptiveFieldRadius
        var image = randomTensor([3, 24, 24], seed: 5, low: 0, high: 1)
        let before = try network.upsampled(image, tile: 1000).scalars
        var values = image.scalars
        values[12 * 24 + 12] += 0.5
        image = Tensor(shape: [3, 24, 24], scalars: values)
        let after = try network.upsampled(image, tile: 1000).scalars
        let size = 24 * factor
        var farthest = 0
        for c in 0..<3 {
            for y in 0..<size {
                for x in 0..<size where abs(after[(c * size + y) * size + x] - before[(c * size + y) * size + x]) > 1e-6 {
                    farthest = max(farthest, abs(y / factor - 12), abs(x / factor - 12))
                }
            }
        }
        #expect(farthest > 0, "the change must reach the output")
        #expect(farthest <= radius, "a change at (12, 12) reached output pixels \(farthest) input pixels away; the radius is \(radius)")
    }

    @Test func configurationsWrittenBeforeTheNormalisationSwitchDecodeWithInstanceNormalisation() throws {
        let json = #"{"factor": 2, "inputChannels": 8, "widths": [8, 4], "residual": true}"#
        let configuration = try JSONDecoder().decode(SuperResolutionConfiguration.self, from: Data(json.utf8))
        #expect(configuration.instanceNormalization)
        #expect(configuration == SuperResolutionConfiguration(factor: 2, inputChannels: 8, widths: [8, 4], residual: true))
    }

    @Test func aWrittenModelReadsBackWithTheSameOutput() throws {
        let directory = uniqueTemporaryURL("superres-model")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let network = try tileableNetwork(factor: 2)
        let model = SuperResolutionModel(
            manifest: SuperResolutionManifest(network: network.configuration, iterations: 7, metrics: ["seconds": 1]), network: network)
        try model.write(to: directory)
        let read = try SuperResolutionModel.read(from: directory)
        #expect(read.manifest == model.manifest)
        let image = randomTensor([3, 9, 11], seed: 6, low: 0, high: 1)
        #expect(try read.network.upsampled(image, tile: 64).scalars == network.upsampled(image, tile: 64).scalars)
    }

    @Test func anImageOfTheWrongChannelCountIsRefused() throws {
        let network = try tileableNetwork(factor: 2)
        #expect(throws: AvatarError.self) { try network.upsampled(Tensor(zeros: [4, 8, 8]), tile: 8) }
    }
}
