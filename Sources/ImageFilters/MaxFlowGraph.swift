/// A minimum s-t cut / maximum flow of a graph with terminal links, by the Boykov–Kolmogorov
/// algorithm ("An Experimental Comparison of Min-Cut/Max-Flow Algorithms for Energy Minimization in
/// Vision", PAMI 2004): two search trees grown from the source and the sink, augmenting paths where
/// they meet, and orphan adoption instead of restarting the searches. On image grids it is far
/// faster than generic max-flow algorithms, which is why graph-cut segmentation (GrabCut) uses it.
///
/// Nodes are `0..<nodeCount`. Terminal capacities say what it costs to cut a node from the source
/// (it ends on the sink side) and from the sink; edges have a capacity in each direction. All
/// capacities must be finite and ≥ 0.
public struct MaxFlowGraph: Sendable {
    /// Which search tree a node belongs to.
    private enum Tree: UInt8 { case free, source, sink }
    /// Parent markers besides an edge index: the node hangs directly from its terminal, lost its
    /// parent in an augmentation, or has none (free).
    private static let terminal: Int32 = -1, orphan: Int32 = -2, none: Int32 = -3

    /// Number of nodes.
    public let nodeCount: Int
    /// Residual terminal capacity: > 0 from the source, < 0 to the sink.
    private var terminalResidual: [Double]
    private var edgeHead: [Int32] = []
    private var edgeNext: [Int32] = []
    private var edgeResidual: [Double] = []
    private var firstEdge: [Int32]
    private var tree: [Tree]
    private var parent: [Int32]
    private var timestamp: [Int]
    private var distance: [Int]
    private var flow = 0.0
    private var solved = false

    /// A graph of `nodeCount` nodes without edges.
    public init(nodeCount: Int) {
        self.nodeCount = nodeCount
        terminalResidual = [Double](repeating: 0, count: nodeCount)
        firstEdge = [Int32](repeating: -1, count: nodeCount)
        tree = [Tree](repeating: .free, count: nodeCount)
        parent = [Int32](repeating: Self.none, count: nodeCount)
        timestamp = [Int](repeating: 0, count: nodeCount)
        distance = [Int](repeating: 0, count: nodeCount)
    }

    /// Adds the cost of cutting `node` from the source (`source`) and from the sink (`sink`).
    /// Only the difference matters to the cut; the common part is counted in the flow at once.
    public mutating func addTerminalCapacities(node: Int, source: Double, sink: Double) {
        let shared = min(source, sink)
        flow += shared
        terminalResidual[node] += source - sink
    }

    /// Adds an edge between two distinct nodes with a capacity from `from` to `to` and one back.
    public mutating func addEdge(from: Int, to: Int, capacity: Double, reverseCapacity: Double) {
        precondition(from != to, "an edge joins two distinct nodes")
        let forward = Int32(edgeHead.count)
        edgeHead.append(Int32(to))
        edgeNext.append(firstEdge[from])
        edgeResidual.append(capacity)
        firstEdge[from] = forward
        edgeHead.append(Int32(from))
        edgeNext.append(firstEdge[to])
        edgeResidual.append(reverseCapacity)
        firstEdge[to] = forward + 1
    }

    /// The edge in the opposite direction of `edge` (edges are stored in pairs).
    @inline(__always) private static func sister(_ edge: Int32) -> Int32 { edge ^ 1 }

    /// Computes the maximum flow (= the minimum cut's cost); afterwards `isSourceSide` tells the cut.
    public mutating func maximumFlow() -> Double {
        precondition(!solved, "maximumFlow runs once per graph")
        solved = true
        var active = ActiveQueue(nodeCount: nodeCount)
        for node in 0..<nodeCount where terminalResidual[node] != 0 {
            tree[node] = terminalResidual[node] > 0 ? .source : .sink
            parent[node] = Self.terminal
            active.push(node)
        }
        var time = 0
        var orphans: [Int] = []
        while let node = active.pop() {
            guard tree[node] != .free, parent[node] != Self.none else { continue }
            guard let middle = grow(from: node, active: &active) else { continue }
            time += 1
            augment(through: middle, orphans: &orphans)
            while let orphanNode = orphans.popLast() {
                adopt(orphanNode, time: time, active: &active, orphans: &orphans)
            }
            if tree[node] != .free { active.push(node) }
        }
        return flow
    }

    /// After `maximumFlow`: whether `node` stays on the source side of the minimum cut.
    public func isSourceSide(_ node: Int) -> Bool { tree[node] == .source }

    /// Grows the tree of `node` over its free neighbours; returns the edge, directed from the
    /// source tree to the sink tree, where the two trees meet.
    private mutating func grow(from node: Int, active: inout ActiveQueue) -> Int32? {
        var edge = firstEdge[node]
        while edge >= 0 {
            let neighbour = Int(edgeHead[Int(edge)])
            if tree[node] == .source {
                if edgeResidual[Int(edge)] > 0 {
                    if tree[neighbour] == .free {
                        tree[neighbour] = .source
                        parent[neighbour] = Self.sister(edge)
                        timestamp[neighbour] = timestamp[node]
                        distance[neighbour] = distance[node] + 1
                        active.push(neighbour)
                    } else if tree[neighbour] == .sink {
                        return edge
                    }
                }
            } else if edgeResidual[Int(Self.sister(edge))] > 0 {
                if tree[neighbour] == .free {
                    tree[neighbour] = .sink
                    parent[neighbour] = Self.sister(edge)
                    timestamp[neighbour] = timestamp[node]
                    distance[neighbour] = distance[node] + 1
                    active.push(neighbour)
                } else if tree[neighbour] == .source {
                    return Self.sister(edge)
                }
            }
            edge = edgeNext[Int(edge)]
        }
        return nil
    }

    /// Pushes the bottleneck flow along source → `middle` → sink; nodes whose parent link
    /// saturates become orphans.
    private mutating func augment(through middle: Int32, orphans: inout [Int]) {
        let sourceEnd = Int(edgeHead[Int(Self.sister(middle))]), sinkEnd = Int(edgeHead[Int(middle)])
        var bottleneck = edgeResidual[Int(middle)]
        var node = sourceEnd
        while parent[node] != Self.terminal {
            let edge = parent[node]
            bottleneck = min(bottleneck, edgeResidual[Int(Self.sister(edge))])
            node = Int(edgeHead[Int(edge)])
        }
        bottleneck = min(bottleneck, terminalResidual[node])
        node = sinkEnd
        while parent[node] != Self.terminal {
            let edge = parent[node]
            bottleneck = min(bottleneck, edgeResidual[Int(edge)])
            node = Int(edgeHead[Int(edge)])
        }
        bottleneck = min(bottleneck, -terminalResidual[node])

        edgeResidual[Int(Self.sister(middle))] += bottleneck
        edgeResidual[Int(middle)] -= bottleneck
        node = sourceEnd
        while parent[node] != Self.terminal {
            let edge = parent[node]
            edgeResidual[Int(edge)] += bottleneck
            edgeResidual[Int(Self.sister(edge))] -= bottleneck
            let next = Int(edgeHead[Int(edge)])
            if edgeResidual[Int(Self.sister(edge))] <= 0 {
                parent[node] = Self.orphan
                orphans.append(node)
            }
            node = next
        }
        terminalResidual[node] -= bottleneck
        if terminalResidual[node] <= 0 {
            parent[node] = Self.orphan
            orphans.append(node)
        }
        node = sinkEnd
        while parent[node] != Self.terminal {
            let edge = parent[node]
            edgeResidual[Int(Self.sister(edge))] += bottleneck
            edgeResidual[Int(edge)] -= bottleneck
            let next = Int(edgeHead[Int(edge)])
            if edgeResidual[Int(edge)] <= 0 {
                parent[node] = Self.orphan
                orphans.append(node)
            }
            node = next
        }
        terminalResidual[node] += bottleneck
        if terminalResidual[node] >= 0 {
            parent[node] = Self.orphan
            orphans.append(node)
        }
        flow += bottleneck
    }

    /// Whether `edge` (from a node to a neighbour in the same tree) can carry that tree's flow.
    private func carries(_ edge: Int32, in side: Tree) -> Bool {
        side == .source ? edgeResidual[Int(Self.sister(edge))] > 0 : edgeResidual[Int(edge)] > 0
    }

    /// Finds `node` a new parent in its tree whose path reaches the terminal (preferring the
    /// shortest), or frees it and orphans its children.
    private mutating func adopt(_ node: Int, time: Int, active: inout ActiveQueue, orphans: inout [Int]) {
        let side = tree[node]
        var best: Int32 = Self.none
        var bestDistance = Int.max
        var edge = firstEdge[node]
        while edge >= 0 {
            let candidate = Int(edgeHead[Int(edge)])
            if tree[candidate] == side, carries(edge, in: side), let length = terminalDistance(from: candidate, time: time) {
                if length < bestDistance {
                    best = edge
                    bestDistance = length
                }
                var marked = candidate
                var remaining = length
                while timestamp[marked] != time {
                    timestamp[marked] = time
                    distance[marked] = remaining
                    remaining -= 1
                    let step = parent[marked]
                    if step < 0 { break }
                    marked = Int(edgeHead[Int(step)])
                }
            }
            edge = edgeNext[Int(edge)]
        }
        if best != Self.none {
            parent[node] = best
            timestamp[node] = time
            distance[node] = bestDistance + 1
            return
        }
        edge = firstEdge[node]
        while edge >= 0 {
            let neighbour = Int(edgeHead[Int(edge)])
            if tree[neighbour] == side {
                if carries(edge, in: side) { active.push(neighbour) }
                let neighbourParent = parent[neighbour]
                if neighbourParent >= 0, Int(edgeHead[Int(neighbourParent)]) == node {
                    parent[neighbour] = Self.orphan
                    orphans.append(neighbour)
                }
            }
            edge = edgeNext[Int(edge)]
        }
        tree[node] = .free
        parent[node] = Self.none
    }

    /// Steps from `start` to its terminal through parents, or nil when the path ends at an orphan.
    /// Nodes checked during this adoption round (`timestamp == time`) end the walk early.
    private func terminalDistance(from start: Int, time: Int) -> Int? {
        var node = start
        var steps = 0
        while true {
            if timestamp[node] == time { return steps + distance[node] }
            let edge = parent[node]
            steps += 1
            if edge == Self.terminal { return steps }
            if edge < 0 { return nil }
            node = Int(edgeHead[Int(edge)])
        }
    }

    /// First-in first-out queue of nodes to grow from, each node at most once.
    private struct ActiveQueue {
        private var queue: [Int] = []
        private var head = 0
        private var queued: [Bool]

        init(nodeCount: Int) { queued = [Bool](repeating: false, count: nodeCount) }

        mutating func push(_ node: Int) {
            guard !queued[node] else { return }
            queued[node] = true
            queue.append(node)
        }

        mutating func pop() -> Int? {
            guard head < queue.count else { return nil }
            let node = queue[head]
            head += 1
            queued[node] = false
            if head > 4096, head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
            return node
        }
    }
}
