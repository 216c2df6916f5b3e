import Foundation

/// Turns the XML tree of an `opencv_storage` cascade into a validated `HaarCascade`, following
/// OpenCV's `CascadeClassifierImpl::Data::read` and `HaarEvaluator::read`.
struct HaarCascadeReader {
    let source: String

    func fail(_ element: XMLTreeElement?, _ message: String) -> HaarCascadeError {
        HaarCascadeError(file: source, line: element?.line, message: message)
    }

    func required(_ parent: XMLTreeElement, _ name: String) throws(HaarCascadeError) -> XMLTreeElement {
        guard let child = parent.child(name) else { throw fail(parent, "<\(parent.name)> has no <\(name)> element") }
        return child
    }

    func trimmedText(_ element: XMLTreeElement) -> String {
        element.text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func integer(_ element: XMLTreeElement) throws(HaarCascadeError) -> Int {
        guard let value = Int(trimmedText(element)) else {
            throw fail(element, "<\(element.name)> should hold an integer, found '\(trimmedText(element).prefix(40))'")
        }
        return value
    }

    /// Whitespace-separated numbers, each parsed as double like OpenCV's reader.
    func numbers(_ element: XMLTreeElement) throws(HaarCascadeError) -> [Double] {
        var values: [Double] = []
        for token in element.text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }) {
            guard let value = Double(token) else { throw fail(element, "<\(element.name)> holds a non-number '\(token.prefix(40))'") }
            values.append(value)
        }
        return values
    }

    func read(_ root: XMLTreeElement) throws(HaarCascadeError) -> HaarCascade {
        guard root.name == "opencv_storage" else {
            throw fail(root, "the root element is <\(root.name)>, not <opencv_storage>")
        }
        guard let cascade = root.children.first else { throw fail(root, "<opencv_storage> is empty") }
        if cascade.attributes.contains(where: { $0.name == "type_id" && $0.value == "opencv-haar-classifier" }) {
            throw fail(cascade, "this is an OpenCV 1.x (old-format) cascade; convert it with OpenCV 3's traincascade or use a 3.x/4.x file")
        }
        let stageType = trimmedText(try required(cascade, "stageType"))
        guard stageType == "BOOST" else { throw fail(cascade, "stageType is '\(stageType)', only BOOST is supported") }
        let featureType = trimmedText(try required(cascade, "featureType"))
        guard featureType == "HAAR" else {
            throw fail(cascade, "featureType is '\(featureType)'; only HAAR cascades are supported (LBP and HOG are not)")
        }
        let windowWidth = try integer(try required(cascade, "width"))
        let windowHeight = try integer(try required(cascade, "height"))
        guard (3...1024).contains(windowWidth), (3...1024).contains(windowHeight) else {
            throw fail(cascade, "window size \(windowWidth)×\(windowHeight) is out of range")
        }
        if let categories = cascade.child("featureParams")?.child("maxCatCount"), try integer(categories) != 0 {
            throw fail(categories, "maxCatCount must be 0 for Haar cascades (categorical splits are LBP-only)")
        }

        let features = try readFeatures(try required(cascade, "features"), windowWidth: windowWidth, windowHeight: windowHeight)

        var stages: [HaarCascade.Stage] = []
        var trees: [HaarCascade.Tree] = []
        var nodes: [HaarCascade.Node] = []
        var leaves: [Float] = []
        let stagesElement = try required(cascade, "stages")
        guard !stagesElement.children.isEmpty else { throw fail(stagesElement, "the cascade has no stages") }
        for stageElement in stagesElement.children {
            let storedThreshold = try numbers(try required(stageElement, "stageThreshold"))
            guard storedThreshold.count == 1 else { throw fail(stageElement, "stageThreshold must be one number") }
            let weakClassifiers = try required(stageElement, "weakClassifiers")
            guard !weakClassifiers.children.isEmpty else { throw fail(weakClassifiers, "a stage without weak classifiers") }
            stages.append(
                HaarCascade.Stage(
                    threshold: Float(storedThreshold[0]) - 1e-5,
                    firstTree: trees.count, treeCount: weakClassifiers.children.count))
            for treeElement in weakClassifiers.children {
                let internalNodes = try required(treeElement, "internalNodes")
                let nodeValues = try numbers(internalNodes)
                let leafValues = try numbers(try required(treeElement, "leafValues"))
                guard !nodeValues.isEmpty, nodeValues.count % 4 == 0 else {
                    throw fail(internalNodes, "internalNodes must hold groups of 4 numbers (left right feature threshold), found \(nodeValues.count)")
                }
                let nodeCount = nodeValues.count / 4
                guard leafValues.count == nodeCount + 1 else {
                    throw fail(treeElement, "a tree with \(nodeCount) nodes needs \(nodeCount + 1) leaf values, found \(leafValues.count)")
                }
                trees.append(HaarCascade.Tree(firstNode: Int32(nodes.count), nodeCount: Int32(nodeCount), firstLeaf: Int32(leaves.count)))
                for node in 0..<nodeCount {
                    let left = Int(exactly: nodeValues[4 * node]), right = Int(exactly: nodeValues[4 * node + 1])
                    let feature = Int(exactly: nodeValues[4 * node + 2])
                    guard let left, let right, let feature else { throw fail(internalNodes, "node indices must be integers") }
                    guard (0..<features.count).contains(feature) else {
                        throw fail(internalNodes, "feature index \(feature) is out of range (the file has \(features.count) features)")
                    }
                    for child in [left, right] where child > 0 ? child >= nodeCount || child <= node : -child > nodeCount {
                        throw fail(internalNodes, "child \(child) of node \(node) is out of range")
                    }
                    nodes.append(
                        HaarCascade.Node(
                            featureIndex: Int32(feature), threshold: Float(nodeValues[4 * node + 3]),
                            left: Int32(left), right: Int32(right)))
                }
                leaves.append(contentsOf: leafValues.map { Float($0) })
            }
        }
        return HaarCascade(
            windowWidth: windowWidth, windowHeight: windowHeight, features: features,
            stages: stages, trees: trees, nodes: nodes, leaves: leaves)
    }

    func readFeatures(_ element: XMLTreeElement, windowWidth: Int, windowHeight: Int) throws(HaarCascadeError) -> [HaarCascade.Feature] {
        var features: [HaarCascade.Feature] = []
        features.reserveCapacity(element.children.count)
        for featureElement in element.children {
            var tilted = false
            if let tiltedElement = featureElement.child("tilted") { tilted = try integer(tiltedElement) != 0 }
            let rectsElement = try required(featureElement, "rects")
            guard (1...3).contains(rectsElement.children.count) else {
                throw fail(rectsElement, "a Haar feature needs 1 to 3 rectangles, found \(rectsElement.children.count)")
            }
            var rectangles: [HaarCascade.WeightedRectangle] = []
            for rectElement in rectsElement.children {
                let values = try numbers(rectElement)
                guard values.count == 5, let x = Int(exactly: values[0]), let y = Int(exactly: values[1]),
                    let width = Int(exactly: values[2]), let height = Int(exactly: values[3])
                else {
                    throw fail(rectElement, "a rectangle must be 'x y width height weight' with integer geometry")
                }
                let inside =
                    tilted
                    ? x - height >= 0 && y >= 0 && x + width <= windowWidth && y + width + height <= windowHeight
                    : x >= 0 && y >= 0 && x + width <= windowWidth && y + height <= windowHeight
                guard width > 0, height > 0, inside else {
                    throw fail(
                        rectElement, "\(tilted ? "tilted " : "")rectangle \(x) \(y) \(width) \(height) lies outside the \(windowWidth)×\(windowHeight) window")
                }
                rectangles.append(HaarCascade.WeightedRectangle(x: x, y: y, width: width, height: height, weight: Float(values[4])))
            }
            features.append(HaarCascade.Feature(rectangles: rectangles, tilted: tilted))
        }
        guard !features.isEmpty else { throw fail(element, "the cascade has no features") }
        return features
    }
}
