extension ShapePredictor {
    /// Landmarks of the face in `box`, in image pixels (x right, y down, pixel centres at integers),
    /// reproducing dlib's `shape_predictor::operator()` before its final rounding to integers.
    ///
    /// For each cascade level: the similarity transform S (least squares, no translation) from the
    /// initial shape to the current shape is found in double and rounded to float; every feature
    /// pixel p = S·delta + shape[anchor] (float) is mapped into the box
    /// (x = left + pₓ·(right − left), right = left + width − 1) and rounded with ⌊x + ½⌋; pixels
    /// outside the image read 0. Each tree is walked with `value[a] − value[b] > threshold` ⇒ left
    /// child, and its leaf vector is added to the shape. `box` follows dlib's detector convention
    /// (see `FaceBoxCalibration` for Haar boxes).
    public func landmarks(in image: GreyImage, box: FaceRectangle) -> [SIMD2<Double>] {
        let shapeLength = 2 * landmarkCount
        var shape = initialShape
        var featureValues = [Float](repeating: 0, count: featuresPerCascade)
        let left = Double(box.x), top = Double(box.y)
        let boxWidth = Double(box.right - box.x), boxHeight = Double(box.bottom - box.y)
        let leavesPerTree = splitsPerTree + 1
        shape.withUnsafeMutableBufferPointer { shape in
            featureValues.withUnsafeMutableBufferPointer { values in
                image.samples.withUnsafeBufferPointer { pixels in
                    anchors.withUnsafeBufferPointer { anchors in
                        deltas.withUnsafeBufferPointer { deltas in
                            splitFirst.withUnsafeBufferPointer { firsts in
                                splitSecond.withUnsafeBufferPointer { seconds in
                                    splitThresholds.withUnsafeBufferPointer { thresholds in
                                        leafValues.withUnsafeBufferPointer { leaves in
                                            for cascade in 0..<cascadeCount {
                                                let (a, b) = similarityToCurrentShape(UnsafeBufferPointer(shape))
                                                let featureBase = cascade * featuresPerCascade
                                                for feature in 0..<featuresPerCascade {
                                                    let anchor = Int(anchors[featureBase + feature])
                                                    let dx = deltas[2 * (featureBase + feature)], dy = deltas[2 * (featureBase + feature) + 1]
                                                    let u = (a * dx + (-b) * dy) + shape[2 * anchor]
                                                    let v = (b * dx + a * dy) + shape[2 * anchor + 1]
                                                    let column = (left + boxWidth * Double(u) + 0.5).rounded(.down)
                                                    let row = (top + boxHeight * Double(v) + 0.5).rounded(.down)
                                                    if column >= 0, row >= 0, column < Double(image.width), row < Double(image.height) {
                                                        values[feature] = Float(pixels[Int(row) * image.width + Int(column)])
                                                    } else {
                                                        values[feature] = 0
                                                    }
                                                }
                                                let treeBase = cascade * treesPerCascade
                                                for tree in treeBase..<(treeBase + treesPerCascade) {
                                                    let splitBase = tree * splitsPerTree
                                                    var node = 0
                                                    while node < splitsPerTree {
                                                        let split = splitBase + node
                                                        let difference = values[Int(firsts[split])] - values[Int(seconds[split])]
                                                        node = difference > thresholds[split] ? 2 * node + 1 : 2 * node + 2
                                                    }
                                                    let leaf = leaves.baseAddress! + (tree * leavesPerTree + node - splitsPerTree) * shapeLength
                                                    addLeaf(leaf, to: shape.baseAddress!, count: shapeLength)
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (0..<landmarkCount).map { index in
            SIMD2(left + boxWidth * Double(shape[2 * index]), top + boxHeight * Double(shape[2 * index + 1]))
        }
    }

    /// shape += leaf, eight lanes at a time (float adds, identical to dlib's scalar loop).
    @inline(__always)
    private func addLeaf(_ leaf: UnsafePointer<Float>, to shape: UnsafeMutablePointer<Float>, count: Int) {
        var index = 0
        let rawLeaf = UnsafeRawPointer(leaf), rawShape = UnsafeMutableRawPointer(shape)
        while index + 8 <= count {
            let sum =
                rawShape.loadUnaligned(fromByteOffset: 4 * index, as: SIMD8<Float>.self)
                + rawLeaf.loadUnaligned(fromByteOffset: 4 * index, as: SIMD8<Float>.self)
            rawShape.storeBytes(of: sum, toByteOffset: 4 * index, as: SIMD8<Float>.self)
            index += 8
        }
        while index < count {
            shape[index] += leaf[index]
            index += 1
        }
    }

    /// The similarity [[a, −b], [b, a]] minimising Σ‖S·(pᵢ − p̄) − (qᵢ − q̄)‖² from the initial
    /// shape p to `current` q (Umeyama 1991, eqs. 34–43, specialised to 2-D), computed in double
    /// and rounded to float as dlib does.
    func similarityToCurrentShape(_ current: UnsafeBufferPointer<Float>) -> (Float, Float) {
        var meanFrom = SIMD2<Double>(0, 0), meanTo = SIMD2<Double>(0, 0)
        for index in 0..<landmarkCount {
            meanFrom += SIMD2(Double(initialShape[2 * index]), Double(initialShape[2 * index + 1]))
            meanTo += SIMD2(Double(current[2 * index]), Double(current[2 * index + 1]))
        }
        meanFrom /= Double(landmarkCount)
        meanTo /= Double(landmarkCount)
        var dot = 0.0, cross = 0.0, norm = 0.0
        for index in 0..<landmarkCount {
            let from = SIMD2(Double(initialShape[2 * index]), Double(initialShape[2 * index + 1])) - meanFrom
            let to = SIMD2(Double(current[2 * index]), Double(current[2 * index + 1])) - meanTo
            dot += from.x * to.x + from.y * to.y
            cross += from.x * to.y - from.y * to.x
            norm += from.x * from.x + from.y * from.y
        }
        guard norm > 0 else { return (1, 0) }
        return (Float(dot / norm), Float(cross / norm))
    }
}
