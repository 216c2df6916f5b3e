/// Tile binning: for every 16×16 tile, the list of Gaussians overlapping it in front-to-back order.
///
/// The reference rasteriser sorts one 64-bit key `(tile << 32) | depthBits` per (Gaussian, tile)
/// pair. Here the same order is produced in two linear passes: an LSD radix sort of the visible
/// Gaussians by depth bits (positive floats order as unsigned integers; stable, so ties keep index
/// order), then a stable counting-sort scatter into tiles, so each tile's list stays depth-sorted.
///
/// The visible Gaussians' projected records are gathered in depth order (`projected[rank]`) and the
/// tile lists hold these ranks, not Gaussian indices: a tile then reads its Gaussians (and, through
/// `order`, their features and gradient slots) at increasing addresses instead of at random, which
/// keeps the tile kernels out of cache misses.
struct TileBinning: Sendable {
    /// Tile edge length in pixels.
    static let tileSize = 16
    /// Tiles per row and column.
    var tilesX: Int, tilesY: Int
    /// `ranges[t]..<ranges[t+1]` is tile t's slice of `list`.
    var ranges: [Int32]
    /// Depth ranks, grouped by tile, front to back within a tile.
    var list: [Int32]
    /// The Gaussian index of each depth rank (visible Gaussians only, front to back).
    var order: [Int32]
    /// The projected records of the visible Gaussians in depth order (`projected[rank]`).
    var projected: [ProjectedGaussian]

    init(projected source: UnsafeBufferPointer<ProjectedGaussian>, width: Int, height: Int, workers: Int) {
        let size = TileBinning.tileSize
        tilesX = (width + size - 1) / size
        tilesY = (height + size - 1) / size
        let tileCount = tilesX * tilesY
        var keys = [UInt32](), order = [Int32]()
        keys.reserveCapacity(source.count)
        order.reserveCapacity(source.count)
        for index in 0..<source.count where source[index].isVisible {
            keys.append(source[index].depth.bitPattern)
            order.append(Int32(index))
        }
        TileBinning.radixSort(keys: &keys, values: &order)
        // Gathered in parallel: the reads are at random indices, so their latency dominates.
        let sorted = [ProjectedGaussian](unsafeUninitializedCapacity: order.count) { target, initialized in
            let shared = SharedPointer(target.baseAddress ?? UnsafeMutablePointer(bitPattern: 64)!)
            order.withUnsafeBufferPointer { order in
                ParallelLoop.forEachChunk(order.count, workers: workers, minimumChunk: 4096) { _, ranks in
                    for rank in ranks { (shared + rank).initialize(to: source[Int(order[rank])]) }
                }
            }
            initialized = order.count
        }
        // Counting sort into tiles, in parallel over contiguous rank ranges ("parts"): part w's
        // entries of a tile follow those of parts < w, so each tile's list stays in rank order.
        let tilesX = self.tilesX
        let visible = sorted.count
        let parts = max(1, min(workers, visible / 4096))
        var partCounts = [Int32](repeating: 0, count: parts * tileCount)
        sorted.withUnsafeBufferPointer { sorted in
            partCounts.withUnsafeMutableBufferPointer { partCounts in
                let shared = SharedPointer(partCounts.baseAddress!)
                ParallelLoop.forEachWorker(parts) { part in
                    let counts = shared + part * tileCount
                    for p in sorted[(visible * part / parts)..<(visible * (part + 1) / parts)] {
                        let tx0 = Int(p.xMin) / size, tx1 = Int(p.xMax) / size
                        let ty0 = Int(p.yMin) / size, ty1 = Int(p.yMax) / size
                        for ty in ty0...ty1 {
                            for tx in tx0...tx1 { counts[ty * tilesX + tx] += 1 }
                        }
                    }
                }
            }
        }
        // ranges[t] = entries of all tiles before t; partCounts becomes each part's write cursor.
        var ranges = [Int32](repeating: 0, count: tileCount + 1)
        var total: Int32 = 0
        for tile in 0..<tileCount {
            ranges[tile] = total
            for part in 0..<parts {
                let count = partCounts[part * tileCount + tile]
                partCounts[part * tileCount + tile] = total
                total += count
            }
        }
        ranges[tileCount] = total
        self.ranges = ranges
        list = [Int32](unsafeUninitializedCapacity: Int(total)) { list, initialized in
            let target = SharedPointer(list.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!)
            sorted.withUnsafeBufferPointer { sorted in
                partCounts.withUnsafeMutableBufferPointer { partCounts in
                    let cursors = SharedPointer(partCounts.baseAddress!)
                    ParallelLoop.forEachWorker(parts) { part in
                        let cursor = cursors + part * tileCount
                        for rank in (visible * part / parts)..<(visible * (part + 1) / parts) {
                            let p = sorted[rank]
                            let tx0 = Int(p.xMin) / size, tx1 = Int(p.xMax) / size
                            let ty0 = Int(p.yMin) / size, ty1 = Int(p.yMax) / size
                            for ty in ty0...ty1 {
                                for tx in tx0...tx1 {
                                    let tile = ty * tilesX + tx
                                    target[Int(cursor[tile])] = Int32(rank)
                                    cursor[tile] += 1
                                }
                            }
                        }
                    }
                }
            }
            initialized = Int(total)
        }
        self.order = order
        self.projected = sorted
    }

    /// Stable least-significant-digit radix sort of 32-bit keys (4 passes of 8 bits), carrying values.
    static func radixSort(keys: inout [UInt32], values: inout [Int32]) {
        let n = keys.count
        guard n > 1 else { return }
        var keyBuffer = [UInt32](repeating: 0, count: n)
        var valueBuffer = [Int32](repeating: 0, count: n)
        for pass in 0..<4 {
            let shift = UInt32(pass * 8)
            var histogram = [Int](repeating: 0, count: 257)
            keys.withUnsafeBufferPointer { source in
                for key in source { histogram[Int((key >> shift) & 0xFF) + 1] += 1 }
            }
            if histogram.contains(n) { continue }
            for bucket in 0..<256 { histogram[bucket + 1] += histogram[bucket] }
            keys.withUnsafeBufferPointer { sourceKeys in
                values.withUnsafeBufferPointer { sourceValues in
                    keyBuffer.withUnsafeMutableBufferPointer { targetKeys in
                        valueBuffer.withUnsafeMutableBufferPointer { targetValues in
                            for index in 0..<n {
                                let key = sourceKeys[index]
                                let bucket = Int((key >> shift) & 0xFF)
                                let target = histogram[bucket]
                                histogram[bucket] = target + 1
                                targetKeys[target] = key
                                targetValues[target] = sourceValues[index]
                            }
                        }
                    }
                }
            }
            swap(&keys, &keyBuffer)
            swap(&values, &valueBuffer)
        }
    }
}
