/// OpenCV's `groupRectangles` (cv::partition + averaging + nested-box suppression), which turns
/// the many raw window hits of a cascade into one box per object.
public enum RectangleGrouping {
    /// Clusters rectangles whose four edges all lie within
    /// `eps · (min width + min height) / 2` of each other (transitively), averages each cluster,
    /// keeps clusters with more than `minNeighbors` members and drops a kept cluster lying inside
    /// another kept one (widened by `eps` of its size) that has more members
    /// (`n₂ > max(3, n₁)`, or the inner one has fewer than 3). With `minNeighbors ≤ 0` the input
    /// is returned unchanged, as OpenCV does.
    public static func group(_ rectangles: [FaceRectangle], minNeighbors: Int, eps: Double = 0.2) -> [FaceRectangle] {
        guard minNeighbors > 0, !rectangles.isEmpty else { return rectangles }
        let (labels, classCount) = partition(rectangles, eps: eps)
        var sums = [(x: Int, y: Int, width: Int, height: Int)](repeating: (0, 0, 0, 0), count: classCount)
        var counts = [Int](repeating: 0, count: classCount)
        for (index, rectangle) in rectangles.enumerated() {
            let label = labels[index]
            sums[label].x += rectangle.x
            sums[label].y += rectangle.y
            sums[label].width += rectangle.width
            sums[label].height += rectangle.height
            counts[label] += 1
        }
        let averages = (0..<classCount).map { label -> FaceRectangle in
            let inverse = 1 / Float(counts[label])
            func average(_ sum: Int) -> Int { Int((Float(sum) * inverse).rounded(.toNearestOrEven)) }
            return FaceRectangle(
                x: average(sums[label].x), y: average(sums[label].y),
                width: average(sums[label].width), height: average(sums[label].height))
        }
        var kept: [FaceRectangle] = []
        for inner in 0..<classCount where counts[inner] > minNeighbors {
            let candidate = averages[inner]
            let innerCount = counts[inner]
            let suppressed = (0..<classCount).contains { outer in
                guard outer != inner, counts[outer] > minNeighbors else { return false }
                let container = averages[outer]
                let dx = Int((Double(container.width) * eps).rounded(.toNearestOrEven))
                let dy = Int((Double(container.height) * eps).rounded(.toNearestOrEven))
                return candidate.x >= container.x - dx && candidate.y >= container.y - dy
                    && candidate.x + candidate.width <= container.x + container.width + dx
                    && candidate.y + candidate.height <= container.y + container.height + dy
                    && (counts[outer] > max(3, innerCount) || innerCount < 3)
            }
            if !suppressed { kept.append(candidate) }
        }
        return kept
    }

    /// OpenCV's similarity predicate for two raw detections.
    static func areSimilar(_ first: FaceRectangle, _ second: FaceRectangle, eps: Double) -> Bool {
        let delta = eps * Double(min(first.width, second.width) + min(first.height, second.height)) * 0.5
        return Double(abs(first.x - second.x)) <= delta && Double(abs(first.y - second.y)) <= delta
            && Double(abs(first.x + first.width - second.x - second.width)) <= delta
            && Double(abs(first.y + first.height - second.y - second.height)) <= delta
    }

    /// Connected components of the similarity graph (union–find, labels in order of first appearance).
    static func partition(_ rectangles: [FaceRectangle], eps: Double) -> (labels: [Int], classCount: Int) {
        var parent = Array(0..<rectangles.count)
        func root(_ start: Int) -> Int {
            var node = start
            while parent[node] != node { node = parent[node] }
            var walker = start
            while parent[walker] != node {
                let next = parent[walker]
                parent[walker] = node
                walker = next
            }
            return node
        }
        for first in 0..<rectangles.count {
            for second in (first + 1)..<max(rectangles.count, first + 1) where areSimilar(rectangles[first], rectangles[second], eps: eps) {
                let rootFirst = root(first), rootSecond = root(second)
                if rootFirst != rootSecond { parent[max(rootFirst, rootSecond)] = min(rootFirst, rootSecond) }
            }
        }
        var labelOfRoot: [Int: Int] = [:]
        var labels = [Int](repeating: 0, count: rectangles.count)
        for index in 0..<rectangles.count {
            let representative = root(index)
            if let label = labelOfRoot[representative] {
                labels[index] = label
            } else {
                labels[index] = labelOfRoot.count
                labelOfRoot[representative] = labels[index]
            }
        }
        return (labels, labelOfRoot.count)
    }
}
