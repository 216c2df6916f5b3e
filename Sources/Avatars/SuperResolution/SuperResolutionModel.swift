import Foundation
import Tensors

/// `superres.json`, the manifest of a SuperResolutionModel artifact (see `SuperResolutionModel`).
public struct SuperResolutionManifest: ArtifactManifest, Sendable, Equatable {
    /// Always "avatarflow.superres".
    public var format: String
    /// Format version (1).
    public var version: Int
    /// The network's sizes (GHA's Ψ family).
    public var network: SuperResolutionConfiguration
    /// Optimisation steps the network was trained for.
    public var iterations: Int
    /// Named figures of the training (e.g. PSNR of the training pairs, seconds), for reports.
    public var metrics: [String: Double]

    /// The manifest's format tag.
    public static let formatTag = "avatarflow.superres"
    /// What the manifest describes, for messages.
    public static let subject = "super-resolution model"
    /// The artifact type, for messages.
    public static let artifactName = "SuperResolutionModel"
    /// The stage that writes it, for messages.
    public static let producer = "superres.train"
    /// File name inside a SuperResolutionModel artifact directory.
    public static let fileName = "superres.json"

    /// Creates a manifest of the current format version.
    public init(network: SuperResolutionConfiguration, iterations: Int, metrics: [String: Double] = [:]) {
        format = Self.formatTag
        version = 1
        self.network = network
        self.iterations = iterations
        self.metrics = metrics
    }
}

/// A trained stand-alone upsampler — GHA's Ψ (`SuperResolutionNetwork`) on RGB images — as the
/// on-disk artifact `superres.train` writes and `superres.apply` reads:
///
///     superres.json          manifest (`SuperResolutionManifest`): network sizes, iterations, metrics
///     network.safetensors    the parameters by `SuperResolutionNetwork.namedParameters` name
public struct SuperResolutionModel {
    /// Name of the parameter file inside the artifact directory.
    public static let parametersFileName = "network.safetensors"

    /// The manifest.
    public var manifest: SuperResolutionManifest
    /// The network.
    public let network: SuperResolutionNetwork

    /// Wraps a network and its manifest (whose `network` must be the network's configuration).
    public init(manifest: SuperResolutionManifest, network: SuperResolutionNetwork) {
        self.manifest = manifest
        self.network = network
    }

    /// Writes the manifest and the parameters into `directory` (which must exist).
    public func write(to directory: URL) throws {
        try Safetensors.write(network.parameterTensors, to: directory.appendingPathComponent(Self.parametersFileName))
        try manifest.write(to: directory)
    }

    /// Reads the artifact in `directory`.
    /// - Throws: `AvatarError` naming the file when the manifest or the parameters are missing, damaged or do not fit.
    public static func read(from directory: URL) throws -> SuperResolutionModel {
        let manifest = try SuperResolutionManifest.read(from: directory)
        var generator = SplitMix64(seed: 0)
        let network: SuperResolutionNetwork
        do {
            network = try SuperResolutionNetwork(configuration: manifest.network, generator: &generator)
        } catch let error as AvatarError {
            throw AvatarError("\(directory.appendingPathComponent(SuperResolutionManifest.fileName).path): \(error.description); re-run superres.train")
        }
        let url = directory.appendingPathComponent(parametersFileName)
        do {
            try network.loadParameters(try Safetensors.read(from: url).tensors)
        } catch {
            throw AvatarError("\(url.path): cannot load the network parameters (\(error)); re-run superres.train")
        }
        return SuperResolutionModel(manifest: manifest, network: network)
    }
}

extension SuperResolutionNetwork {
    /// Upsamples an image `[C, H, W]` (C = `configuration.inputChannels`) to `[3, H·factor, W·factor]`
    /// tile by tile: each `tile`×`tile` block of input pixels runs through the network with a margin
    /// of `receptiveFieldRadius + 1` pixels of its neighbours (cut off at the image border, where
    /// the whole-image pass pads alike), and only the block's own output pixels are kept. Memory
    /// grows with the tile, not with the image, and the result equals the whole-image pass up to
    /// float rounding. A network with instance normalisation is global and runs on the whole image.
    /// - Throws: `AvatarError` when the image does not have the network's input channels.
    public func upsampled(_ image: Tensor, tile: Int) throws -> Tensor {
        let channels = configuration.inputChannels, factor = configuration.factor
        guard image.rank == 3, image.shape[0] == channels, image.shape[1] > 0, image.shape[2] > 0, tile > 0 else {
            throw AvatarError(
                "the super-resolution network takes [\(channels), H, W] images, got \(image.shape) (tile \(tile)); convert the frames to \(channels) channels"
            )
        }
        let height = image.shape[1], width = image.shape[2]
        if configuration.instanceNormalization || (tile >= height && tile >= width) {
            return self(Variable(image.reshaped([1, channels, height, width])), on: nil).value.reshaped([3, height * factor, width * factor])
        }
        let margin = configuration.receptiveFieldRadius + 1
        let outputWidth = width * factor, outputHeight = height * factor
        var output = [Float](repeating: 0, count: 3 * outputHeight * outputWidth)
        let source = image.scalars
        for y0 in stride(from: 0, to: height, by: tile) {
            for x0 in stride(from: 0, to: width, by: tile) {
                let y1 = min(height, y0 + tile), x1 = min(width, x0 + tile)
                let top = max(0, y0 - margin), bottom = min(height, y1 + margin)
                let left = max(0, x0 - margin), right = min(width, x1 + margin)
                let cropHeight = bottom - top, cropWidth = right - left
                var crop = [Float](repeating: 0, count: channels * cropHeight * cropWidth)
                for c in 0..<channels {
                    for y in 0..<cropHeight {
                        let from = (c * height + top + y) * width + left, to = (c * cropHeight + y) * cropWidth
                        for x in 0..<cropWidth { crop[to + x] = source[from + x] }
                    }
                }
                let result = self(Variable(Tensor(shape: [1, channels, cropHeight, cropWidth], scalars: crop)), on: nil).value.scalars
                let resultWidth = cropWidth * factor, resultHeight = cropHeight * factor
                let offsetY = (y0 - top) * factor, offsetX = (x0 - left) * factor
                for c in 0..<3 {
                    for y in 0..<((y1 - y0) * factor) {
                        let from = (c * resultHeight + offsetY + y) * resultWidth + offsetX
                        let to = (c * outputHeight + y0 * factor + y) * outputWidth + x0 * factor
                        for x in 0..<((x1 - x0) * factor) { output[to + x] = result[from + x] }
                    }
                }
            }
        }
        return Tensor(shape: [3, outputHeight, outputWidth], scalars: output)
    }
}
