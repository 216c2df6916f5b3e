import Foundation

/// Read-only inputs shared by all tiles of one render.
struct TileContext: @unchecked Sendable {
    // Pointers into arrays that outlive the parallel region and are not written during it.
    /// Projected records by depth rank (the entries of `list`).
    let projected: UnsafePointer<ProjectedGaussian>
    /// The Gaussian index of each depth rank.
    let order: UnsafePointer<Int32>
    /// Rendered features by Gaussian index.
    let colors: UnsafePointer<Float>
    let background: UnsafePointer<Float>
    let ranges: UnsafePointer<Int32>
    let list: UnsafePointer<Int32>
    let width: Int, height: Int, tilesX: Int, channels: Int
    let alphaThreshold: Float, transmittanceThreshold: Float, maxAlpha: Float

    /// Inclusive pixel bounds of a tile.
    @inline(__always) func bounds(of tile: Int) -> (x0: Int, x1: Int, y0: Int, y1: Int) {
        let size = TileBinning.tileSize
        let x0 = (tile % tilesX) * size, y0 = (tile / tilesX) * size
        return (x0, min(x0 + size, width) - 1, y0, min(y0 + size, height) - 1)
    }
}

/// Output images of the forward pass; each tile writes only its own pixels.
struct ForwardOutputs: Sendable {
    let image: SharedPointer<Float>
    let alpha: SharedPointer<Float>
    let depth: SharedPointer<Float>
    let contributors: SharedPointer<Int32>
    let finalTransmittance: SharedPointer<Float>
    let lastContributor: SharedPointer<Int32>
}

/// Inputs of the backward pass (forward state and output gradients).
struct BackwardInputs: @unchecked Sendable {
    // Pointers into arrays that outlive the parallel region and are read-only during it.
    let finalTransmittance: UnsafePointer<Float>
    let lastContributor: UnsafePointer<Int32>
    let imageGradient: UnsafePointer<Float>
    let alphaGradient: UnsafePointer<Float>
    let depthGradient: UnsafePointer<Float>
}

/// Per-worker scratch memory for one tile (allocated once per worker per pass, never per pixel).
/// Per-pixel planes hold the tile's 16×16 pixels row-major (pixel p = row·16 + column); channel
/// data is planar (`channel·planeStride + p`) so that 8 adjacent pixels are one SIMD8 vector.
struct TileScratch {
    static let pixels = TileBinning.tileSize * TileBinning.tileSize
    /// Distance between channel planes: one cache line more than a plane, so that the same pixel of
    /// consecutive channels falls into different L1 sets (with exactly 1 KiB apart, 32 channel planes
    /// share 4 sets of a 32 KiB 8-way L1 and evict each other).
    static let planeStride = pixels + 16
    let transmittance: UnsafeMutablePointer<Float>
    let depth: UnsafeMutablePointer<Float>
    /// Forward: composited features (planar).
    let accumulated: UnsafeMutablePointer<Float>
    /// Backward: Σ_c (features composited behind the current fragment)_c · dL/dout_c per pixel.
    let behindDot: UnsafeMutablePointer<Float>
    /// Contributor counts and list positions are kept as floats (exact below 2²⁴) because float
    /// lane comparisons vectorise while Int32 ones do not.
    let count: UnsafeMutablePointer<Float>
    let last: UnsafeMutablePointer<Float>
    /// 1 where the pixel stopped compositing (forward only).
    let done: UnsafeMutablePointer<Float>
    let outputGradient: UnsafeMutablePointer<Float>
    let backgroundDot: UnsafeMutablePointer<Float>
    let finalTransmittance: UnsafeMutablePointer<Float>
    let alphaGradient: UnsafeMutablePointer<Float>
    let depthGradient: UnsafeMutablePointer<Float>
    /// Per-lane feature-gradient partial sums of the current Gaussian, `channels × 8`.
    let featureGradient: UnsafeMutablePointer<Float>
    /// Backward: the screen-space gradients of the staged entries (`batch × (screenGradientWidth +
    /// channels)`), added to `gradientBuffer` once the batch is done, in one short loop whose random
    /// accesses overlap (done inside the compositing loop, each stalled it).
    let stagedGradients: UnsafeMutablePointer<Float>
    /// Backward: whether the staged entry touched any pixel (its row of `stagedGradients` is set).
    let stagedTouched: UnsafeMutablePointer<Bool>
    /// Projected records and features of up to `batch` consecutive list entries of the current tile,
    /// copied together so that their cache misses overlap instead of stalling the compositing loop.
    let stagedProjected: UnsafeMutablePointer<ProjectedGaussian>
    let stagedFeatures: UnsafeMutablePointer<Float>
    /// This worker's screen-space gradient buffer (`count × (screenGradientWidth + channels)`, rows
    /// by Gaussian index), backward only.
    let gradientBuffer: UnsafeMutablePointer<Float>?

    init(channels: Int, gradientBuffer: UnsafeMutablePointer<Float>? = nil) {
        let n = TileScratch.pixels
        transmittance = .allocate(capacity: n)
        depth = .allocate(capacity: n)
        accumulated = .allocate(capacity: TileScratch.planeStride * channels)
        behindDot = .allocate(capacity: n)
        count = .allocate(capacity: n)
        last = .allocate(capacity: n)
        done = .allocate(capacity: n)
        outputGradient = .allocate(capacity: TileScratch.planeStride * channels)
        backgroundDot = .allocate(capacity: n)
        finalTransmittance = .allocate(capacity: n)
        alphaGradient = .allocate(capacity: n)
        depthGradient = .allocate(capacity: n)
        featureGradient = .allocate(capacity: 8 * channels)
        stagedGradients = .allocate(capacity: TileScratch.batch * (TileKernels.screenGradientWidth + channels))
        stagedTouched = .allocate(capacity: TileScratch.batch)
        stagedProjected = .allocate(capacity: TileScratch.batch)
        stagedFeatures = .allocate(capacity: TileScratch.batch * channels)
        self.gradientBuffer = gradientBuffer
    }

    func deallocate() {
        for pointer in [
            transmittance, depth, accumulated, behindDot, count, last, done, outputGradient, backgroundDot,
            finalTransmittance, alphaGradient, depthGradient, featureGradient, stagedGradients, stagedFeatures,
        ] {
            pointer.deallocate()
        }
        stagedProjected.deallocate()
        stagedTouched.deallocate()
    }

    /// Adds the staged screen-space gradients of list entries `positions` (the last staged batch)
    /// into this worker's gradient buffer.
    @inline(__always)
    func flushGradients(_ positions: Range<Int>, context: TileContext) {
        let stride = TileKernels.screenGradientWidth + context.channels
        for position in positions where stagedTouched[position - positions.lowerBound] {
            let target = gradientBuffer! + Int(context.order[Int(context.list[position])]) * stride
            ChannelKernels.addScaled(target, stagedGradients + (position - positions.lowerBound) * stride, 1, stride)
        }
    }

    /// List entries staged at a time (a batch of 32 × 32 channels is 4 KiB of features).
    static let batch = 32

    /// Copies the projected records and features of list entries `positions` (at most `batch`) into
    /// the staging buffers, slot k holding entry `positions.lowerBound + k`.
    @inline(__always)
    func stage(_ positions: Range<Int>, context: TileContext) {
        let channels = context.channels
        for position in positions {
            let rank = Int(context.list[position])
            let slot = position - positions.lowerBound
            (stagedProjected + slot).initialize(to: context.projected[rank])
            let index = Int(context.order[rank])
            ChannelKernels.copy(stagedFeatures + slot * channels, context.colors + index * channels, channels)
        }
    }
}

/// The per-tile compositing loops. Within a tile the traversal is Gaussian-major (each Gaussian
/// visits the pixels of its box inside the tile, 8 adjacent pixels per SIMD vector), which gives
/// every pixel exactly the per-pixel front-to-back order of the reference while loading each
/// Gaussian once.
enum TileKernels {
    /// Screen-space gradient entries stored per Gaussian before its features:
    /// du, dv, dA, dB, dC, d(opacity), d(depth).
    static let screenGradientWidth = 7

    static func renderTile(_ tile: Int, context: TileContext, scratch: TileScratch, outputs: ForwardOutputs) {
        let (x0, x1, y0, y1) = context.bounds(of: tile)
        let size = TileBinning.tileSize
        let channels = context.channels
        let pixels = TileScratch.pixels
        scratch.transmittance.initialize(repeating: 1, count: pixels)
        scratch.depth.initialize(repeating: 0, count: pixels)
        scratch.count.initialize(repeating: 0, count: pixels)
        scratch.last.initialize(repeating: 0, count: pixels)
        scratch.done.initialize(repeating: 0, count: pixels)
        scratch.accumulated.initialize(repeating: 0, count: TileScratch.planeStride * channels)
        var active = (x1 - x0 + 1) * (y1 - y0 + 1)
        let start = Int(context.ranges[tile]), end = Int(context.ranges[tile + 1])
        let threshold = context.alphaThreshold, stopBelow = context.transmittanceThreshold, maxAlpha = context.maxAlpha
        var position = start
        var batchStart = start, batchEnd = start
        var f = FragmentMath.Fragments.empty
        while position < end && active > 0 {
            if position == batchEnd {
                batchStart = position
                batchEnd = min(position + TileScratch.batch, end)
                scratch.stage(batchStart..<batchEnd, context: context)
            }
            let slot = position - batchStart
            let g = scratch.stagedProjected[slot]
            position += 1
            let ix0 = max(Int(g.xMin), x0), ix1 = min(Int(g.xMax), x1)
            let iy0 = max(Int(g.yMin), y0), iy1 = min(Int(g.yMax), y1)
            if ix0 > ix1 || iy0 > iy1 { continue }
            let feature = scratch.stagedFeatures + slot * channels
            let listPosition = SIMD8<Float>(repeating: Float(position - start))
            let columns = FragmentMath.Columns(g, tileX: x0, columnLow: Float(ix0), columnHigh: Float(ix1))
            let firstGroup = (ix0 - x0) >> 3, lastGroup = (ix1 - x0) >> 3
            // Lanes that stopped compositing at this Gaussian (summed once per Gaussian, not per group).
            var stopped = SIMD8<Float>()
            for y in iy0...iy1 {
                let row = FragmentMath.Row(g, y: y)
                for group in firstGroup...lastGroup {
                    let p = (y - y0) * size + group * 8
                    let done = FragmentMath.load(scratch.done + p)
                    let open = done .== 0
                    // Groups whose pixels all stopped are common behind opaque regions: skip them
                    // before the fragment arithmetic.
                    if !any(open) { continue }
                    FragmentMath.fragments(
                        g, dx: group == 0 ? columns.dx.0 : columns.dx.1, inBox: group == 0 ? columns.inBox.0 : columns.inBox.1,
                        row: row, candidate: open, threshold: threshold, maxAlpha: maxAlpha, into: &f)
                    let t = FragmentMath.load(scratch.transmittance + p)
                    let next = t * (1 - f.alpha)
                    let terminate = f.valid .& (next .< stopBelow)
                    let stopping = SIMD8<Float>().replacing(with: 1, where: terminate)
                    FragmentMath.store(done + stopping, scratch.done + p)
                    stopped += stopping
                    let contribute = f.valid .& .!terminate
                    if !any(contribute) { continue }
                    let weight = (f.alpha * t).replacing(with: 0, where: .!contribute)
                    FragmentMath.store(t.replacing(with: next, where: contribute), scratch.transmittance + p)
                    FragmentMath.store(FragmentMath.load(scratch.depth + p).addingProduct(weight, g.depth), scratch.depth + p)
                    let counted = FragmentMath.load(scratch.count + p) + SIMD8<Float>().replacing(with: 1, where: contribute)
                    FragmentMath.store(counted, scratch.count + p)
                    FragmentMath.store(FragmentMath.load(scratch.last + p).replacing(with: listPosition, where: contribute), scratch.last + p)
                    var plane = scratch.accumulated + p
                    for c in 0..<channels {
                        FragmentMath.store(FragmentMath.load(plane).addingProduct(weight, feature[c]), plane)
                        plane += TileScratch.planeStride
                    }
                }
            }
            active -= Int(stopped.sum())
        }
        for y in y0...y1 {
            for x in x0...x1 {
                let p = (y - y0) * size + (x - x0)
                let pixel = y * context.width + x
                let t = scratch.transmittance[p]
                let target = outputs.image + pixel * channels
                for c in 0..<channels { target[c] = scratch.accumulated[c * TileScratch.planeStride + p] + t * context.background[c] }
                outputs.alpha[pixel] = 1 - t
                outputs.depth[pixel] = scratch.depth[p]
                outputs.contributors[pixel] = Int32(scratch.count[p])
                outputs.finalTransmittance[pixel] = t
                outputs.lastContributor[pixel] = Int32(scratch.last[p])
            }
        }
    }

    static func backwardTile(_ tile: Int, context: TileContext, scratch: TileScratch, inputs: BackwardInputs) {
        let (x0, x1, y0, y1) = context.bounds(of: tile)
        let size = TileBinning.tileSize
        let channels = context.channels
        let pixels = TileScratch.pixels
        let stride = screenGradientWidth + channels
        // The state behind the last fragment starts at zero. In a tile cut by the image border the
        // lanes outside the image stay zero so that masked arithmetic never meets garbage; a full tile
        // overwrites the other planes below.
        scratch.depth.initialize(repeating: 0, count: pixels)
        scratch.behindDot.initialize(repeating: 0, count: pixels)
        if x1 - x0 + 1 < size || y1 - y0 + 1 < size {
            for plane in [
                scratch.transmittance, scratch.finalTransmittance, scratch.alphaGradient,
                scratch.depthGradient, scratch.backgroundDot, scratch.last,
            ] {
                plane.initialize(repeating: 0, count: pixels)
            }
            scratch.outputGradient.initialize(repeating: 0, count: TileScratch.planeStride * channels)
        }
        var maxLast: Float = 0
        for y in y0...y1 {
            for x in x0...x1 {
                let p = (y - y0) * size + (x - x0)
                let pixel = y * context.width + x
                scratch.transmittance[p] = inputs.finalTransmittance[pixel]
                scratch.finalTransmittance[p] = inputs.finalTransmittance[pixel]
                scratch.last[p] = Float(inputs.lastContributor[pixel])
                maxLast = max(maxLast, scratch.last[p])
                scratch.alphaGradient[p] = inputs.alphaGradient[pixel]
                scratch.depthGradient[p] = inputs.depthGradient[pixel]
                var dot: Float = 0
                for c in 0..<channels {
                    let gradient = inputs.imageGradient[pixel * channels + c]
                    scratch.outputGradient[c * TileScratch.planeStride + p] = gradient
                    dot += context.background[c] * gradient
                }
                scratch.backgroundDot[p] = dot
            }
        }
        let start = Int(context.ranges[tile])
        let threshold = context.alphaThreshold, maxAlpha = context.maxAlpha
        var position = start + Int(maxLast)
        var batchStart = position, batchEnd = position
        var f = FragmentMath.Fragments.empty
        while position > start {
            if position == batchStart {
                scratch.flushGradients(batchStart..<batchEnd, context: context)
                batchEnd = position
                batchStart = max(start, position - TileScratch.batch)
                scratch.stage(batchStart..<batchEnd, context: context)
                scratch.stagedTouched.initialize(repeating: false, count: batchEnd - batchStart)
            }
            position -= 1
            let slot = position - batchStart
            let g = scratch.stagedProjected[slot]
            let ix0 = max(Int(g.xMin), x0), ix1 = min(Int(g.xMax), x1)
            let iy0 = max(Int(g.yMin), y0), iy1 = min(Int(g.yMax), y1)
            if ix0 > ix1 || iy0 > iy1 { continue }
            let feature = scratch.stagedFeatures + slot * channels
            let relative = SIMD8<Float>(repeating: Float(position - start))
            var du = SIMD8<Float>(), dv = SIMD8<Float>(), dA = SIMD8<Float>(), dB = SIMD8<Float>(), dC = SIMD8<Float>()
            var dOpacity = SIMD8<Float>(), dDepth = SIMD8<Float>()
            var touched = false
            let columns = FragmentMath.Columns(g, tileX: x0, columnLow: Float(ix0), columnHigh: Float(ix1))
            let firstGroup = (ix0 - x0) >> 3, lastGroup = (ix1 - x0) >> 3
            for y in iy0...iy1 {
                let row = FragmentMath.Row(g, y: y)
                let dy = row.dy
                for group in firstGroup...lastGroup {
                    let p = (y - y0) * size + group * 8
                    let contributed = relative .< FragmentMath.load(scratch.last + p)
                    // Groups whose pixels all stopped in front of this Gaussian: nothing to undo.
                    if !any(contributed) { continue }
                    FragmentMath.fragments(
                        g, dx: group == 0 ? columns.dx.0 : columns.dx.1, inBox: group == 0 ? columns.inBox.0 : columns.inBox.1,
                        row: row, candidate: contributed, threshold: threshold, maxAlpha: maxAlpha, into: &f)
                    if !any(f.valid) { continue }
                    // Invalid lanes get α = 0, which leaves every per-pixel state unchanged.
                    let alpha = f.alpha.replacing(with: 0, where: .!f.valid)
                    let keep = 1 - alpha
                    let t = FragmentMath.load(scratch.transmittance + p) / keep
                    FragmentMath.store(t, scratch.transmittance + p)
                    let weight = alpha * t
                    // Σ_c f_c·g_c; the colour behind is tracked only through its dot with g.
                    var featureDot = SIMD8<Float>()
                    var gradientPlane = scratch.outputGradient + p
                    var lanes = scratch.featureGradient
                    if touched {
                        for c in 0..<channels {
                            let gradient = FragmentMath.load(gradientPlane)
                            FragmentMath.store(FragmentMath.load(lanes).addingProduct(weight, gradient), lanes)
                            featureDot = featureDot.addingProduct(feature[c], gradient)
                            gradientPlane += TileScratch.planeStride
                            lanes += 8
                        }
                    } else {
                        // The Gaussian's first group in this tile starts the per-lane sums (no zero-fill).
                        touched = true
                        for c in 0..<channels {
                            let gradient = FragmentMath.load(gradientPlane)
                            FragmentMath.store(weight * gradient, lanes)
                            featureDot = featureDot.addingProduct(feature[c], gradient)
                            gradientPlane += TileScratch.planeStride
                            lanes += 8
                        }
                    }
                    let behindDot = FragmentMath.load(scratch.behindDot + p)
                    FragmentMath.store((alpha * featureDot).addingProduct(keep, behindDot), scratch.behindDot + p)
                    let depthGradient = FragmentMath.load(scratch.depthGradient + p)
                    let behindDepth = FragmentMath.load(scratch.depth + p)
                    var dAlpha = t * (featureDot - behindDot)
                    dAlpha +=
                        (FragmentMath.load(scratch.alphaGradient + p) - FragmentMath.load(scratch.backgroundDot + p))
                        * FragmentMath.load(scratch.finalTransmittance + p) / keep
                    dAlpha = dAlpha.addingProduct(t * (g.depth - behindDepth), depthGradient)
                    FragmentMath.store((alpha * g.depth).addingProduct(keep, behindDepth), scratch.depth + p)
                    dDepth = dDepth.addingProduct(weight, depthGradient)
                    dAlpha = dAlpha.replacing(with: 0, where: .!(f.valid .& (f.rawAlpha .< maxAlpha)))
                    dOpacity = dOpacity.addingProduct(f.gaussian, dAlpha)
                    let dPower = -f.rawAlpha * dAlpha
                    let dx = f.dx
                    du = du.addingProduct(dPower, SIMD8(repeating: g.conicB * dy).addingProduct(g.conicA, dx))
                    dv = dv.addingProduct(dPower, SIMD8(repeating: g.conicC * dy).addingProduct(g.conicB, dx))
                    let halfPower = 0.5 * dPower
                    dA = dA.addingProduct(halfPower * dx, dx)
                    dB = dB.addingProduct(dPower * dx, dy)
                    dC = dC.addingProduct(halfPower, dy * dy)
                }
            }
            if !touched { continue }
            scratch.stagedTouched[slot] = true
            let target = scratch.stagedGradients + slot * stride
            target[0] = FragmentMath.horizontalSum(du)
            target[1] = FragmentMath.horizontalSum(dv)
            target[2] = FragmentMath.horizontalSum(dA)
            target[3] = FragmentMath.horizontalSum(dB)
            target[4] = FragmentMath.horizontalSum(dC)
            target[5] = FragmentMath.horizontalSum(dOpacity)
            target[6] = FragmentMath.horizontalSum(dDepth)
            for c in 0..<channels {
                target[screenGradientWidth + c] = FragmentMath.horizontalSum(FragmentMath.load(scratch.featureGradient + 8 * c))
            }
        }
        scratch.flushGradients(batchStart..<batchEnd, context: context)
    }
}
