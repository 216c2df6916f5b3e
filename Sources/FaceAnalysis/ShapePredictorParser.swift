/// Reads the fields of dlib's `shape_predictor` in serialization order (version 1):
/// initial_shape, forests (cascades × trees of {splits, leaf_values}), anchor_idx, deltas,
/// and checks every index so that inference never reads out of bounds.
enum ShapePredictorParser {
    static func parse(_ reader: inout DlibStreamReader) throws(DlibFileError) -> ShapePredictor {
        guard !reader.isAtEnd else { throw reader.error("the file is empty") }
        let version = try reader.integer(maximumBytes: 4, signed: true, what: "format version")
        guard version == 1 else {
            throw reader.error("unsupported shape_predictor version \(version) (expected 1); is this a shape predictor file?", at: 0)
        }
        var initialShape: [Float] = []
        let shapeLength = try reader.columnVector(into: &initialShape, expectedLength: nil, what: "initial_shape")
        guard shapeLength >= 2, shapeLength % 2 == 0 else {
            throw reader.error("initial_shape has \(shapeLength) values; it must hold x,y pairs")
        }

        let cascadeCount = try reader.count(what: "number of cascades", atMost: 1000)
        guard cascadeCount > 0 else { throw reader.error("the model has no cascades") }
        var treesPerCascade = -1, splitsPerTree = -1
        var splitFirst: [Int32] = [], splitSecond: [Int32] = [], thresholds: [Float] = [], leaves: [Float] = []
        for cascade in 0..<cascadeCount {
            let treeCount = try reader.count(what: "number of trees in cascade \(cascade)", atMost: 100_000)
            if treesPerCascade < 0 {
                treesPerCascade = treeCount
                guard treeCount > 0 else { throw reader.error("cascade 0 has no trees") }
            }
            guard treeCount == treesPerCascade else {
                throw reader.error("cascade \(cascade) has \(treeCount) trees, cascade 0 has \(treesPerCascade); only uniform forests are supported")
            }
            for tree in 0..<treeCount {
                let splitCount = try reader.count(what: "split count of tree \(tree) in cascade \(cascade)", atMost: 1 << 16)
                if splitsPerTree < 0 {
                    splitsPerTree = splitCount
                    guard splitCount > 0, (splitCount + 1) & splitCount == 0 else {
                        throw reader.error("a tree has \(splitCount) splits; a complete binary tree needs 2^depth − 1")
                    }
                    // Reserve what the declared counts need, but never more than the rest of the file can hold,
                    // so that corrupt counts end in the truncation error instead of a huge allocation.
                    let available = reader.maximumRemainingValues
                    let capacity = min(cascadeCount * treesPerCascade * splitCount, available)
                    splitFirst.reserveCapacity(capacity)
                    splitSecond.reserveCapacity(capacity)
                    thresholds.reserveCapacity(capacity)
                    leaves.reserveCapacity(min(cascadeCount * treesPerCascade * (splitCount + 1) * shapeLength, available))
                }
                guard splitCount == splitsPerTree else {
                    throw reader.error(
                        "tree \(tree) of cascade \(cascade) has \(splitCount) splits, others have \(splitsPerTree); only uniform depth is supported")
                }
                for split in 0..<splitCount {
                    let first = try reader.integer(maximumBytes: 8, signed: false, what: "split \(split) feature index")
                    let second = try reader.integer(maximumBytes: 8, signed: false, what: "split \(split) feature index")
                    guard first < 1 << 30, second < 1 << 30 else { throw reader.error("split feature index out of range (corrupt file)") }
                    splitFirst.append(Int32(first))
                    splitSecond.append(Int32(second))
                    thresholds.append(try reader.float(what: "split \(split) threshold"))
                }
                let leafCount = try reader.count(what: "leaf count of tree \(tree) in cascade \(cascade)", atMost: 1 << 17)
                guard leafCount == splitCount + 1 else {
                    throw reader.error("tree \(tree) of cascade \(cascade) has \(leafCount) leaves for \(splitCount) splits (needs \(splitCount + 1))")
                }
                for leaf in 0..<leafCount {
                    _ = try reader.columnVector(into: &leaves, expectedLength: shapeLength, what: "leaf \(leaf) of tree \(tree) in cascade \(cascade)")
                }
            }
        }

        let anchorCascades = try reader.count(what: "number of anchor lists", atMost: 1000)
        guard anchorCascades == cascadeCount else {
            throw reader.error("\(anchorCascades) anchor lists for \(cascadeCount) cascades")
        }
        var anchors: [Int32] = []
        var featuresPerCascade = -1
        for cascade in 0..<cascadeCount {
            let featureCount = try reader.count(what: "number of feature pixels in cascade \(cascade)", atMost: 1 << 20)
            if featuresPerCascade < 0 { featuresPerCascade = featureCount }
            guard featureCount == featuresPerCascade else {
                throw reader.error("cascade \(cascade) samples \(featureCount) pixels, cascade 0 samples \(featuresPerCascade)")
            }
            for _ in 0..<featureCount {
                let anchor = try reader.integer(maximumBytes: 8, signed: false, what: "anchor index")
                guard anchor < Int64(shapeLength / 2) else {
                    throw reader.error("anchor landmark \(anchor) does not exist (the shape has \(shapeLength / 2) landmarks)")
                }
                anchors.append(Int32(anchor))
            }
        }

        let deltaCascades = try reader.count(what: "number of delta lists", atMost: 1000)
        guard deltaCascades == cascadeCount else { throw reader.error("\(deltaCascades) delta lists for \(cascadeCount) cascades") }
        var deltas: [Float] = []
        deltas.reserveCapacity(min(2 * cascadeCount * featuresPerCascade, reader.maximumRemainingValues))
        for cascade in 0..<cascadeCount {
            let deltaCount = try reader.count(what: "number of deltas in cascade \(cascade)", atMost: 1 << 20)
            guard deltaCount == featuresPerCascade else {
                throw reader.error("cascade \(cascade) has \(deltaCount) deltas for \(featuresPerCascade) feature pixels")
            }
            for _ in 0..<deltaCount {
                deltas.append(try reader.float(what: "delta x"))
                deltas.append(try reader.float(what: "delta y"))
            }
        }
        guard reader.isAtEnd else {
            throw reader.error("unexpected data after the model (corrupt file or not a shape_predictor)")
        }
        if let bad = splitFirst.indices.first(where: { splitFirst[$0] >= featuresPerCascade || splitSecond[$0] >= featuresPerCascade }) {
            throw reader.error(
                "split \(bad) reads feature pixel \(max(splitFirst[bad], splitSecond[bad])) but cascades sample only \(featuresPerCascade)", at: nil)
        }
        return ShapePredictor(
            landmarkCount: shapeLength / 2, initialShape: initialShape, cascadeCount: cascadeCount,
            treesPerCascade: treesPerCascade, splitsPerTree: splitsPerTree, featuresPerCascade: featuresPerCascade,
            anchors: anchors, deltas: deltas, splitFirst: splitFirst, splitSecond: splitSecond,
            splitThresholds: thresholds, leafValues: leaves)
    }
}
