import Foundation

/// What is known about a pixel before segmenting (GrabCut's trimap).
public enum TrimapLabel: UInt8, Sendable {
    /// Certainly background: never foreground.
    case background
    /// Background unless colours and edges say otherwise.
    case probableBackground
    /// Foreground unless colours and edges say otherwise.
    case probableForeground
    /// Certainly foreground.
    case foreground

    /// The side the label leans to.
    public var isForeground: Bool { self == .foreground || self == .probableForeground }
}

/// Foreground/background segmentation of a colour image by iterated graph cuts over colour
/// mixture models (Rother, Kolmogorov, Blake, "GrabCut", SIGGRAPH 2004).
///
/// Each iteration assigns every pixel a component of its side's mixture, re-estimates both
/// mixtures, and solves the minimum cut of `E = Σ U(α_n, z_n) + Σ V(α_m, α_n)` (`MaxFlowGraph`),
/// where U is the mixture's negative log-likelihood and, over the 8-neighbourhood,
/// `V = γ / dist(m, n) · exp(−β ‖z_m − z_n‖²)` when labels differ, `β = 1 / (2 ⟨‖z_m − z_n‖²⟩)`.
/// Pixels labelled `.foreground`/`.background` in the trimap keep their label.
///
/// For video, `previous` carries the last frame's mask and mixtures: the mixtures start from
/// them and `temporalWeight` (nats) is charged for each pixel whose label differs from that mask.
public struct GrabCut: Sendable {
    /// Gaussians per mixture (the paper: 5).
    public var componentCount: Int
    /// Smoothness weight γ (the paper: 50).
    public var smoothness: Double
    /// Assign–estimate–cut rounds.
    public var iterations: Int
    /// Cost in nats of giving a pixel another label than in the previous frame's mask.
    public var temporalWeight: Double

    /// Creates a segmenter with the paper's settings by default.
    public init(componentCount: Int = 5, smoothness: Double = 50, iterations: Int = 3, temporalWeight: Double = 0) {
        self.componentCount = componentCount
        self.smoothness = smoothness
        self.iterations = iterations
        self.temporalWeight = temporalWeight
    }

    /// The segmentation of one image.
    public struct Result: Sendable {
        /// True where the pixel is foreground (row-major).
        public var mask: [Bool]
        /// The foreground colour mixture after the last iteration.
        public var foreground: ColourMixtureModel
        /// The background colour mixture after the last iteration.
        public var background: ColourMixtureModel

        /// Creates a result (e.g. to continue from a mask found otherwise).
        public init(mask: [Bool], foreground: ColourMixtureModel, background: ColourMixtureModel) {
            self.mask = mask
            self.foreground = foreground
            self.background = background
        }
    }

    /// Segments `image` (three planes R, G, B in [0, 1]) under `trimap` (one label per pixel).
    /// - Throws: `GrabCutError` when the trimap leaves no pixel on one side or does not match the image.
    public func segment(image: [Plane], trimap: [TrimapLabel], previous: Result? = nil) throws -> Result {
        guard image.count == 3, let width = image.first?.width, let height = image.first?.height,
            image.allSatisfy({ $0.width == width && $0.height == height }), trimap.count == width * height
        else {
            throw GrabCutError("GrabCut needs three colour planes of one size and one trimap label per pixel")
        }
        if let previous, previous.mask.count != trimap.count {
            throw GrabCutError("the previous frame's mask has \(previous.mask.count) pixels but this frame \(trimap.count)")
        }
        let pixels = width * height
        let red = image[0].values, green = image[1].values, blue = image[2].values
        let colours = (0..<pixels).map { SIMD3(Double(red[$0]), Double(green[$0]), Double(blue[$0])) }
        var mask = trimap.map(\.isForeground)
        guard mask.contains(true), mask.contains(false) else {
            throw GrabCutError("the trimap marks every pixel as \(mask[0] ? "foreground" : "background"); GrabCut needs colours of both sides")
        }
        let neighbours = Self.neighbourWeights(colours: colours, width: width, height: height, smoothness: smoothness)
        let certain = 1 + 8 * smoothness
        var foreground = previous?.foreground, background = previous?.background
        for _ in 0..<max(1, iterations) {
            foreground = Self.refit(foreground, colours: colours, select: mask, componentCount: componentCount)
            background = Self.refit(background, colours: colours, select: mask.map { !$0 }, componentCount: componentCount)
            guard let foregroundModel = foreground, let backgroundModel = background else { break }
            var graph = MaxFlowGraph(nodeCount: pixels)
            for pixel in 0..<pixels {
                switch trimap[pixel] {
                case .foreground: graph.addTerminalCapacities(node: pixel, source: certain, sink: 0)
                case .background: graph.addTerminalCapacities(node: pixel, source: 0, sink: certain)
                case .probableForeground, .probableBackground:
                    var asBackground = backgroundModel.negativeLogLikelihood(colours[pixel])
                    var asForeground = foregroundModel.negativeLogLikelihood(colours[pixel])
                    if let previous, temporalWeight > 0 {
                        if previous.mask[pixel] { asBackground += temporalWeight } else { asForeground += temporalWeight }
                    }
                    // Cutting the source link puts the pixel in the background, so it costs the background's price.
                    let floor = min(asBackground, asForeground)
                    graph.addTerminalCapacities(node: pixel, source: asBackground - floor, sink: asForeground - floor)
                }
            }
            for link in neighbours { graph.addEdge(from: link.from, to: link.to, capacity: link.weight, reverseCapacity: link.weight) }
            _ = graph.maximumFlow()
            mask = (0..<pixels).map { graph.isSourceSide($0) }
        }
        guard let foreground, let background else {
            throw GrabCutError("one side of the segmentation has no pixels left; widen the trimap's probable region")
        }
        return Result(mask: mask, foreground: foreground, background: background)
    }

    /// The mixture re-estimated on the selected colours: components assigned by the current model
    /// when it has all `componentCount` components (GrabCut's steps 1–2), else fitted afresh, so a
    /// component that lost its pixels in one frame comes back in a later one. Nil when nothing is selected.
    static func refit(_ model: ColourMixtureModel?, colours: [SIMD3<Double>], select: [Bool], componentCount: Int) -> ColourMixtureModel? {
        let chosen = zip(colours, select).filter { $0.1 }.map(\.0)
        guard !chosen.isEmpty else { return nil }
        guard let model, model.components.count == componentCount else {
            return ColourMixtureModel(fitting: chosen, componentCount: componentCount)
        }
        let assignment = chosen.map { model.mostLikelyComponent($0) }
        return ColourMixtureModel(colours: chosen, assignment: assignment, componentCount: model.components.count)
    }

    /// One undirected 8-neighbourhood link with its smoothness weight.
    struct Link {
        var from: Int
        var to: Int
        var weight: Double
        var isDiagonal: Bool
    }

    /// The links right, down, down-right and down-left of every pixel with `γ / dist · exp(−β ‖Δz‖²)`.
    static func neighbourWeights(colours: [SIMD3<Double>], width: Int, height: Int, smoothness: Double) -> [Link] {
        var links: [Link] = []
        links.reserveCapacity(width * height * 4)
        let offsets: [(dx: Int, dy: Int)] = [(1, 0), (0, 1), (1, 1), (-1, 1)]
        var total = 0.0
        for y in 0..<height {
            for x in 0..<width {
                for offset in offsets {
                    let nx = x + offset.dx, ny = y + offset.dy
                    guard nx >= 0, nx < width, ny < height else { continue }
                    let from = y * width + x, to = ny * width + nx
                    let difference = colours[from] - colours[to]
                    let squared = (difference * difference).sum()
                    total += squared
                    links.append(Link(from: from, to: to, weight: squared, isDiagonal: offset.dx != 0 && offset.dy != 0))
                }
            }
        }
        let mean = links.isEmpty ? 0 : total / Double(links.count)
        let beta = mean > 0 ? 1 / (2 * mean) : 0
        let diagonal = 1 / 2.0.squareRoot()
        for index in links.indices {
            links[index].weight = smoothness * (links[index].isDiagonal ? diagonal : 1) * exp(-beta * links[index].weight)
        }
        return links
    }
}

/// GrabCut was given inputs it cannot segment.
public struct GrabCutError: Error, CustomStringConvertible {
    /// What is wrong and what to change.
    public var message: String
    /// Creates the error.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
