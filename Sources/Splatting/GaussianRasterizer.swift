import Foundation
import Synchronization

/// Differentiable tile rasteriser for 3D Gaussians on the CPU (3DGS, Kerbl et al. 2023).
///
/// Forward: per-Gaussian projection (EWA Jacobian, dilation, opacity-aware support box), tile
/// binning in (tile, depth) order, then each 16×16 tile is composited front to back by one worker:
/// `α = min(maxAlpha, o·exp(−σ))`, `σ = ½(A·dx² + C·dy²) + B·dx·dy` with `d = u − p`, skipping
/// `α < 1/255` and stopping before transmittance falls below 1e-4.
/// Backward: each tile re-traverses its contributors back to front (as graphdeco's CUDA kernel),
/// accumulating screen-space gradients in per-worker buffers, then a per-Gaussian pass maps them
/// to means, quaternions, log-scales, opacity logits, features/SH and the camera pose.
///
/// The class owns no per-render state (that lives in `RasterResult`), so one instance may serve
/// many renders; it only keeps the backward's scratch buffers for reuse. It is not meant to be
/// shared between threads that render concurrently (that is safe, but they then allocate their own scratch).
public final class GaussianRasterizer {
    /// Number of parallel workers (tiles in flight).
    public let workers: Int

    /// The backward's per-worker screen-gradient buffers, kept between calls: at 50k Gaussians × 32
    /// channels they hold 16 MB, and a fresh allocation pays a page fault per 4 KiB on every step.
    /// A backward takes the array out under the lock and puts it back when done.
    private let screenGradientCache = Mutex<[Float]>([])

    /// Creates a rasteriser using `workers` threads (nil: one per core).
    public init(workers: Int? = nil) {
        self.workers = max(1, workers ?? ParallelLoop.workerCount)
    }

    /// Renders `scene` from `camera`. Throws if the scene's arrays disagree in size, a parameter
    /// is NaN/Inf (naming the Gaussian and field), or the background has the wrong channel count.
    public func render(scene: GaussianScene, camera: PinholeCamera, settings: RasterSettings = RasterSettings())
        throws(SplattingError) -> RasterResult
    {
        try scene.validateShapes()
        try scene.validateFinite()
        if let bad = ([camera.fx, camera.fy, camera.cx, camera.cy, settings.nearPlane] + camera.worldToCamera.rowMajor4x4).first(where: { !$0.isFinite }) {
            throw SplattingError("camera has a non-finite intrinsic or pose entry (\(bad)); check the calibration or the pose optimisation")
        }
        guard camera.width > 0, camera.height > 0, camera.fx > 0, camera.fy > 0 else {
            throw SplattingError(
                "camera \(camera.width)×\(camera.height) with fx \(camera.fx), fy \(camera.fy) is invalid: sizes and focal lengths must be positive")
        }
        let channels = scene.appearance.renderedChannels
        guard settings.background.isEmpty || settings.background.count == channels else {
            throw SplattingError("background has \(settings.background.count) values but the scene renders \(channels) channels")
        }
        if scene.count == 0 { return renderEmpty(scene: scene, camera: camera, settings: settings) }
        let geometry = CameraGeometry(camera, clampMargin: settings.jacobianClampMargin, near: settings.nearPlane)
        let projectedByIndex = projectAll(scene: scene, geometry: geometry, settings: settings)
        let binning = projectedByIndex.withUnsafeBufferPointer {
            TileBinning(projected: $0, width: camera.width, height: camera.height, workers: workers)
        }
        let colors = shadeAll(scene: scene, geometry: geometry)
        let pixelCount = camera.width * camera.height
        // Every tile writes all of its pixels, so the images start uninitialised (their pages are
        // then first touched by the tile workers in parallel, not by a serial zero-fill).
        func uninitialized<Element>(_ count: Int, of type: Element.Type) -> [Element] {
            [Element](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        }
        var image = uninitialized(pixelCount * channels, of: Float.self)
        var alpha = uninitialized(pixelCount, of: Float.self), depth = uninitialized(pixelCount, of: Float.self)
        var contributors = uninitialized(pixelCount, of: Int32.self)
        var finalTransmittance = uninitialized(pixelCount, of: Float.self)
        var lastContributor = uninitialized(pixelCount, of: Int32.self)
        let background = settings.background.isEmpty ? [Float](repeating: 0, count: channels) : settings.background
        binning.projected.withUnsafeBufferPointer { projected in
            binning.order.withUnsafeBufferPointer { order in
                colors.withUnsafeBufferPointer { colors in
                    background.withUnsafeBufferPointer { background in
                        binning.ranges.withUnsafeBufferPointer { ranges in
                            binning.list.withUnsafeBufferPointer { list in
                                image.withUnsafeMutableBufferPointer { image in
                                    alpha.withUnsafeMutableBufferPointer { alpha in
                                        depth.withUnsafeMutableBufferPointer { depth in
                                            contributors.withUnsafeMutableBufferPointer { contributors in
                                                finalTransmittance.withUnsafeMutableBufferPointer { finalTransmittance in
                                                    lastContributor.withUnsafeMutableBufferPointer { lastContributor in
                                                        let context = TileContext(
                                                            projected: projected.baseAddress ?? UnsafePointer(bitPattern: 8)!,
                                                            order: order.baseAddress ?? UnsafePointer(bitPattern: 8)!,
                                                            colors: colors.baseAddress ?? UnsafePointer(bitPattern: 8)!, background: background.baseAddress!,
                                                            ranges: ranges.baseAddress!, list: list.baseAddress ?? UnsafePointer(bitPattern: 8)!,
                                                            width: camera.width, height: camera.height, tilesX: binning.tilesX, channels: channels,
                                                            alphaThreshold: settings.alphaThreshold, transmittanceThreshold: settings.transmittanceThreshold,
                                                            maxAlpha: settings.maxAlpha)
                                                        let outputs = ForwardOutputs(
                                                            image: SharedPointer(image.baseAddress!), alpha: SharedPointer(alpha.baseAddress!),
                                                            depth: SharedPointer(depth.baseAddress!), contributors: SharedPointer(contributors.baseAddress!),
                                                            finalTransmittance: SharedPointer(finalTransmittance.baseAddress!),
                                                            lastContributor: SharedPointer(lastContributor.baseAddress!))
                                                        forEachTile(tileCount: binning.tilesX * binning.tilesY) { _ in
                                                            TileScratch(channels: channels)
                                                        } body: { tile, scratch in
                                                            TileKernels.renderTile(tile, context: context, scratch: scratch, outputs: outputs)
                                                        }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let radii = projectedByIndex.map { p -> Float in
            p.isVisible ? max(Float(p.xMax - p.xMin), Float(p.yMax - p.yMin)) * 0.5 : 0
        }
        let output = RasterOutput(
            width: camera.width, height: camera.height, channels: channels, image: image,
            alpha: alpha, depth: depth, contributorCount: contributors)
        return RasterResult(
            output: output, screenRadius: radii, scene: scene, camera: camera, settings: settings,
            colors: colors, binning: binning, finalTransmittance: finalTransmittance, lastContributor: lastContributor)
    }

    /// Gradients of a loss with respect to the scene (and camera pose) given dL/d(outputs) of `result`.
    public func backward(_ result: RasterResult, outputGradient: RasterOutputGradient) throws(SplattingError) -> GaussianGradients {
        let output = result.output
        let pixelCount = output.width * output.height
        let channels = output.channels
        guard outputGradient.image.count == pixelCount * channels else {
            throw SplattingError(
                "image gradient holds \(outputGradient.image.count) values, expected \(pixelCount * channels) (\(output.height)×\(output.width)×\(channels))")
        }
        guard outputGradient.alpha.isEmpty || outputGradient.alpha.count == pixelCount,
            outputGradient.depth.isEmpty || outputGradient.depth.count == pixelCount
        else {
            throw SplattingError("alpha/depth gradients must be empty or hold \(pixelCount) values")
        }
        return backwardValidated(result, outputGradient: outputGradient)
    }

    /// `backward` after its shape checks (the autodiff hook guarantees the shapes).
    func backwardValidated(_ result: RasterResult, outputGradient: RasterOutputGradient) -> GaussianGradients {
        if result.scene.count == 0 {
            return GaussianGradients(
                means: [], rotations: [], logScales: [], opacityLogits: [], features: [],
                worldToCamera: [Float](repeating: 0, count: 12), viewSpaceGradientNorm: [])
        }
        let output = result.output
        let pixelCount = output.width * output.height
        let channels = output.channels
        let stride = TileKernels.screenGradientWidth + channels
        let workers = self.workers
        // One screen-gradient row per Gaussian (by index) and worker, in an array reused between
        // calls; each worker zeroes its own buffer.
        let bufferSize = result.scene.count * stride
        var perWorker = screenGradientCache.withLock { cached -> [Float] in
            let taken = cached
            cached = []
            return taken
        }
        if perWorker.count < workers * bufferSize {
            perWorker = [Float](unsafeUninitializedCapacity: workers * bufferSize) { _, initialized in
                initialized = workers * bufferSize
            }
        }
        let zeros = [Float](repeating: 0, count: pixelCount)
        let alphaGradient = outputGradient.alpha.isEmpty ? zeros : outputGradient.alpha
        let depthGradient = outputGradient.depth.isEmpty ? zeros : outputGradient.depth
        let background = result.settings.background.isEmpty ? [Float](repeating: 0, count: channels) : result.settings.background
        let binning = result.binning
        binning.projected.withUnsafeBufferPointer { projected in
            binning.order.withUnsafeBufferPointer { order in
                result.colors.withUnsafeBufferPointer { colors in
                    background.withUnsafeBufferPointer { background in
                        binning.ranges.withUnsafeBufferPointer { ranges in
                            binning.list.withUnsafeBufferPointer { list in
                                result.finalTransmittance.withUnsafeBufferPointer { finalTransmittance in
                                    result.lastContributor.withUnsafeBufferPointer { lastContributor in
                                        outputGradient.image.withUnsafeBufferPointer { imageGradient in
                                            alphaGradient.withUnsafeBufferPointer { alphaGradient in
                                                depthGradient.withUnsafeBufferPointer { depthGradient in
                                                    perWorker.withUnsafeMutableBufferPointer { perWorker in
                                                        let context = TileContext(
                                                            projected: projected.baseAddress ?? UnsafePointer(bitPattern: 8)!,
                                                            order: order.baseAddress ?? UnsafePointer(bitPattern: 8)!,
                                                            colors: colors.baseAddress ?? UnsafePointer(bitPattern: 8)!, background: background.baseAddress!,
                                                            ranges: ranges.baseAddress!, list: list.baseAddress ?? UnsafePointer(bitPattern: 8)!,
                                                            width: output.width, height: output.height, tilesX: binning.tilesX, channels: channels,
                                                            alphaThreshold: result.settings.alphaThreshold,
                                                            transmittanceThreshold: result.settings.transmittanceThreshold, maxAlpha: result.settings.maxAlpha)
                                                        let inputs = BackwardInputs(
                                                            finalTransmittance: finalTransmittance.baseAddress!, lastContributor: lastContributor.baseAddress!,
                                                            imageGradient: imageGradient.baseAddress!, alphaGradient: alphaGradient.baseAddress!,
                                                            depthGradient: depthGradient.baseAddress!)
                                                        let buffers = SharedPointer(perWorker.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!)
                                                        forEachTile(tileCount: binning.tilesX * binning.tilesY) { worker in
                                                            let buffer = buffers + worker * bufferSize
                                                            buffer.initialize(repeating: 0, count: bufferSize)
                                                            return TileScratch(channels: channels, gradientBuffer: buffer)
                                                        } body: { tile, scratch in
                                                            TileKernels.backwardTile(tile, context: context, scratch: scratch, inputs: inputs)
                                                        }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let gradients = parameterGradients(result, screenGradients: perWorker, stride: stride)
        screenGradientCache.withLock { cached in
            if perWorker.count > cached.count { cached = perWorker }
        }
        return gradients
    }

    /// A scene without Gaussians shows the background everywhere.
    private func renderEmpty(scene: GaussianScene, camera: PinholeCamera, settings: RasterSettings) -> RasterResult {
        let channels = scene.appearance.renderedChannels
        let pixelCount = camera.width * camera.height
        let background = settings.background.isEmpty ? [Float](repeating: 0, count: channels) : settings.background
        var image = [Float](repeating: 0, count: pixelCount * channels)
        for pixel in 0..<pixelCount { for c in 0..<channels { image[pixel * channels + c] = background[c] } }
        let zeros = [Float](repeating: 0, count: pixelCount)
        let output = RasterOutput(
            width: camera.width, height: camera.height, channels: channels, image: image,
            alpha: zeros, depth: zeros, contributorCount: [Int32](repeating: 0, count: pixelCount))
        let binning = [ProjectedGaussian]().withUnsafeBufferPointer {
            TileBinning(projected: $0, width: camera.width, height: camera.height, workers: workers)
        }
        return RasterResult(
            output: output, screenRadius: [], scene: scene, camera: camera, settings: settings,
            colors: [], binning: binning,
            finalTransmittance: [Float](repeating: 1, count: pixelCount),
            lastContributor: [Int32](repeating: 0, count: pixelCount))
    }

    // MARK: - Per-Gaussian passes

    private func projectAll(scene: GaussianScene, geometry: CameraGeometry, settings: RasterSettings) -> [ProjectedGaussian] {
        let count = scene.count
        return [ProjectedGaussian](unsafeUninitializedCapacity: count) { buffer, initialized in
            let target = SharedPointer(buffer.baseAddress!)
            scene.means.withUnsafeBufferPointer { means in
                scene.rotations.withUnsafeBufferPointer { rotations in
                    scene.logScales.withUnsafeBufferPointer { logScales in
                        scene.opacityLogits.withUnsafeBufferPointer { logits in
                            ParallelLoop.forEachChunk(count, workers: workers) { _, range in
                                for i in range {
                                    (target + i).initialize(
                                        to: projectGaussian(
                                            mean: SIMD3(means[3 * i], means[3 * i + 1], means[3 * i + 2]),
                                            quaternion: SIMD4(rotations[4 * i], rotations[4 * i + 1], rotations[4 * i + 2], rotations[4 * i + 3]),
                                            logScale: SIMD3(logScales[3 * i], logScales[3 * i + 1], logScales[3 * i + 2]),
                                            opacityLogit: logits[i], camera: geometry, settings: settings))
                                }
                            }
                        }
                    }
                }
            }
            initialized = count
        }
    }

    /// The per-Gaussian features rendered in this view: the stored features, or SH evaluated
    /// towards the camera (`max(0, Σ SH·c + 0.5)`).
    private func shadeAll(scene: GaussianScene, geometry: CameraGeometry) -> [Float] {
        guard case .sphericalHarmonics(let degree) = scene.appearance else { return scene.features }
        let count = scene.count
        let coefficients = SphericalHarmonics.coefficientCount(degree: degree)
        var colors = [Float](repeating: 0, count: count * 3)
        scene.means.withUnsafeBufferPointer { means in
            scene.features.withUnsafeBufferPointer { sh in
                colors.withUnsafeMutableBufferPointer { colors in
                    let target = SharedPointer(colors.baseAddress!)
                    ParallelLoop.forEachChunk(count, workers: workers) { _, range in
                        withUnsafeTemporaryAllocation(of: Float.self, capacity: 16) { basis in
                            for i in range {
                                let mean = SIMD3(means[3 * i], means[3 * i + 1], means[3 * i + 2])
                                let offset = mean - geometry.centre
                                let length = (offset * offset).sum().squareRoot()
                                let direction = length > 0 ? offset / length : SIMD3(0, 0, 1)
                                SphericalHarmonics.basis(direction, degree: degree, into: basis.baseAddress!)
                                for c in 0..<3 {
                                    var value: Float = 0.5
                                    for k in 0..<coefficients { value += basis[k] * sh[(i * coefficients + k) * 3 + c] }
                                    target[i * 3 + c] = max(0, value)
                                }
                            }
                        }
                    }
                }
            }
        }
        return colors
    }

    /// The per-Gaussian backward; `screenGradients` holds one `count × stride` buffer per worker
    /// (rows by Gaussian index), summed here Gaussian by Gaussian rather than in a separate pass, so
    /// every array is read and written sequentially. Every output entry is written here, zero for
    /// culled Gaussians, so the arrays need no serial zero-fill.
    private func parameterGradients(_ result: RasterResult, screenGradients: [Float], stride: Int) -> GaussianGradients {
        let scene = result.scene
        let count = scene.count
        let channels = result.output.channels
        let geometry = CameraGeometry(result.camera, clampMargin: result.settings.jacobianClampMargin, near: result.settings.nearPlane)
        let settings = result.settings
        func uninitialized(_ count: Int) -> [Float] {
            [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        }
        var dMeans = uninitialized(count * 3), dRotations = uninitialized(count * 4)
        var dLogScales = uninitialized(count * 3), dLogits = uninitialized(count)
        var dFeatures = uninitialized(scene.features.count), viewSpaceNorm = uninitialized(count)
        let featuresPerGaussian = scene.appearance.storedValuesPerGaussian
        var visible = [Bool](repeating: false, count: count)
        for index in result.binning.order { visible[Int(index)] = true }
        let poseSlots = 12
        let chunks = ParallelLoop.chunkCount(workers: workers)
        var poseParts = [Float](repeating: 0, count: chunks * poseSlots)
        let halfWidth = Float(result.camera.width) / 2, halfHeight = Float(result.camera.height) / 2
        let shDegree: Int? = { if case .sphericalHarmonics(let d) = scene.appearance { return d } else { return nil } }()
        scene.means.withUnsafeBufferPointer { means in
            scene.rotations.withUnsafeBufferPointer { rotations in
                scene.logScales.withUnsafeBufferPointer { logScales in
                    scene.opacityLogits.withUnsafeBufferPointer { logits in
                        scene.features.withUnsafeBufferPointer { features in
                            result.colors.withUnsafeBufferPointer { colors in
                                visible.withUnsafeBufferPointer { visible in
                                    screenGradients.withUnsafeBufferPointer { screen in
                                        dMeans.withUnsafeMutableBufferPointer { dMeansBuffer in
                                            dRotations.withUnsafeMutableBufferPointer { dRotationsBuffer in
                                                dLogScales.withUnsafeMutableBufferPointer { dLogScalesBuffer in
                                                    dLogits.withUnsafeMutableBufferPointer { dLogitsBuffer in
                                                        dFeatures.withUnsafeMutableBufferPointer { dFeaturesBuffer in
                                                            viewSpaceNorm.withUnsafeMutableBufferPointer { normBuffer in
                                                                poseParts.withUnsafeMutableBufferPointer { poseBuffer in
                                                                    let dMean = SharedPointer(dMeansBuffer.baseAddress!),
                                                                        dRot = SharedPointer(dRotationsBuffer.baseAddress!)
                                                                    let dScale = SharedPointer(dLogScalesBuffer.baseAddress!),
                                                                        dLogit = SharedPointer(dLogitsBuffer.baseAddress!)
                                                                    let dFeature = SharedPointer(
                                                                        dFeaturesBuffer.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!)
                                                                    let norms = SharedPointer(normBuffer.baseAddress!),
                                                                        pose = SharedPointer(poseBuffer.baseAddress!)
                                                                    let bufferSize = count * stride
                                                                    ParallelLoop.forEachChunk(count, workers: workers, minimumChunk: 256) { chunk, range in
                                                                        var poseRotation = (SIMD3<Float>(), SIMD3<Float>(), SIMD3<Float>())
                                                                        var poseTranslation = SIMD3<Float>()
                                                                        withUnsafeTemporaryAllocation(of: Float.self, capacity: 32 + stride) { scratch in
                                                                            let basis = scratch.baseAddress!, weights = scratch.baseAddress! + 16,
                                                                                g = scratch.baseAddress! + 32
                                                                            for i in range {
                                                                                // Culled Gaussians (and degenerate ones, below) get zero gradients.
                                                                                for a in 0..<3 {
                                                                                    dMean[3 * i + a] = 0
                                                                                    dScale[3 * i + a] = 0
                                                                                }
                                                                                for a in 0..<4 { dRot[4 * i + a] = 0 }
                                                                                dLogit[i] = 0
                                                                                norms[i] = 0
                                                                                for entry in 0..<featuresPerGaussian {
                                                                                    dFeature[i * featuresPerGaussian + entry] = 0
                                                                                }
                                                                                if !visible[i] { continue }
                                                                                let own = screen.baseAddress! + i * stride
                                                                                ChannelKernels.copy(g, own, stride)
                                                                                for worker in 1..<max(1, workers) {
                                                                                    ChannelKernels.addScaled(g, own + worker * bufferSize, 1, stride)
                                                                                }
                                                                                let mean = SIMD3(means[3 * i], means[3 * i + 1], means[3 * i + 2])
                                                                                guard
                                                                                    let grad = projectGaussianBackward(
                                                                                        mean: mean,
                                                                                        quaternion: SIMD4(
                                                                                            rotations[4 * i], rotations[4 * i + 1], rotations[4 * i + 2],
                                                                                            rotations[4 * i + 3]),
                                                                                        logScale: SIMD3(
                                                                                            logScales[3 * i], logScales[3 * i + 1], logScales[3 * i + 2]),
                                                                                        opacityLogit: logits[i], camera: geometry, settings: settings,
                                                                                        screen: ScreenGradient(
                                                                                            u: g[0], v: g[1], conicA: g[2], conicB: g[3], conicC: g[4],
                                                                                            opacity: g[5], depth: g[6]))
                                                                                else { continue }
                                                                                var meanGradient = grad.mean
                                                                                let featureGradient = g + TileKernels.screenGradientWidth
                                                                                if let degree = shDegree {
                                                                                    let k = SphericalHarmonics.coefficientCount(degree: degree)
                                                                                    let offset = mean - geometry.centre
                                                                                    let length = (offset * offset).sum().squareRoot()
                                                                                    if length > 0 {
                                                                                        let direction = offset / length
                                                                                        SphericalHarmonics.basis(direction, degree: degree, into: basis)
                                                                                        for j in 0..<k { weights[j] = 0 }
                                                                                        for c in 0..<3 where colors[i * 3 + c] > 0 {
                                                                                            let dc = featureGradient[c]
                                                                                            for j in 0..<k {
                                                                                                dFeature[(i * k + j) * 3 + c] = basis[j] * dc
                                                                                                weights[j] += features[(i * k + j) * 3 + c] * dc
                                                                                            }
                                                                                        }
                                                                                        let dDirection = SphericalHarmonics.directionGradient(
                                                                                            direction, degree: degree, weights: weights)
                                                                                        meanGradient +=
                                                                                            (dDirection - direction * (direction * dDirection).sum()) / length
                                                                                    }
                                                                                } else {
                                                                                    for c in 0..<channels { dFeature[i * channels + c] = featureGradient[c] }
                                                                                }
                                                                                for a in 0..<3 {
                                                                                    dMean[3 * i + a] = meanGradient[a]
                                                                                    dScale[3 * i + a] = grad.logScale[a]
                                                                                }
                                                                                for a in 0..<4 { dRot[4 * i + a] = grad.quaternion[a] }
                                                                                dLogit[i] = grad.opacityLogit
                                                                                let ndcU = g[0] * halfWidth, ndcV = g[1] * halfHeight
                                                                                norms[i] = (ndcU * ndcU + ndcV * ndcV).squareRoot()
                                                                                let dt = grad.cameraPoint
                                                                                poseRotation.0 += grad.viewRotation.0 + dt.x * mean
                                                                                poseRotation.1 += grad.viewRotation.1 + dt.y * mean
                                                                                poseRotation.2 += grad.viewRotation.2 + dt.z * mean
                                                                                poseTranslation += dt
                                                                            }
                                                                        }
                                                                        let slot = pose + chunk * poseSlots
                                                                        for a in 0..<3 {
                                                                            slot[a] = poseRotation.0[a]
                                                                            slot[4 + a] = poseRotation.1[a]
                                                                            slot[8 + a] = poseRotation.2[a]
                                                                        }
                                                                        slot[3] = poseTranslation.x
                                                                        slot[7] = poseTranslation.y
                                                                        slot[11] = poseTranslation.z
                                                                    }
                                                                }
                                                            }
                                                        }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var poseGradient = [Float](repeating: 0, count: poseSlots)
        for chunk in 0..<chunks {
            for a in 0..<poseSlots { poseGradient[a] += poseParts[chunk * poseSlots + a] }
        }
        return GaussianGradients(
            means: dMeans, rotations: dRotations, logScales: dLogScales, opacityLogits: dLogits,
            features: dFeatures, worldToCamera: poseGradient, viewSpaceGradientNorm: viewSpaceNorm)
    }

    // MARK: - Tile scheduling

    /// Runs `body` for every tile, tiles handed out dynamically to `workers` threads, each with
    /// its own scratch created once by `makeScratch(worker)` (called for every worker slot).
    private func forEachTile(tileCount: Int, makeScratch: (Int) -> TileScratch, body: (Int, TileScratch) -> Void) {
        let next = Atomic<Int>(0)
        // Every slot runs (even with fewer tiles than workers): each owns a buffer that must be initialised.
        ParallelLoop.forEachWorker(workers) { worker in
            let scratch = makeScratch(worker)
            defer { scratch.deallocate() }
            while true {
                let tile = next.wrappingAdd(1, ordering: .relaxed).oldValue
                if tile >= tileCount { break }
                body(tile, scratch)
            }
        }
    }
}
