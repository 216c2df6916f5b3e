import Foundation
import Tensors
import Testing

@testable import Splatting

/// Trains Gaussians through the Tensors tape (the rasteriser as a custom op) with Tensors' Adam.
final class SplatTrainer {
    let means, rotations, logScales, opacityLogits, features: Parameter
    let appearance: GaussianAppearance
    let optimiser: Adam
    let rasterizer = GaussianRasterizer()
    var statistics: DensificationStatistics

    init(scene: GaussianScene, learningRates: (means: Float, rotations: Float, scales: Float, opacity: Float, features: Float)) {
        let n = scene.count
        appearance = scene.appearance
        means = Parameter(Tensor(shape: [n, 3], scalars: scene.means))
        rotations = Parameter(Tensor(shape: [n, 4], scalars: scene.rotations))
        logScales = Parameter(Tensor(shape: [n, 3], scalars: scene.logScales))
        opacityLogits = Parameter(Tensor(shape: [n, 1], scalars: scene.opacityLogits))
        features = Parameter(Tensor(shape: [n, scene.appearance.storedValuesPerGaussian], scalars: scene.features))
        optimiser = Adam(groups: [
            .init(name: "means", parameters: [means], learningRate: learningRates.means, epsilon: 1e-15),
            .init(name: "rotations", parameters: [rotations], learningRate: learningRates.rotations, epsilon: 1e-15),
            .init(name: "scales", parameters: [logScales], learningRate: learningRates.scales, epsilon: 1e-15),
            .init(name: "opacity", parameters: [opacityLogits], learningRate: learningRates.opacity, epsilon: 1e-15),
            .init(name: "features", parameters: [features], learningRate: learningRates.features, epsilon: 1e-15),
        ])
        statistics = DensificationStatistics(count: n)
    }

    var parameters: [Parameter] { [means, rotations, logScales, opacityLogits, features] }

    var scene: GaussianScene {
        GaussianScene(
            means: means.value.scalars, rotations: rotations.value.scalars, logScales: logScales.value.scalars,
            opacityLogits: opacityLogits.value.scalars, features: features.value.scalars, appearance: appearance)
    }

    /// One Adam step on the mean squared error against `target` (`[H, W, C]`); returns the loss.
    @discardableResult
    func step(camera: PinholeCamera, target: Tensor, settings: RasterSettings) throws -> Float {
        let tape = Tape()
        let variables = GaussianVariables(
            means: tape.variable(for: means), rotations: tape.variable(for: rotations), logScales: tape.variable(for: logScales),
            opacityLogits: tape.variable(for: opacityLogits), features: tape.variable(for: features), appearance: appearance)
        let render = try rasterizer.render(variables, camera: camera, settings: settings)
        let loss = (render.image - Variable(target)).square().mean()
        tape.backward(from: loss)
        statistics.accumulate(render.result, try #require(render.gradientSink.gradients))
        optimiser.step()
        optimiser.zeroGradients()
        return loss.value.scalar
    }

    /// Density control with the optimiser's moments kept in step (originals keep theirs, new
    /// Gaussians start from zero).
    func densify(settings: DensityControlSettings, using generator: inout some RandomNumberGenerator) -> DensityEdit {
        var edited = scene
        let before = edited.count
        let edit = DensityControl.densifyAndPrune(&edited, statistics: statistics, settings: settings, using: &generator)
        var keptOriginal = [Bool](repeating: false, count: before)
        for (target, source) in edit.sourceIndex.enumerated() where !edit.isNew[target] { keptOriginal[source] = true }
        let newRows = edit.isNew.indices.filter { edit.isNew[$0] }
        let newScene = edited.gathered(newRows)
        let columns: [(Parameter, [Float], Int)] = [
            (means, newScene.means, 3), (rotations, newScene.rotations, 4), (logScales, newScene.logScales, 3),
            (opacityLogits, newScene.opacityLogits, 1), (features, newScene.features, appearance.storedValuesPerGaussian),
        ]
        for (parameter, values, width) in columns {
            optimiser.keepRows(of: parameter, mask: keptOriginal)
            if !newRows.isEmpty { optimiser.appendRows(to: parameter, values: Tensor(shape: [newRows.count, width], scalars: values)) }
        }
        // Kept originals come first in the edited scene, in their original order, then new rows.
        let keptValues = edited.gathered(edit.isNew.indices.filter { !edit.isNew[$0] })
        precondition(keptValues.means == Array(means.value.scalars.prefix(keptValues.means.count)))
        statistics = DensificationStatistics(count: edited.count)
        return edit
    }
}

func psnr(_ image: [Float], _ target: [Float]) -> Double {
    var error = 0.0
    for i in 0..<image.count {
        let d = Double(min(max(image[i], 0), 1)) - Double(target[i])
        error += d * d
    }
    return 10 * log10(1 / (error / Double(image.count)))
}

struct FittingTests {
    @Test func fittingA2DImageReaches30dB() throws {
        let size = 64
        // A smooth target with two soft discs.
        var target = [Float](repeating: 0, count: size * size * 3)
        for y in 0..<size {
            for x in 0..<size {
                let u = Float(x) / Float(size), v = Float(y) / Float(size)
                let disc1 = 1 / (1 + exp(((u - 0.3) * (u - 0.3) + (v - 0.35) * (v - 0.35) - 0.03) * 120))
                let disc2 = 1 / (1 + exp(((u - 0.7) * (u - 0.7) + (v - 0.65) * (v - 0.65) - 0.02) * 150))
                let base = (y * size + x) * 3
                target[base] = 0.2 + 0.5 * u + 0.3 * disc1
                target[base + 1] = 0.3 + 0.4 * v * (1 - disc2) + 0.2 * disc2
                target[base + 2] = 0.6 - 0.3 * u * v + 0.35 * disc2 - 0.2 * disc1
            }
        }
        // Identity camera; the image plane z = 1 spans x, y ∈ [−0.5, 0.5).
        let camera = PinholeCamera(
            width: size, height: size, fx: Float(size), fy: Float(size),
            cx: Float(size - 1) / 2, cy: Float(size - 1) / 2)
        var rng = SeededGenerator(seed: 41)
        var scene = GaussianScene(appearance: .features(channels: 3))
        let grid = 24
        for gy in 0..<grid {
            for gx in 0..<grid {
                let px = (Float(gx) + 0.5) / Float(grid) * Float(size) - 0.5, py = (Float(gy) + 0.5) / Float(grid) * Float(size) - 0.5
                scene.means += [(px - camera.cx) / camera.fx, (py - camera.cy) / camera.fy, 1]
                scene.rotations += [1, 0, 0, 0]
                scene.logScales += [log(2.0 / Float(size)), log(2.0 / Float(size)), log(0.5 / Float(size))]
                scene.opacityLogits.append(0)
                scene.features += [rng.uniform(0.3...0.7), rng.uniform(0.3...0.7), rng.uniform(0.3...0.7)]
            }
        }
        let trainer = SplatTrainer(scene: scene, learningRates: (2e-3, 5e-3, 1e-2, 5e-2, 2.5e-2))
        let targetTensor = Tensor(shape: [size, size, 3], scalars: target)
        let initial = try GaussianRasterizer().render(scene: trainer.scene, camera: camera).output.image
        for _ in 0..<600 { try trainer.step(camera: camera, target: targetTensor, settings: RasterSettings()) }
        let fitted = try GaussianRasterizer().render(scene: trainer.scene, camera: camera).output.image
        let before = psnr(initial, target), after = psnr(fitted, target)
        #expect(after >= 30, "PSNR \(before) dB → \(after) dB")
    }

    @Test func optimisingA3DSceneFromEightViewsGeneralisesToAHeldOutView() throws {
        let size = 48
        func camera(azimuth: Float, elevation: Float) -> PinholeCamera {
            let eye = 3 * SIMD3<Float>(sin(azimuth) * cos(elevation), -sin(elevation), -cos(azimuth) * cos(elevation))
            return PinholeCamera(
                width: size, height: size, fx: 1.5 * Float(size), fy: 1.5 * Float(size),
                cx: Float(size - 1) / 2 + 1.5, cy: Float(size - 1) / 2 - 1,
                worldToCamera: PinholeCamera.lookAt(eye: eye, target: .zero, up: SIMD3(0, -1, 0)))
        }
        let training = (0..<8).map { camera(azimuth: Float($0) * .pi / 4, elevation: $0 % 2 == 0 ? 0.25 : -0.2) }
        let heldOut = camera(azimuth: .pi / 8 + 0.1, elevation: 0.05)
        // Ground truth: coloured Gaussians in a ball of radius 0.5.
        var rng = SeededGenerator(seed: 51)
        var truth = GaussianScene(appearance: .sphericalHarmonics(degree: 1))
        while truth.count < 120 {
            let p = SIMD3(rng.uniform(-1...1), rng.uniform(-1...1), rng.uniform(-1...1))
            if (p * p).sum() > 1 { continue }
            truth.means += [p.x * 0.5, p.y * 0.5, p.z * 0.5]
            truth.rotations += [rng.normal(), rng.normal(), rng.normal(), rng.normal()]
            truth.logScales += [rng.uniform(-3.2 ... -2.2), rng.uniform(-3.2 ... -2.2), rng.uniform(-3.2 ... -2.2)]
            truth.opacityLogits.append(rng.uniform(1...3))
            let colour = [rng.uniform(-1.5...1.5), rng.uniform(-1.5...1.5), rng.uniform(-1.5...1.5)]
            truth.features += colour + (0..<9).map { _ in rng.uniform(-0.2...0.2) }
        }
        let settings = RasterSettings(background: [0, 0, 0])
        let targets = try training.map { try GaussianRasterizer().render(scene: truth, camera: $0, settings: settings).output.image }
        let heldOutTarget = try GaussianRasterizer().render(scene: truth, camera: heldOut, settings: settings).output.image
        // Model: a different random initialisation, grey, semi-transparent.
        var model = GaussianScene(appearance: .sphericalHarmonics(degree: 1))
        while model.count < 200 {
            let p = SIMD3(rng.uniform(-1...1), rng.uniform(-1...1), rng.uniform(-1...1))
            if (p * p).sum() > 1 { continue }
            model.means += [p.x * 0.55, p.y * 0.55, p.z * 0.55]
            model.rotations += [1, 0, 0, 0]
            model.logScales += [-2.7, -2.7, -2.7]
            model.opacityLogits.append(-1)
            model.features += [Float](repeating: 0, count: 12)
        }
        let trainer = SplatTrainer(scene: model, learningRates: (3e-3, 5e-3, 1e-2, 5e-2, 2.5e-2))
        let targetTensors = targets.map { Tensor(shape: [size, size, 3], scalars: $0) }
        let initialPSNR = psnr(try GaussianRasterizer().render(scene: trainer.scene, camera: heldOut, settings: settings).output.image, heldOutTarget)
        var densifyRng = SeededGenerator(seed: 52)
        var densityEdits: [DensityEdit] = []
        for iteration in 0..<900 {
            let view = iteration % training.count
            try trainer.step(camera: training[view], target: targetTensors[view], settings: settings)
            if iteration > 0 && iteration % 200 == 0 && iteration <= 600 {
                var density = DensityControlSettings(sceneExtent: 0.6)
                density.gradientThreshold = 5e-5
                densityEdits.append(trainer.densify(settings: density, using: &densifyRng))
            }
        }
        let finalPSNR = psnr(try GaussianRasterizer().render(scene: trainer.scene, camera: heldOut, settings: settings).output.image, heldOutTarget)
        #expect(densityEdits.contains { $0.cloned + $0.split > 0 }, "density control must have run: \(densityEdits.map { ($0.cloned, $0.split, $0.pruned) })")
        #expect(finalPSNR >= 28, "held-out PSNR \(initialPSNR) dB → \(finalPSNR) dB with \(trainer.scene.count) Gaussians")
    }
}

struct CustomOperationTests {
    @Test func tapeGradientsEqualTheRawBackward() throws {
        let scene = TestScenes.scene(count: 12, appearance: .sphericalHarmonics(degree: 2), seed: 61)
        let camera = TestScenes.camera()
        let pixels = camera.width * camera.height
        let w = GradientTests.weights(pixels: pixels, channels: 3, seed: 62)
        // One worker: with several, per-worker gradient buffers are summed in scheduling order, so
        // two backward passes agree only to rounding; bit equality is what this test checks.
        let rasterizer = GaussianRasterizer(workers: 1)
        let result = try rasterizer.render(scene: scene, camera: camera)
        let raw = try rasterizer.backward(result, outputGradient: RasterOutputGradient(image: w.image, alpha: w.alpha, depth: w.depth))

        let tape = Tape()
        let n = scene.count
        let variables = GaussianVariables(
            means: tape.variable(Tensor(shape: [n, 3], scalars: scene.means)),
            rotations: tape.variable(Tensor(shape: [n, 4], scalars: scene.rotations)),
            logScales: tape.variable(Tensor(shape: [n, 3], scalars: scene.logScales)),
            opacityLogits: tape.variable(Tensor(shape: [n], scalars: scene.opacityLogits)),
            features: tape.variable(Tensor(shape: [n, 27], scalars: scene.features)), appearance: scene.appearance)
        let render = try rasterizer.render(variables, camera: camera)
        #expect(render.image.value.scalars == result.output.image)
        let loss =
            (render.image * Variable(Tensor(shape: [camera.height, camera.width, 3], scalars: w.image))).sum()
            + (render.alpha * Variable(Tensor(shape: [camera.height, camera.width], scalars: w.alpha))).sum()
            + (render.depth * Variable(Tensor(shape: [camera.height, camera.width], scalars: w.depth))).sum()
        let gradients = tape.backward(from: loss)
        #expect(try #require(gradients[variables.means]).scalars == raw.means)
        #expect(try #require(gradients[variables.rotations]).scalars == raw.rotations)
        #expect(try #require(gradients[variables.logScales]).scalars == raw.logScales)
        #expect(try #require(gradients[variables.opacityLogits]).scalars == raw.opacityLogits)
        #expect(try #require(gradients[variables.features]).scalars == raw.features)
        #expect(render.gradientSink.gradients?.viewSpaceGradientNorm == raw.viewSpaceGradientNorm)
    }
}
