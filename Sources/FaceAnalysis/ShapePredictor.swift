import Foundation

/// dlib's ensemble-of-regression-trees face-shape predictor (Kazemi & Sullivan, "One Millisecond
/// Face Alignment with an Ensemble of Regression Trees", CVPR 2014), read from dlib's
/// serialized `shape_predictor` file (e.g. the 68-point iBUG-300W model of libdlib-data).
///
/// Storage is flat for speed: every tree has the same depth; split features, thresholds and
/// leaf vectors of all trees of all cascades are concatenated in evaluation order. Shapes are
/// `[x0, y0, x1, y1, …]` in box-normalised coordinates ((0,0) = box top-left, (1,1) = bottom-right).
public struct ShapePredictor: Sendable {
    /// Number of landmarks (68 for the iBUG model).
    public let landmarkCount: Int
    /// Mean shape the cascade starts from, `2 · landmarkCount` values.
    public let initialShape: [Float]
    /// Number of cascade levels (15 for the iBUG model).
    public let cascadeCount: Int
    /// Trees per cascade level (500).
    public let treesPerCascade: Int
    /// Split nodes per tree (15 = depth 4).
    public let splitsPerTree: Int
    /// Feature pixels sampled per cascade level (500).
    public let featuresPerCascade: Int
    /// For each cascade and feature pixel, the landmark it is anchored to.
    let anchors: [Int32]
    /// For each cascade and feature pixel, its offset (dx, dy) from the anchor in the initial shape's frame.
    let deltas: [Float]
    /// Per split node: index of the first feature pixel (within its cascade).
    let splitFirst: [Int32]
    /// Per split node: index of the second feature pixel.
    let splitSecond: [Int32]
    /// Per split node: go to the left child when `first − second > threshold`.
    let splitThresholds: [Float]
    /// Leaf vectors, `2 · landmarkCount` floats each, `splitsPerTree + 1` per tree.
    let leafValues: [Float]

    /// The 68-point model installed by Debian's libdlib-data.
    public static let defaultModelPath = "/usr/share/dlib/shape_predictor_68_face_landmarks.dat"

    /// Reads a model file (memory-mapped); see `cached(contentsOf:)` to parse a file once per process.
    public init(contentsOf url: URL) throws(DlibFileError) {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw DlibFileError(file: url.path, message: "cannot read the file (\(error.localizedDescription))")
        }
        try self.init(serialized: data, source: url.path)
    }

    /// Parses a serialized model held in memory; `source` names it in errors.
    public init(serialized data: Data, source: String = "<memory>") throws(DlibFileError) {
        let result: Result<ShapePredictor, DlibFileError> = data.withUnsafeBytes { bytes in
            do throws(DlibFileError) {
                var reader = DlibStreamReader(bytes: bytes, file: source)
                return .success(try ShapePredictorParser.parse(&reader))
            } catch {
                return .failure(error)
            }
        }
        self = try result.get()
    }

    /// Assembles a model from parsed, validated arrays (used by the parser).
    init(
        landmarkCount: Int, initialShape: [Float], cascadeCount: Int, treesPerCascade: Int, splitsPerTree: Int,
        featuresPerCascade: Int, anchors: [Int32], deltas: [Float], splitFirst: [Int32], splitSecond: [Int32],
        splitThresholds: [Float], leafValues: [Float]
    ) {
        self.landmarkCount = landmarkCount
        self.initialShape = initialShape
        self.cascadeCount = cascadeCount
        self.treesPerCascade = treesPerCascade
        self.splitsPerTree = splitsPerTree
        self.featuresPerCascade = featuresPerCascade
        self.anchors = anchors
        self.deltas = deltas
        self.splitFirst = splitFirst
        self.splitSecond = splitSecond
        self.splitThresholds = splitThresholds
        self.leafValues = leafValues
    }

    /// The model at `url`, parsed at most once per process (keyed by path, size and modification
    /// date); later calls return the same parsed model. Parsing the 100 MB iBUG model takes a
    /// fraction of a second, so stages call this for every run.
    public static func cached(contentsOf url: URL) throws(DlibFileError) -> ShapePredictor {
        try ShapePredictorCache.shared.model(at: url)
    }
}

/// Process-wide cache of parsed models.
final class ShapePredictorCache: @unchecked Sendable {
    // @unchecked: `entries` is only touched while holding `lock`.
    static let shared = ShapePredictorCache()
    private let lock = NSLock()
    private var entries: [String: (size: Int, modified: Date, model: ShapePredictor)] = [:]

    func model(at url: URL) throws(DlibFileError) -> ShapePredictor {
        let path = url.standardizedFileURL.path
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            throw DlibFileError(file: path, message: "cannot read the file (\(error.localizedDescription))")
        }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? -1
        let modified = attributes[.modificationDate] as? Date ?? .distantPast
        lock.lock()
        defer { lock.unlock() }
        if let entry = entries[path], entry.size == size, entry.modified == modified { return entry.model }
        let model = try ShapePredictor(contentsOf: URL(fileURLWithPath: path))
        entries[path] = (size, modified, model)
        return model
    }
}
