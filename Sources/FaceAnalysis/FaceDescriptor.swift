import Foundation
import Geometry
import Tensors

/// dlib's ResNet face descriptor (`dlib_face_recognition_resnet_model_v1.dat`, King 2017,
/// "High Quality Face Recognition with Deep Metric Learning"): a 29-layer ResNet maps a 150×150
/// face chip to 128 values such that faces of one person lie close together. The identity
/// distance between two faces is the Euclidean distance of their descriptors; dlib calls two faces
/// the same person below 0.6 (`sameIdentityThreshold`, 99.38 % on LFW).
///
/// The network is read by `DlibNetworkReader` with `DlibNetworkDefinition.resnetFaceDescriptor`
/// and run by `DlibNetwork.forward`; the chip is cut as dlib does
/// (`get_face_chip_details(shape, 150, 0.25)` + `extract_image_chip`, see `FaceChipExtraction`).
public final class FaceDescriptor: Sendable {
    /// dlib's decision threshold on the descriptor distance: below it, the same person.
    public static let sameIdentityThreshold = 0.6
    /// Chip side in pixels (dlib's face recognition example and Python API use 150).
    public static let chipSize = 150
    /// Chip padding as a fraction of the face size on each side (dlib uses 0.25).
    public static let chipPadding = 0.25

    /// The network.
    public let network: DlibNetwork
    /// Per-channel mean subtracted from the chip (red, green, blue) before dividing by 256.
    public let mean: SIMD3<Float>

    /// Reads the descriptor model (default: the file scripts/setup.sh fetches).
    /// - Throws: `DlibFileError`; a missing file says to run scripts/setup.sh.
    public convenience init(contentsOf url: URL = DlibModelFiles.resnetFaceDescriptor) throws(DlibFileError) {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw DlibFileError.network(file: url.path, message: "the ResNet face descriptor model is missing; run scripts/setup.sh once to fetch it")
        }
        try self.init(network: DlibNetworkReader.read(contentsOf: url, definition: .resnetFaceDescriptor), file: url.path)
    }

    /// Wraps a network read with `DlibNetworkDefinition.resnetFaceDescriptor` (a sized RGB input
    /// of `chipSize`² and a metric loss).
    public init(network: DlibNetwork, file: String = "<network>") throws(DlibFileError) {
        guard case .rgbImageSized(let mean, let rows, let columns) = network.input, rows == Self.chipSize, columns == Self.chipSize,
            case .metric = network.loss
        else {
            throw DlibFileError.network(file: file, message: "not a metric network on \(Self.chipSize)×\(Self.chipSize) RGB images")
        }
        self.network = network
        self.mean = mean
    }

    private static let cache = ModelCache<FaceDescriptor>()

    /// The descriptor for `url`, read once per process and shared.
    public static func cached(contentsOf url: URL = DlibModelFiles.resnetFaceDescriptor) throws(DlibFileError) -> FaceDescriptor {
        if let known = cache.value(for: url.path) { return known }
        let descriptor = try FaceDescriptor(contentsOf: url)
        cache.store(descriptor, for: url.path)
        return descriptor
    }

    /// The 128 values for a face given by dlib's 5- or 68-point landmarks in an RGB image:
    /// dlib's `net(extract_image_chip(img, get_face_chip_details(shape, 150, 0.25)))`.
    /// - Throws: `FaceDescriptorError` for a wrong landmark count or image layout.
    public func describe(image: Image8, landmarks: [SIMD2<Double>]) throws(FaceDescriptorError) -> [Float] {
        let details = try FaceChipDetails(landmarks: landmarks, size: Self.chipSize, padding: Self.chipPadding)
        return try describe(chip: FaceChipExtraction.extract(image, details))
    }

    /// The 128 values for a face chip already cut (`chipSize`², RGB).
    /// - Throws: `FaceDescriptorError` for a chip of another size or layout.
    public func describe(chip: Image8) throws(FaceDescriptorError) -> [Float] {
        guard chip.width == Self.chipSize, chip.height == Self.chipSize, chip.channels == 3 else {
            throw FaceDescriptorError(
                "a face chip must be \(Self.chipSize)×\(Self.chipSize) RGB, got \(chip.width)×\(chip.height) with \(chip.channels) channel(s)")
        }
        let plane = Self.chipSize * Self.chipSize
        var values = [Float](repeating: 0, count: 3 * plane)
        let means = [mean.x, mean.y, mean.z]
        for i in 0..<plane {
            for c in 0..<3 { values[c * plane + i] = (Float(chip.samples[3 * i + c]) - means[c]) / 256 }
        }
        do {
            return try network.forward(Tensor(shape: [3, Self.chipSize, Self.chipSize], scalars: values)).scalars
        } catch {
            throw FaceDescriptorError("the face descriptor network failed: \(error)")
        }
    }

    /// Euclidean distance between two descriptors (dlib's identity distance; < 0.6 = same person).
    /// - Throws: `FaceDescriptorError` when the lengths differ.
    public static func distance(_ a: [Float], _ b: [Float]) throws(FaceDescriptorError) -> Double {
        guard a.count == b.count else { throw FaceDescriptorError("descriptors of different lengths (\(a.count) and \(b.count)) cannot be compared") }
        return zip(a, b).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }.squareRoot()
    }
}
