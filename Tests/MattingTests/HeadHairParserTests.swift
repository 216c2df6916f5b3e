import Geometry
import HeadModel
import Testing

@testable import Matting

@Suite struct HeadHairParserTests {
    static let model = ProceduralHeadBuilder.build()

    /// A frontal view of the neutral head, with a hair blob around the top of the head and a body block below.
    func scene() -> (alpha: [Float], head: [Bool], hair: [Bool], body: [Bool], fragments: RasterFragments, width: Int, height: Int) {
        let width = 96, height = 96
        let camera = PinholeCamera(
            id: "front", width: width, height: height, horizontalFieldOfView: 0.5,
            eye: SIMD3(0, 0.0, 1.0), target: SIMD3(0, 0.0, 0))
        let fragments = MeshRasterizer().rasterize(positions: Self.model.templatePositions, triangles: Self.model.triangles, camera: camera)
        let parts = HeadHairParser.triangleParts(model: Self.model, scalpIsHead: false)
        var head = [Bool](repeating: false, count: width * height), hair = head, body = head
        let covered = fragments.triangleIndex.map { $0 >= 0 }
        let topOfHead = (0..<height).first { y in (0..<width).contains { covered[y * width + $0] } } ?? 0
        let bottom = (0..<height).last { y in (0..<width).contains { covered[y * width + $0] } } ?? height
        for y in 0..<height {
            for x in 0..<width {
                let pixel = y * width + x
                if covered[pixel] {
                    switch parts[Int(fragments.triangleIndex[pixel])] {
                    case .head: head[pixel] = true
                    case .hair: hair[pixel] = true
                    default: body[pixel] = true
                    }
                } else {
                    let dx = Double(x - width / 2), dy = Double(y - topOfHead - 14)
                    if dx * dx / (30 * 30) + dy * dy / (20 * 20) < 1 { hair[pixel] = true }
                    if y > bottom - 4 && abs(x - width / 2) < 40 { body[pixel] = true }
                }
            }
        }
        let alpha = (0..<(width * height)).map { head[$0] || hair[$0] || body[$0] ? Float(1) : 0 }
        return (alpha, head, hair, body, fragments, width, height)
    }

    func iou(_ mask: [Float], _ truth: [Bool]) -> Double {
        var intersection = 0, union = 0
        for (value, expected) in zip(mask, truth) {
            if value > 0.5 && expected { intersection += 1 }
            if value > 0.5 || expected { union += 1 }
        }
        return Double(intersection) / Double(max(union, 1))
    }

    @Test func foregroundIsSplitIntoHeadHairAndBody() {
        let scene = scene()
        let guide = [[Float]](repeating: scene.alpha, count: 3)
        let masks = HeadHairParser().parse(
            alpha: scene.alpha, guide: guide, width: scene.width, height: scene.height,
            fragments: scene.fragments, triangleParts: HeadHairParser.triangleParts(model: Self.model, scalpIsHead: false))
        #expect(iou(masks[0], scene.head) > 0.9)
        #expect(iou(masks[1], scene.hair) > 0.8)
        #expect(iou(masks[2], scene.body) > 0.8)
        for pixel in scene.alpha.indices {
            #expect(abs(masks[0][pixel] + masks[1][pixel] + masks[2][pixel] - scene.alpha[pixel]) < 1e-4)
        }
    }

    @Test func nearestSeedPropagatesLabels() {
        let seeds: [HeadHairParser.Part] = [.head, .none, .none, .none, .body]
        #expect(HeadHairParser.nearestSeedParts(seeds, width: 5, height: 1) == [.head, .head, .head, .body, .body])
    }
}
