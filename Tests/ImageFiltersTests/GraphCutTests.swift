import Foundation
import ImageFilters
import Testing

/// A small random graph with its terminal and edge capacities, solvable by enumeration.
private struct SmallGraph {
    var nodeCount: Int
    var source: [Double]
    var sink: [Double]
    var edges: [(from: Int, to: Int, forward: Double, backward: Double)]

    init(nodeCount: Int, seed: UInt64) {
        var state = seed
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 33) / Double(1 << 31)
        }
        self.nodeCount = nodeCount
        source = (0..<nodeCount).map { _ in next() < 0.4 ? (next() * 10).rounded() : 0 }
        sink = (0..<nodeCount).map { _ in next() < 0.4 ? (next() * 10).rounded() : 0 }
        edges = []
        for from in 0..<nodeCount {
            for to in (from + 1)..<nodeCount where next() < 0.45 {
                edges.append((from, to, (next() * 6).rounded(), next() < 0.5 ? 0 : (next() * 6).rounded()))
            }
        }
    }

    /// Cost of the cut that puts the nodes with `sourceSide` bits on the source side.
    func cost(_ sourceSide: (Int) -> Bool) -> Double {
        var total = 0.0
        for node in 0..<nodeCount { total += sourceSide(node) ? sink[node] : source[node] }
        for edge in edges {
            if sourceSide(edge.from) && !sourceSide(edge.to) { total += edge.forward }
            if sourceSide(edge.to) && !sourceSide(edge.from) { total += edge.backward }
        }
        return total
    }

    var graph: MaxFlowGraph {
        var graph = MaxFlowGraph(nodeCount: nodeCount)
        for node in 0..<nodeCount { graph.addTerminalCapacities(node: node, source: source[node], sink: sink[node]) }
        for edge in edges { graph.addEdge(from: edge.from, to: edge.to, capacity: edge.forward, reverseCapacity: edge.backward) }
        return graph
    }
}

@Suite struct MaxFlowGraphTests {
    @Test func maximumFlowEqualsTheMinimumCutFoundByEnumeration() {
        for seed in 1...150 {
            let small = SmallGraph(nodeCount: 3 + Int(seed % 8), seed: UInt64(seed))
            var minimum = Double.infinity
            for bits in 0..<(1 << small.nodeCount) { minimum = min(minimum, small.cost { bits & (1 << $0) != 0 }) }
            var graph = small.graph
            let flow = graph.maximumFlow()
            #expect(abs(flow - minimum) < 1e-9, "seed \(seed): flow \(flow), minimum cut \(minimum)")
            let solved = graph
            #expect(abs(small.cost { solved.isSourceSide($0) } - minimum) < 1e-9, "seed \(seed): the returned cut is not minimal")
        }
    }

    @Test func aChainIsCutAtItsWeakestLink() {
        var graph = MaxFlowGraph(nodeCount: 4)
        graph.addTerminalCapacities(node: 0, source: 100, sink: 0)
        graph.addTerminalCapacities(node: 3, source: 0, sink: 100)
        for (node, capacity) in [5.0, 2, 7].enumerated() {
            graph.addEdge(from: node, to: node + 1, capacity: capacity, reverseCapacity: capacity)
        }
        #expect(graph.maximumFlow() == 2)
        #expect((0..<4).map { graph.isSourceSide($0) } == [true, true, false, false])
    }
}

@Suite struct GrabCutTests {
    /// A 48×40 picture: a reddish disc with texture on a two-tone bluish background, and its true mask.
    private func discPicture() -> (planes: [Plane], truth: [Bool]) {
        let width = 48, height = 40
        var values = [[Float]](repeating: [Float](repeating: 0, count: width * height), count: 3)
        var truth = [Bool](repeating: false, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let index = y * width + x
                let dx = Double(x) - 22, dy = Double(y) - 21
                let inside = dx * dx + dy * dy < 12 * 12
                truth[index] = inside
                let texture = Float((x * 7 + y * 13) % 5) * 0.02
                let colour: [Float] =
                    inside ? [0.8 + texture, 0.35, 0.25 + texture] : (x < 30 ? [0.2, 0.3 + texture, 0.7] : [0.3, 0.55, 0.45 + texture])
                for channel in 0..<3 { values[channel][index] = colour[channel] }
            }
        }
        return (values.map { Plane(width: width, height: height, values: $0) }, truth)
    }

    private func iou(_ a: [Bool], _ b: [Bool]) -> Double {
        let intersection = zip(a, b).filter { $0 && $1 }.count, union = zip(a, b).filter { $0 || $1 }.count
        return Double(intersection) / Double(max(union, 1))
    }

    @Test func aRectangleAroundTheObjectSegmentsIt() throws {
        let (planes, truth) = discPicture()
        let trimap = (0..<truth.count).map { index -> TrimapLabel in
            let x = index % 48, y = index / 48
            return (6...40).contains(x) && (5...37).contains(y) ? .probableForeground : .background
        }
        let result = try GrabCut().segment(image: planes, trimap: trimap)
        #expect(iou(result.mask, truth) > 0.97)
    }

    @Test func certainLabelsAreKept() throws {
        let (planes, truth) = discPicture()
        var trimap = truth.map { $0 ? TrimapLabel.probableForeground : .probableBackground }
        trimap[0] = .foreground
        trimap[22 + 21 * 48] = .background
        let result = try GrabCut().segment(image: planes, trimap: trimap)
        #expect(result.mask[0] && !result.mask[22 + 21 * 48])
    }

    @Test func theTemporalTermHoldsTheLastFramesLabelsWhereColoursAreAmbiguous() throws {
        let grey = (0..<3).map { _ in Plane(width: 16, height: 16, value: 0.5) }
        var trimap = [TrimapLabel](repeating: .probableBackground, count: 256)
        trimap[0] = .background
        trimap[255] = .foreground
        let previousMask = (0..<256).map { $0 % 16 >= 8 }
        let (planes, _) = discPicture()
        let seeded = try GrabCut().segment(
            image: planes, trimap: discPicture().truth.map { $0 ? .probableForeground : .probableBackground })
        let previous = GrabCut.Result(mask: previousMask, foreground: seeded.foreground, background: seeded.background)
        let held = try GrabCut(smoothness: 5, temporalWeight: 5).segment(image: grey, trimap: trimap, previous: previous)
        let agreeing = zip(held.mask, previousMask).filter { $0 == $1 }.count
        #expect(agreeing >= 250, "a flat picture keeps the previous mask (\(agreeing) of 256 agree)")
    }

    @Test func aTrimapWithOneSideOnlyIsRefused() {
        let (planes, _) = discPicture()
        #expect(throws: GrabCutError.self) {
            try GrabCut().segment(image: planes, trimap: [TrimapLabel](repeating: .probableForeground, count: 48 * 40))
        }
    }
}
