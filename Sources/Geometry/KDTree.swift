/// A static 3D k-d tree for k-nearest-neighbour queries over a point set (median splits on the
/// axis of largest extent; leaves hold up to `leafSize` points).
public struct KDTree: Sendable {
    /// The indexed points, in the caller's order.
    public let points: [SIMD3<Float>]
    /// Point indices permuted so that every node covers a contiguous range.
    let order: [Int32]
    /// Nodes in depth-first order.
    let nodes: [Node]
    static let leafSize = 8

    struct Node: Sendable {
        var start: Int32
        var end: Int32
        var axis: Int8
        var split: Float
        var left: Int32
        var right: Int32
    }

    /// Builds the tree (O(n log² n)).
    public init(points: [SIMD3<Float>]) {
        self.points = points
        var order = (0..<Int32(points.count)).map { $0 }
        var nodes: [Node] = []
        nodes.reserveCapacity(max(1, 2 * points.count / KDTree.leafSize + 1))
        func build(_ start: Int, _ end: Int) -> Int32 {
            let index = Int32(nodes.count)
            nodes.append(Node(start: Int32(start), end: Int32(end), axis: -1, split: 0, left: -1, right: -1))
            guard end - start > KDTree.leafSize else { return index }
            var lo = points[Int(order[start])], hi = lo
            for k in start..<end {
                lo = pointwiseMin(lo, points[Int(order[k])])
                hi = pointwiseMax(hi, points[Int(order[k])])
            }
            let extent = hi - lo
            let axis = extent.x >= extent.y && extent.x >= extent.z ? 0 : (extent.y >= extent.z ? 1 : 2)
            order[start..<end].sort { points[Int($0)][axis] < points[Int($1)][axis] }
            let mid = (start + end) / 2
            nodes[Int(index)].axis = Int8(axis)
            nodes[Int(index)].split = points[Int(order[mid])][axis]
            let left = build(start, mid)
            let right = build(mid, end)
            nodes[Int(index)].left = left
            nodes[Int(index)].right = right
            return index
        }
        if !points.isEmpty { _ = build(0, points.count) }
        self.order = order
        self.nodes = nodes
    }

    /// The `k` nearest points to `query` as (index, squared distance), nearest first; fewer
    /// when the tree holds fewer than `k` points. Ties are broken by the smaller index.
    public func nearest(to query: SIMD3<Float>, k: Int) -> [(index: Int, squaredDistance: Float)] {
        guard k > 0, !nodes.isEmpty else { return [] }
        var best: [(index: Int, squaredDistance: Float)] = []
        best.reserveCapacity(k + 1)
        func consider(_ index: Int, _ d2: Float) {
            if best.count == k, let last = best.last,
                d2 > last.squaredDistance || (d2 == last.squaredDistance && index > last.index)
            {
                return
            }
            var position = best.count
            while position > 0,
                best[position - 1].squaredDistance > d2
                    || (best[position - 1].squaredDistance == d2 && best[position - 1].index > index)
            {
                position -= 1
            }
            best.insert((index, d2), at: position)
            if best.count > k { best.removeLast() }
        }
        func search(_ nodeIndex: Int32) {
            let node = nodes[Int(nodeIndex)]
            if node.axis < 0 {
                for k in Int(node.start)..<Int(node.end) {
                    let index = Int(order[k])
                    let d = points[index] - query
                    consider(index, simdDot(d, d))
                }
                return
            }
            let delta = query[Int(node.axis)] - node.split
            let (near, far) = delta < 0 ? (node.left, node.right) : (node.right, node.left)
            search(near)
            if best.count < k || delta * delta <= best[best.count - 1].squaredDistance { search(far) }
        }
        search(0)
        return best
    }
}
