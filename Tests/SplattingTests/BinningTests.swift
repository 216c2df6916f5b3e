import Testing

@testable import Splatting

struct BinningTests {
    @Test func tileListsHoldEveryOverlappingGaussianInDepthOrderWithAnyWorkerCount() throws {
        // Enough Gaussians that binning counts and scatters in several parallel parts.
        let scene = TestScenes.scene(
            count: 14_000, appearance: .features(channels: 1), seed: 21,
            logScale: -4 ... -3)
        let camera = TestScenes.camera(width: 64, height: 48)
        let single = try GaussianRasterizer(workers: 1).render(scene: scene, camera: camera).binning
        let parallel = try GaussianRasterizer(workers: 3).render(scene: scene, camera: camera).binning
        try #require(single.order.count > 3 * 4096, "binning must run in three parts")
        #expect(parallel.order == single.order)
        #expect(parallel.ranges == single.ranges)
        #expect(parallel.list == single.list)

        let size = TileBinning.tileSize
        var expectedEntries = 0
        for rank in single.projected.indices {
            let p = single.projected[rank]
            expectedEntries += (Int(p.xMax) / size - Int(p.xMin) / size + 1) * (Int(p.yMax) / size - Int(p.yMin) / size + 1)
            if rank > 0 { #expect(single.projected[rank - 1].depth <= p.depth) }
        }
        #expect(single.list.count == expectedEntries)
        for tile in 0..<(single.tilesX * single.tilesY) {
            let entries = single.list[Int(single.ranges[tile])..<Int(single.ranges[tile + 1])].map(Int.init)
            #expect(zip(entries, entries.dropFirst()).allSatisfy { $0 < $1 }, "tile \(tile) out of depth order")
            let tx = tile % single.tilesX, ty = tile / single.tilesX
            let misplaced = entries.filter { rank in
                let p = single.projected[rank]
                return Int(p.xMin) / size > tx || Int(p.xMax) / size < tx || Int(p.yMin) / size > ty || Int(p.yMax) / size < ty
            }
            #expect(misplaced.isEmpty, "tile \(tile) lists Gaussians whose box misses it")
        }
    }
}
