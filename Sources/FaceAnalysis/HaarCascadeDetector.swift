import Foundation

/// Multi-scale sliding-window detection with a Haar cascade, reproducing OpenCV 4's
/// `CascadeClassifier::detectMultiScale` (cascadedetect.cpp) so that boxes equal OpenCV's:
///
/// - scales f = scaleFactorᵏ (double, stored as float) while round(window·f) fits the image;
/// - per scale the image is resized with `BitExactLinearResize` to round(W/f) × round(H/f)
///   (float division), and integral images of values and squares are built;
/// - windows step 2 px when f < 2, else 1 px; a window rejected by the first stage skips the next x;
/// - variance normalisation over the window's inner rectangle (1, 1, w−2, h−2):
///   nf = √(area·Σx² − (Σx)²), window rejected when nf ≤ 0 or area/nf ≥ 0.1;
/// - feature value = (Σ weightᵢ·rectSumᵢ) / nf in float; a stage rejects when its double sum of
///   leaves is below its threshold;
/// - hits at (round(x·f), round(y·f), round(w·f), round(h·f)) are grouped by `RectangleGrouping`
///   with eps 0.2 and clipped to the image.
public struct HaarCascadeDetector: Sendable {
    /// The cascade evaluated at every window.
    public let cascade: HaarCascade
    private let isStumpCascade: Bool

    /// Wraps a loaded cascade.
    public init(cascade: HaarCascade) {
        self.cascade = cascade
        self.isStumpCascade = cascade.trees.allSatisfy { $0.nodeCount == 1 }
    }

    /// Face boxes in `image` (grey, see `GreyImage.RGBConversion.openCVLuma`), in OpenCV's output order.
    public func detect(_ image: GreyImage, options: HaarDetectionOptions = HaarDetectionOptions()) throws(FaceDetectionOptionsError) -> [FaceRectangle] {
        try options.validate()
        let raw = rawDetections(image, options: options)
        let grouped = RectangleGrouping.group(raw, minNeighbors: options.minNeighbors)
        let bounds = FaceRectangle(x: 0, y: 0, width: image.width, height: image.height)
        return grouped.map { $0.intersection(bounds) }.filter { $0.area > 0 }
    }

    /// The pyramid scales OpenCV evaluates for an image of this size (float, as OpenCV stores them).
    func scales(imageWidth: Int, imageHeight: Int, options: HaarDetectionOptions) -> [Float] {
        let maxWidth = options.maxWidth > 0 ? options.maxWidth : imageWidth
        let maxHeight = options.maxHeight > 0 ? options.maxHeight : imageHeight
        guard imageWidth >= cascade.windowWidth, imageHeight >= cascade.windowHeight else { return [] }
        var all: [Float] = []
        var factor = 1.0
        while true {
            let windowWidth = (Double(cascade.windowWidth) * factor).rounded(.toNearestOrEven)
            let windowHeight = (Double(cascade.windowHeight) * factor).rounded(.toNearestOrEven)
            if windowWidth > Double(imageWidth) || windowHeight > Double(imageHeight) { break }
            all.append(Float(factor))
            factor *= options.scaleFactor
        }
        var selected: [Float] = []
        for scale in all {
            let windowWidth = Int((Float(cascade.windowWidth) * scale).rounded(.toNearestOrEven))
            let windowHeight = Int((Float(cascade.windowHeight) * scale).rounded(.toNearestOrEven))
            if windowWidth > maxWidth || windowHeight > maxHeight { break }
            if windowWidth < options.minWidth || windowHeight < options.minHeight { continue }
            selected.append(scale)
        }
        return selected
    }

    /// Every window the cascade accepts, before grouping (OpenCV's `detectMultiScaleNoGrouping`).
    public func rawDetections(_ image: GreyImage, options: HaarDetectionOptions = HaarDetectionOptions()) -> [FaceRectangle] {
        var detections: [FaceRectangle] = []
        for scale in scales(imageWidth: image.width, imageHeight: image.height, options: options) {
            let width = Int((Float(image.width) / scale).rounded(.toNearestOrEven))
            let height = Int((Float(image.height) / scale).rounded(.toNearestOrEven))
            let resized = BitExactLinearResize.resize(image, width: width, height: height)
            let layer = IntegralLayer(image: resized, cascade: cascade)
            detections += scan(layer, scale: scale)
        }
        return detections
    }

    /// Scans one pyramid layer in horizontal stripes on all cores; hits come back in raster order.
    private func scan(_ layer: IntegralLayer, scale: Float) -> [FaceRectangle] {
        let scanWidth = max(layer.stride - cascade.windowWidth, 0)
        let scanHeight = max(layer.rows - cascade.windowHeight, 0)
        let step = scale >= 2 ? 1 : 2
        let windowWidth = Int((Float(cascade.windowWidth) * scale).rounded(.toNearestOrEven))
        let windowHeight = Int((Float(cascade.windowHeight) * scale).rounded(.toNearestOrEven))
        let rowStarts = Array(stride(from: 0, to: scanHeight, by: step))
        guard !rowStarts.isEmpty, scanWidth > 0 else { return [] }
        let stripeCount = min(rowStarts.count, 4 * ProcessInfo.processInfo.activeProcessorCount)
        let hits = StripeResults(count: stripeCount)
        DispatchQueue.concurrentPerform(iterations: stripeCount) { stripe in
            var found: [FaceRectangle] = []
            let first = stripe * rowStarts.count / stripeCount, end = (stripe + 1) * rowStarts.count / stripeCount
            layer.withPointers { pointers in
                cascade.nodes.withUnsafeBufferPointer { nodes in
                    cascade.leaves.withUnsafeBufferPointer { leaves in
                        cascade.trees.withUnsafeBufferPointer { trees in
                            cascade.stages.withUnsafeBufferPointer { stages in
                                let tables = CascadeTables(
                                    nodes: nodes.baseAddress!, leaves: leaves.baseAddress!, trees: trees.baseAddress!,
                                    stages: stages, isStumpCascade: isStumpCascade)
                                for row in rowStarts[first..<end] {
                                    var column = 0
                                    while column < scanWidth {
                                        let result = tables.evaluate(pointers, base: row * layer.stride + column)
                                        if result > 0 {
                                            found.append(
                                                FaceRectangle(
                                                    x: Int((Float(column) * scale).rounded(.toNearestOrEven)),
                                                    y: Int((Float(row) * scale).rounded(.toNearestOrEven)),
                                                    width: windowWidth, height: windowHeight))
                                        }
                                        column += result == 0 ? 2 * step : step
                                    }
                                }
                            }
                        }
                    }
                }
            }
            hits.store(found, at: stripe)
        }
        return hits.concatenated()
    }
}

/// Raw views of a cascade's flat arrays for the window loop.
private struct CascadeTables {
    let nodes: UnsafePointer<HaarCascade.Node>
    let leaves: UnsafePointer<Float>
    let trees: UnsafePointer<HaarCascade.Tree>
    let stages: UnsafeBufferPointer<HaarCascade.Stage>
    let isStumpCascade: Bool

    /// OpenCV's `runAt`: −1 when the window is flat, −k when stage k rejects it, 1 when all accept.
    @inline(__always)
    func evaluate(_ layer: IntegralLayer.Pointers, base: Int) -> Int {
        guard let normaliser = layer.varianceNormaliser(at: base) else { return -1 }
        for stageIndex in 0..<stages.count {
            let stage = stages[stageIndex]
            var sum = 0.0
            for treeIndex in stage.firstTree..<(stage.firstTree + stage.treeCount) {
                let tree = trees[treeIndex]
                if isStumpCascade {
                    let node = nodes[Int(tree.firstNode)]
                    let value = layer.featureValue(Int(node.featureIndex), at: base) * normaliser
                    sum += Double(leaves[Int(tree.firstLeaf) + (value < node.threshold ? 0 : 1)])
                } else {
                    var index: Int32 = 0
                    repeat {
                        let node = nodes[Int(tree.firstNode + index)]
                        let value = layer.featureValue(Int(node.featureIndex), at: base) * normaliser
                        index = value < node.threshold ? node.left : node.right
                    } while index > 0
                    sum += Double(leaves[Int(tree.firstLeaf - index)])
                }
            }
            if sum < Double(stage.threshold) { return -stageIndex }
        }
        return 1
    }
}

/// Per-stripe hit lists written concurrently, one slot per stripe.
private final class StripeResults: @unchecked Sendable {
    // @unchecked: each concurrent iteration writes only its own slot; reads happen after the join.
    private var slots: [[FaceRectangle]]

    init(count: Int) { slots = Array(repeating: [], count: count) }

    func store(_ hits: [FaceRectangle], at slot: Int) {
        slots.withUnsafeMutableBufferPointer { $0[slot] = hits }
    }

    func concatenated() -> [FaceRectangle] { slots.flatMap { $0 } }
}
