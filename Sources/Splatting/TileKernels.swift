import Foundation

/// Read-only inputs shared by all tiles of one render.
struct TileContext: @unchecked Sendable {
    // Pointers into arrays that outlive the parallel region and are not written during it.
    let projected: UnsafePointer<ProjectedGaussian>
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
struct TileScratch {
    static let pixels = TileBinning.tileSize * TileBinning.tileSize
    let transmittance: UnsafeMutablePointer<Float>
    let depth: UnsafeMutablePointer<Float>
    let accumulated: UnsafeMutablePointer<Float>
    let count: UnsafeMutablePointer<Int32>
    let last: UnsafeMutablePointer<Int32>
    let done: UnsafeMutablePointer<Bool>
    let backgroundDot: UnsafeMutablePointer<Float>
    let finalTransmittance: UnsafeMutablePointer<Float>
    let alphaGradient: UnsafeMutablePointer<Float>
    let depthGradient: UnsafeMutablePointer<Float>
    let featureGradient: UnsafeMutablePointer<Float>
    /// This worker's screen-space gradient buffer (`count × (screenGradientWidth + channels)`), backward only.
    let gradientBuffer: UnsafeMutablePointer<Float>?

    init(channels: Int, gradientBuffer: UnsafeMutablePointer<Float>? = nil) {
        let n = TileScratch.pixels
        transmittance = .allocate(capacity: n)
        depth = .allocate(capacity: n)
        accumulated = .allocate(capacity: n * channels)
        count = .allocate(capacity: n)
        last = .allocate(capacity: n)
        done = .allocate(capacity: n)
        backgroundDot = .allocate(capacity: n)
        finalTransmittance = .allocate(capacity: n)
        alphaGradient = .allocate(capacity: n)
        depthGradient = .allocate(capacity: n)
        featureGradient = .allocate(capacity: channels)
        self.gradientBuffer = gradientBuffer
    }

    func deallocate() {
        for pointer in [transmittance, depth, accumulated, backgroundDot, finalTransmittance, alphaGradient,
                        depthGradient, featureGradient] { pointer.deallocate() }
        count.deallocate()
        last.deallocate()
        done.deallocate()
    }
}

/// The per-tile compositing loops. Within a tile the traversal is Gaussian-major (each Gaussian
/// visits the pixels of its box inside the tile), which gives every pixel exactly the
/// per-pixel front-to-back order of the reference while loading each Gaussian's features once.
enum TileKernels {
    /// Screen-space gradient entries stored per Gaussian before its features:
    /// du, dv, dA, dB, dC, d(opacity), d(depth).
    static let screenGradientWidth = 7

    static func renderTile(_ tile: Int, context: TileContext, scratch: TileScratch, outputs: ForwardOutputs) {
        let (x0, x1, y0, y1) = context.bounds(of: tile)
        let size = TileBinning.tileSize
        let channels = context.channels
        let pixels = TileScratch.pixels
        for p in 0..<pixels {
            scratch.transmittance[p] = 1
            scratch.depth[p] = 0
            scratch.count[p] = 0
            scratch.last[p] = 0
            scratch.done[p] = false
        }
        scratch.accumulated.initialize(repeating: 0, count: pixels * channels)
        var active = (x1 - x0 + 1) * (y1 - y0 + 1)
        let start = Int(context.ranges[tile]), end = Int(context.ranges[tile + 1])
        let threshold = context.alphaThreshold, stopBelow = context.transmittanceThreshold, maxAlpha = context.maxAlpha
        var position = start
        while position < end && active > 0 {
            let index = Int(context.list[position])
            let g = context.projected[index]
            position += 1
            let ix0 = max(Int(g.xMin), x0), ix1 = min(Int(g.xMax), x1)
            let iy0 = max(Int(g.yMin), y0), iy1 = min(Int(g.yMax), y1)
            if ix0 > ix1 || iy0 > iy1 { continue }
            let feature = context.colors + index * channels
            let listPosition = Int32(position - start)
            for y in iy0...iy1 {
                let dy = g.v - Float(y)
                let row = (y - y0) * size - x0
                let halfCdy2 = 0.5 * g.conicC * dy * dy, bdy = g.conicB * dy
                for x in ix0...ix1 {
                    let p = row + x
                    if scratch.done[p] { continue }
                    let dx = g.u - Float(x)
                    let power = 0.5 * g.conicA * dx * dx + halfCdy2 + bdy * dx
                    if power < 0 || power > g.cutoffPower { continue }
                    let alpha = min(maxAlpha, g.opacity * exp(-power))
                    if alpha < threshold { continue }
                    let t = scratch.transmittance[p]
                    let next = t * (1 - alpha)
                    if next < stopBelow {
                        scratch.done[p] = true
                        active -= 1
                        continue
                    }
                    let weight = alpha * t
                    ChannelKernels.addScaled(scratch.accumulated + p * channels, feature, weight, channels)
                    scratch.depth[p] += weight * g.depth
                    scratch.count[p] += 1
                    scratch.last[p] = listPosition
                    scratch.transmittance[p] = next
                }
            }
        }
        for y in y0...y1 {
            for x in x0...x1 {
                let p = (y - y0) * size + (x - x0)
                let pixel = y * context.width + x
                let t = scratch.transmittance[p]
                let source = scratch.accumulated + p * channels
                let target = outputs.image + pixel * channels
                for c in 0..<channels { target[c] = source[c] + t * context.background[c] }
                outputs.alpha[pixel] = 1 - t
                outputs.depth[pixel] = scratch.depth[p]
                outputs.contributors[pixel] = scratch.count[p]
                outputs.finalTransmittance[pixel] = t
                outputs.lastContributor[pixel] = scratch.last[p]
            }
        }
    }

    static func backwardTile(_ tile: Int, context: TileContext, scratch: TileScratch, inputs: BackwardInputs) {
        let (x0, x1, y0, y1) = context.bounds(of: tile)
        let size = TileBinning.tileSize
        let channels = context.channels
        let stride = screenGradientWidth + channels
        let buffer = scratch.gradientBuffer!
        scratch.accumulated.initialize(repeating: 0, count: TileScratch.pixels * channels)
        var maxLast: Int32 = 0
        for y in y0...y1 {
            for x in x0...x1 {
                let p = (y - y0) * size + (x - x0)
                let pixel = y * context.width + x
                scratch.transmittance[p] = inputs.finalTransmittance[pixel]
                scratch.finalTransmittance[p] = inputs.finalTransmittance[pixel]
                scratch.last[p] = inputs.lastContributor[pixel]
                maxLast = max(maxLast, scratch.last[p])
                scratch.depth[p] = 0
                scratch.alphaGradient[p] = inputs.alphaGradient[pixel]
                scratch.depthGradient[p] = inputs.depthGradient[pixel]
                var dot: Float = 0
                for c in 0..<channels { dot += context.background[c] * inputs.imageGradient[pixel * channels + c] }
                scratch.backgroundDot[p] = dot
            }
        }
        let start = Int(context.ranges[tile])
        let threshold = context.alphaThreshold, maxAlpha = context.maxAlpha
        var position = start + Int(maxLast)
        while position > start {
            position -= 1
            let index = Int(context.list[position])
            let g = context.projected[index]
            let ix0 = max(Int(g.xMin), x0), ix1 = min(Int(g.xMax), x1)
            let iy0 = max(Int(g.yMin), y0), iy1 = min(Int(g.yMax), y1)
            if ix0 > ix1 || iy0 > iy1 { continue }
            let feature = context.colors + index * channels
            let relative = Int32(position - start)
            scratch.featureGradient.initialize(repeating: 0, count: channels)
            var du: Float = 0, dv: Float = 0, dA: Float = 0, dB: Float = 0, dC: Float = 0
            var dOpacity: Float = 0, dDepth: Float = 0
            var touched = false
            for y in iy0...iy1 {
                let dy = g.v - Float(y)
                let row = (y - y0) * size - x0
                for x in ix0...ix1 {
                    let p = row + x
                    if relative >= scratch.last[p] { continue }
                    let dx = g.u - Float(x)
                    let power = 0.5 * (g.conicA * dx * dx + g.conicC * dy * dy) + g.conicB * dx * dy
                    if power < 0 || power > g.cutoffPower { continue }
                    let gaussian = exp(-power)
                    let raw = g.opacity * gaussian
                    let alpha = min(maxAlpha, raw)
                    if alpha < threshold { continue }
                    touched = true
                    let keep = 1 - alpha
                    let t = scratch.transmittance[p] / keep
                    scratch.transmittance[p] = t
                    let weight = alpha * t
                    let pixel = y * context.width + x
                    let dot = ChannelKernels.backwardStep(
                        featureGradient: scratch.featureGradient, behind: scratch.accumulated + p * channels,
                        feature: feature, outputGradient: inputs.imageGradient + pixel * channels,
                        weight: weight, alpha: alpha, count: channels)
                    let depthGradient = scratch.depthGradient[p]
                    var dAlpha = t * dot
                    dAlpha += (scratch.alphaGradient[p] - scratch.backgroundDot[p]) * scratch.finalTransmittance[p] / keep
                    dAlpha += t * (g.depth - scratch.depth[p]) * depthGradient
                    scratch.depth[p] = alpha * g.depth + keep * scratch.depth[p]
                    dDepth += weight * depthGradient
                    if raw < maxAlpha {
                        dOpacity += gaussian * dAlpha
                        let dPower = -raw * dAlpha
                        du += dPower * (g.conicA * dx + g.conicB * dy)
                        dv += dPower * (g.conicB * dx + g.conicC * dy)
                        dA += dPower * 0.5 * dx * dx
                        dB += dPower * dx * dy
                        dC += dPower * 0.5 * dy * dy
                    }
                }
            }
            if !touched { continue }
            let target = buffer + index * stride
            target[0] += du; target[1] += dv
            target[2] += dA; target[3] += dB; target[4] += dC
            target[5] += dOpacity; target[6] += dDepth
            ChannelKernels.addScaled(target + screenGradientWidth, scratch.featureGradient, 1, channels)
        }
    }
}
