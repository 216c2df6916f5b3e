import Geometry
import HeadModel

/// Splits a foreground matte into head, hair and body using the fitted head mesh (HHAvatar's
/// occlusion-aware supervision without a learned parser).
///
/// The fitted mesh is rasterised; its face, eyes, mouth and ears (and, optionally, the scalp) are
/// the head. Every other foreground pixel takes the class of the nearest rasterised mesh pixel:
/// nearest to the neck → body, nearest to any head region → hair (hair hangs around the scalp and
/// beside the face). The three soft masks are then refined with the colour guided filter and
/// normalised so head + hair + body = alpha.
struct HeadHairParser: Sendable {
    /// Label of a pixel.
    enum Part: UInt8 {
        case none = 0
        case head, hair, body
    }

    /// Count the rasterised scalp as head (bald subjects) instead of hair.
    var scalpIsHead = false
    /// Guided filter radius in pixels.
    var guidedRadius = 3
    /// Guided filter ε.
    var guidedEpsilon: Float = 1e-3

    /// The part each rasterised mesh pixel belongs to, from its triangle's majority region.
    static func triangleParts(model: HeadModel, scalpIsHead: Bool) -> [Part] {
        model.triangles.map { triangle in
            let regions = [triangle.x, triangle.y, triangle.z].map { model.vertexRegions[Int($0)] }
            let region = regions[1] == regions[2] ? regions[1] : regions[0]
            switch region {
            case .neck: return .body
            case .scalp: return scalpIsHead ? .head : .hair
            default: return .head
            }
        }
    }

    /// Soft head, hair and body masks (each in [0, 1], summing to alpha) for one view.
    func parse(alpha: [Float], guide: [[Float]], width: Int, height: Int, fragments: RasterFragments, triangleParts: [Part]) -> [[Float]] {
        let count = width * height
        var seeds = [Part](repeating: .none, count: count)
        for pixel in 0..<count where fragments.triangleIndex[pixel] >= 0 {
            let part = triangleParts[Int(fragments.triangleIndex[pixel])]
            // Rasterised scalp counts as hair only where it is foreground (hair covers it).
            seeds[pixel] = part
        }
        let nearest = Self.nearestSeedParts(seeds, width: width, height: height)
        var hard = [[Float]](repeating: [Float](repeating: 0, count: count), count: 3)
        for pixel in 0..<count where alpha[pixel] > 0.5 {
            var part = seeds[pixel] != .none ? seeds[pixel] : nearest[pixel]
            if part == .none { part = .hair }
            if seeds[pixel] == .none && part == .head { part = .hair }
            hard[Int(part.rawValue) - 1][pixel] = 1
        }
        let guidePlanes = guide.map { Plane(width: width, height: height, values: $0) }
        var soft = hard.map {
            GuidedFilter.apply(
                guide: guidePlanes, input: Plane(width: width, height: height, values: $0),
                radius: guidedRadius, epsilon: guidedEpsilon
            ).values
        }
        for pixel in 0..<count {
            let values = (0..<3).map { max(0, soft[$0][pixel]) }
            let total = values.reduce(0, +)
            for part in 0..<3 { soft[part][pixel] = total > 1e-6 ? alpha[pixel] * values[part] / total : 0 }
        }
        return soft
    }

    /// For every pixel, the part of the nearest seed pixel (4-connected breadth-first distance).
    static func nearestSeedParts(_ seeds: [Part], width: Int, height: Int) -> [Part] {
        var result = seeds
        var queue: [Int] = []
        queue.reserveCapacity(seeds.count)
        for pixel in seeds.indices where seeds[pixel] != .none { queue.append(pixel) }
        var head = 0
        while head < queue.count {
            let pixel = queue[head]
            head += 1
            let x = pixel % width, y = pixel / width
            for (nx, ny) in [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)] where nx >= 0 && ny >= 0 && nx < width && ny < height {
                let neighbour = ny * width + nx
                if result[neighbour] == .none {
                    result[neighbour] = result[pixel]
                    queue.append(neighbour)
                }
            }
        }
        return result
    }
}
