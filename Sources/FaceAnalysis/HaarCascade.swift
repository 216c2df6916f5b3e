import Foundation

/// A boosted Haar-feature cascade as trained by OpenCV (`opencv_traincascade`), read from its
/// `opencv_storage` XML file. Viola & Jones (CVPR 2001) with Lienhart's extended feature set.
///
/// Trees are stored flat: each stage owns a contiguous range of trees, each tree a contiguous
/// range of nodes and leaves. Thresholds keep OpenCV's float precision, and the stage threshold
/// already includes OpenCV's −1e-5 margin.
public struct HaarCascade: Sendable {
    /// A rectangle of a Haar feature in window coordinates with its weight.
    public struct WeightedRectangle: Sendable, Equatable {
        /// Left column inside the detection window.
        public var x: Int
        /// Top row inside the detection window.
        public var y: Int
        /// Width in pixels.
        public var width: Int
        /// Height in pixels.
        public var height: Int
        /// Multiplier of the rectangle's pixel sum (e.g. −1, 2, 3).
        public var weight: Float
    }

    /// A Haar feature: the weighted sum of two or three rectangle sums.
    public struct Feature: Sendable, Equatable {
        /// Two or three rectangles.
        public var rectangles: [WeightedRectangle]
        /// Rectangles rotated by 45° (Lienhart & Maydt 2002): the top corner is (x, y), `width`
        /// runs down-right and `height` down-left.
        public var tilted: Bool

        /// Creates a feature from its rectangles.
        public init(rectangles: [WeightedRectangle], tilted: Bool = false) {
            self.rectangles = rectangles
            self.tilted = tilted
        }
    }

    /// A split node: go left when `featureValue < threshold`; a child ≤ 0 is the leaf −child.
    public struct Node: Sendable, Equatable {
        /// Index into `features`.
        public var featureIndex: Int32
        /// Split threshold on the variance-normalised feature value.
        public var threshold: Float
        /// Left child node index within the tree (> 0) or −leaf index (≤ 0).
        public var left: Int32
        /// Right child node index within the tree (> 0) or −leaf index (≤ 0).
        public var right: Int32
    }

    /// A weak classifier: nodes `firstNode ..< firstNode + nodeCount`, leaves from `firstLeaf`.
    public struct Tree: Sendable, Equatable {
        /// First node in `nodes`.
        public var firstNode: Int32
        /// Number of split nodes.
        public var nodeCount: Int32
        /// First leaf value in `leaves`.
        public var firstLeaf: Int32
    }

    /// A boosting stage: rejects a window when its trees' leaf sum is below `threshold`.
    public struct Stage: Sendable, Equatable {
        /// Stored stage threshold minus 1e-5 (OpenCV's margin), in float like OpenCV.
        public var threshold: Float
        /// First tree in `trees`.
        public var firstTree: Int
        /// Number of trees.
        public var treeCount: Int
    }

    /// Detection window width in pixels (24 for the frontal-face default).
    public var windowWidth: Int
    /// Detection window height in pixels.
    public var windowHeight: Int
    /// All features referenced by nodes.
    public var features: [Feature]
    /// Stages in evaluation order.
    public var stages: [Stage]
    /// All weak classifiers, stage after stage.
    public var trees: [Tree]
    /// All split nodes, tree after tree.
    public var nodes: [Node]
    /// All leaf values, tree after tree.
    public var leaves: [Float]

    /// Whether any feature is tilted (the detector then also builds 45° integral images).
    public var hasTiltedFeatures: Bool { features.contains { $0.tilted } }

    /// Assembles a cascade from already validated parts (the XML reader does the validation).
    init(windowWidth: Int, windowHeight: Int, features: [Feature], stages: [Stage], trees: [Tree], nodes: [Node], leaves: [Float]) {
        self.windowWidth = windowWidth
        self.windowHeight = windowHeight
        self.features = features
        self.stages = stages
        self.trees = trees
        self.nodes = nodes
        self.leaves = leaves
    }

    /// The cascade Debian's opencv-data installs for frontal faces.
    public static let defaultFrontalFacePath = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"

    /// Reads a cascade file; throws `HaarCascadeError` naming the file and line on any problem.
    public init(contentsOf url: URL) throws(HaarCascadeError) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw HaarCascadeError(file: url.path, message: "cannot read the file (\(error.localizedDescription))")
        }
        try self.init(xml: [UInt8](data), source: url.path)
    }

    /// Parses cascade XML held in memory; `source` names it in errors.
    public init(xml: [UInt8], source: String = "<memory>") throws(HaarCascadeError) {
        let root: XMLTreeElement
        do {
            root = try XMLDocumentParser.parse(xml)
        } catch {
            throw HaarCascadeError(file: source, line: error.line, message: "malformed XML: \(error.message)")
        }
        self = try HaarCascadeReader(source: source).read(root)
    }
}
