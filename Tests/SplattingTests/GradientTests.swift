import Foundation
import TestSupport
import Testing

@testable import Splatting

/// Central finite differences of a weighted sum of all outputs against the analytic backward.
struct GradientTests {
    /// Smooth settings: tiny α threshold and no early stop, so the rendered function has no
    /// cut-off discontinuities within a finite-difference step.
    static let smooth = RasterSettings(alphaThreshold: 1e-7, transmittanceThreshold: 0)

    struct Weights {
        var image: [Float]
        var alpha: [Float]
        var depth: [Float]
    }

    static func weights(pixels: Int, channels: Int, seed: UInt64) -> Weights {
        var rng = SplitMix64(seed: seed)
        return Weights(
            image: (0..<(pixels * channels)).map { _ in rng.uniform(-1...1) },
            alpha: (0..<pixels).map { _ in rng.uniform(-1...1) },
            depth: (0..<pixels).map { _ in rng.uniform(-0.3...0.3) })
    }

    static func loss(_ output: RasterOutput, _ w: Weights) -> Double {
        var total = 0.0
        for i in 0..<output.image.count { total += Double(output.image[i]) * Double(w.image[i]) }
        for i in 0..<output.alpha.count {
            total += Double(output.alpha[i]) * Double(w.alpha[i]) + Double(output.depth[i]) * Double(w.depth[i])
        }
        return total
    }

    enum Field: CaseIterable { case means, rotations, logScales, opacityLogits, features }

    static func values(_ scene: inout GaussianScene, _ field: Field) -> WritableKeyPath<GaussianScene, [Float]> {
        switch field {
        case .means: return \.means
        case .rotations: return \.rotations
        case .logScales: return \.logScales
        case .opacityLogits: return \.opacityLogits
        case .features: return \.features
        }
    }

    static func analytic(_ g: GaussianGradients, _ field: Field) -> [Float] {
        switch field {
        case .means: return g.means
        case .rotations: return g.rotations
        case .logScales: return g.logScales
        case .opacityLogits: return g.opacityLogits
        case .features: return g.features
        }
    }

    /// Checks every entry of `field`: |fd − analytic| ≤ 1% of the field's largest gradient + 2% of the entry.
    static func check(
        scene: GaussianScene, camera: PinholeCamera, settings: RasterSettings, fields: [Field],
        step: Float = 1e-3, sampleLimit: Int = 60
    ) throws {
        let rasterizer = GaussianRasterizer()
        let result = try rasterizer.render(scene: scene, camera: camera, settings: settings)
        let w = weights(pixels: camera.width * camera.height, channels: result.output.channels, seed: 99)
        let gradients = try rasterizer.backward(result, outputGradient: RasterOutputGradient(image: w.image, alpha: w.alpha, depth: w.depth))
        for field in fields {
            var probe = scene
            let path = values(&probe, field)
            let analyticValues = analytic(gradients, field)
            let largest = analyticValues.map { abs(Double($0)) }.max() ?? 0
            #expect(largest > 1e-3, "field \(field) must have a non-trivial gradient")
            let entries = scene[keyPath: path].count
            let strideBetween = max(1, entries / sampleLimit)
            for index in Swift.stride(from: 0, to: entries, by: strideBetween) {
                var plus = scene, minus = scene
                plus[keyPath: path][index] += step
                minus[keyPath: path][index] -= step
                let lp = loss(try rasterizer.render(scene: plus, camera: camera, settings: settings).output, w)
                let lm = loss(try rasterizer.render(scene: minus, camera: camera, settings: settings).output, w)
                let fd = (lp - lm) / (2 * Double(step))
                let an = Double(analyticValues[index])
                #expect(abs(fd - an) <= 0.01 * largest + 0.02 * abs(an), "\(field)[\(index)]: finite difference \(fd), analytic \(an)")
            }
        }
    }

    @Test func threeChannelGradientsMatchFiniteDifferences() throws {
        let scene = TestScenes.scene(count: 8, appearance: .features(channels: 3), seed: 11)
        try Self.check(
            scene: scene, camera: TestScenes.camera(),
            settings: RasterSettings(
                background: [0.3, 0.1, 0.7], alphaThreshold: 1e-7, transmittanceThreshold: 0), fields: Field.allCases)
    }

    @Test func thirtyTwoChannelGradientsMatchFiniteDifferences() throws {
        let scene = TestScenes.scene(count: 6, appearance: .features(channels: 32), seed: 12)
        try Self.check(
            scene: scene, camera: TestScenes.camera(width: 34, height: 28), settings: Self.smooth,
            fields: Field.allCases)
    }

    @Test func gradientsMatchFiniteDifferencesWhenTileListsSpanSeveralStagingBatches() throws {
        // The tile kernels stage list entries (and flush their gradients) in batches; with 80 wide
        // Gaussians over 3×2 tiles every tile list is longer than one batch. Depths are spread
        // evenly so that no finite-difference step swaps two Gaussians' order (a true jump).
        var scene = TestScenes.scene(count: 80, appearance: .features(channels: 9), seed: 18)
        let camera = TestScenes.camera(width: 40, height: 30)
        let view = camera.pose
        for i in 0..<scene.count {
            // Camera depth 2.5 + i/80: solve the depth row of the pose for the world z.
            let x = scene.means[3 * i], y = scene.means[3 * i + 1]
            scene.means[3 * i + 2] = (2.5 + Float(i) / 80 - view[11] - view[8] * x - view[9] * y) / view[10]
        }
        let depths = (0..<scene.count).map { i in
            (0..<3).reduce(view[11]) { $0 + view[8 + $1] * scene.means[3 * i + $1] }
        }.sorted()
        try #require(zip(depths, depths.dropFirst()).allSatisfy { $1 - $0 > 5e-3 })
        let result = try GaussianRasterizer().render(scene: scene, camera: camera, settings: Self.smooth)
        let ranges = result.binning.ranges
        let shortest = (0..<(ranges.count - 1)).map { ranges[$0 + 1] - ranges[$0] }.min() ?? 0
        try #require(Int(shortest) > TileScratch.batch)
        try Self.check(scene: scene, camera: camera, settings: Self.smooth, fields: Field.allCases, sampleLimit: 30)
    }

    @Test func sphericalHarmonicGradientsMatchFiniteDifferences() throws {
        let scene = TestScenes.scene(count: 6, appearance: .sphericalHarmonics(degree: 3), seed: 13)
        try Self.check(
            scene: scene, camera: TestScenes.camera(), settings: Self.smooth,
            fields: [.means, .features, .rotations])
    }

    @Test func gradientsMatchFiniteDifferencesWhenTheJacobianIsClamped() throws {
        var scene = TestScenes.scene(count: 4, appearance: .features(channels: 3), seed: 14, logScale: -0.9 ... -0.5)
        // Push two Gaussians beyond the clamp limit (1.15 of the image) on the x and y side.
        scene.means[0] = 2.6
        scene.means[2] = 2.8
        scene.means[4] = -2.4
        scene.means[5] = 2.9
        let settings = RasterSettings(alphaThreshold: 1e-7, transmittanceThreshold: 0)
        let geometry = CameraGeometry(TestScenes.camera(), clampMargin: settings.jacobianClampMargin, near: settings.nearPlane)
        let t0 = geometry.toCamera(SIMD3(scene.means[0], scene.means[1], scene.means[2]))
        let t1 = geometry.toCamera(SIMD3(scene.means[3], scene.means[4], scene.means[5]))
        #expect(t0.x / t0.z > geometry.ratioXHigh && t1.y / t1.z < geometry.ratioYLow, "the setup must exercise the clamp")
        try Self.check(scene: scene, camera: TestScenes.camera(), settings: settings, fields: [.means, .logScales])
    }

    @Test func cameraPoseGradientMatchesFiniteDifferences() throws {
        let scene = TestScenes.scene(count: 8, appearance: .features(channels: 3), seed: 15)
        let camera = TestScenes.camera()
        let rasterizer = GaussianRasterizer()
        let result = try rasterizer.render(scene: scene, camera: camera, settings: Self.smooth)
        let w = Self.weights(pixels: camera.width * camera.height, channels: 3, seed: 98)
        let gradients = try rasterizer.backward(result, outputGradient: RasterOutputGradient(image: w.image, alpha: w.alpha, depth: w.depth))
        let largest = gradients.worldToCamera.map { abs(Double($0)) }.max()!
        for entry in 0..<12 {
            let step: Float = 1e-3
            var plus = camera, minus = camera
            plus.pose[entry] += step
            minus.pose[entry] -= step
            let fd =
                (Self.loss(try rasterizer.render(scene: scene, camera: plus, settings: Self.smooth).output, w)
                    - Self.loss(try rasterizer.render(scene: scene, camera: minus, settings: Self.smooth).output, w)) / (2 * Double(step))
            let an = Double(gradients.worldToCamera[entry])
            #expect(abs(fd - an) <= 0.01 * largest + 0.02 * abs(an), "pose[\(entry)]: finite difference \(fd), analytic \(an)")
        }
    }

    @Test func featureGradientsRespectEarlyTermination() throws {
        // Features enter linearly, so finite differences are exact even with the 1/255 and 1e-4 cut-offs on.
        let scene = TestScenes.scene(
            count: 60, appearance: .features(channels: 3), seed: 16,
            logScale: -1.6 ... -1.0, opacityLogit: 3...6)
        try Self.check(
            scene: scene, camera: TestScenes.camera(width: 36, height: 30), settings: RasterSettings(),
            fields: [.features], step: 1e-2)
    }

    @Test func viewSpaceGradientNormIsTheNormOfTheProjectedMeanGradient() throws {
        let scene = TestScenes.scene(count: 1, appearance: .features(channels: 3), seed: 17)
        let camera = TestScenes.camera()
        let rasterizer = GaussianRasterizer()
        let result = try rasterizer.render(scene: scene, camera: camera, settings: Self.smooth)
        let w = Self.weights(pixels: camera.width * camera.height, channels: 3, seed: 97)
        let gradients = try rasterizer.backward(result, outputGradient: RasterOutputGradient(image: w.image))
        // Shifting the principal point moves every projected mean by the same amount and nothing else
        // (the Jacobian clamp window moves too, but it is inactive here), so dL/dcx = dL/du.
        let step: Float = 1e-2
        func shifted(_ du: Float, _ dv: Float) throws -> Double {
            var moved = camera
            moved.cx += du
            moved.cy += dv
            return Self.loss(
                try rasterizer.render(scene: scene, camera: moved, settings: Self.smooth).output,
                Weights(
                    image: w.image, alpha: [Float](repeating: 0, count: w.alpha.count),
                    depth: [Float](repeating: 0, count: w.depth.count)))
        }
        let gu = (try shifted(step, 0) - shifted(-step, 0)) / (2 * Double(step))
        let gv = (try shifted(0, step) - shifted(0, -step)) / (2 * Double(step))
        let expected =
            ((gu * Double(camera.width) / 2) * (gu * Double(camera.width) / 2)
            + (gv * Double(camera.height) / 2) * (gv * Double(camera.height) / 2)).squareRoot()
        #expect(abs(Double(gradients.viewSpaceGradientNorm[0]) - expected) <= 0.02 * expected)
    }
}
