import Foundation
import Testing

@testable import Splatting

struct ForwardTests {
    private func expectMatchesBruteForce(_ scene: GaussianScene, camera: PinholeCamera, settings: RasterSettings) throws {
        let result = try GaussianRasterizer().render(scene: scene, camera: camera, settings: settings)
        let reference = BruteForceRenderer.render(scene: scene, camera: camera, settings: settings)
        let output = result.output
        var maxImageError = 0.0, maxAlphaError = 0.0, maxDepthError = 0.0
        for i in 0..<output.image.count { maxImageError = max(maxImageError, abs(Double(output.image[i]) - reference.image[i])) }
        for i in 0..<output.alpha.count {
            maxAlphaError = max(maxAlphaError, abs(Double(output.alpha[i]) - reference.alpha[i]))
            maxDepthError = max(maxDepthError, abs(Double(output.depth[i]) - reference.depth[i]) / 4)
        }
        #expect(maxImageError < 1e-5)
        #expect(maxAlphaError < 1e-5)
        #expect(maxDepthError < 1e-5, "depth error relative to the scene depth ~4")
        #expect(output.contributorCount.map(Int.init) == reference.count)
        #expect(reference.alpha.max()! > 0.5, "the scene must actually cover the image")
    }

    @Test func threeChannelForwardMatchesBruteForceReference() throws {
        let scene = TestScenes.scene(count: 60, appearance: .features(channels: 3), seed: 1)
        try expectMatchesBruteForce(
            scene, camera: TestScenes.camera(width: 53, height: 37),
            settings: RasterSettings(background: [0.2, 0.5, 0.9]))
    }

    @Test func thirtyTwoChannelForwardMatchesBruteForceReference() throws {
        let scene = TestScenes.scene(count: 40, appearance: .features(channels: 32), seed: 2)
        try expectMatchesBruteForce(
            scene, camera: TestScenes.camera(width: 48, height: 40),
            settings: RasterSettings(background: (0..<32).map { Float($0) / 32 }))
    }

    @Test func sphericalHarmonicsForwardMatchesBruteForceReference() throws {
        for degree in 0...3 {
            let scene = TestScenes.scene(count: 30, appearance: .sphericalHarmonics(degree: degree), seed: 3 + UInt64(degree))
            try expectMatchesBruteForce(scene, camera: TestScenes.camera(width: 40, height: 34), settings: RasterSettings())
        }
    }

    @Test func earlyTerminationMatchesBruteForceReference() throws {
        let scene = TestScenes.scene(
            count: 120, appearance: .features(channels: 3), seed: 9,
            logScale: -1.6 ... -1.0, opacityLogit: 3...6)
        let camera = TestScenes.camera(width: 36, height: 30)
        let result = try GaussianRasterizer().render(scene: scene, camera: camera)
        #expect(result.output.alpha.contains { $0 > 0.9999 - 1e-6 }, "some pixels must saturate")
        try expectMatchesBruteForce(scene, camera: camera, settings: RasterSettings())
    }

    @Test func singleAndMultiThreadedRendersAreIdentical() throws {
        let scene = TestScenes.scene(count: 200, appearance: .features(channels: 5), seed: 4)
        let camera = TestScenes.camera(width: 70, height: 50)
        let one = try GaussianRasterizer(workers: 1).render(scene: scene, camera: camera)
        let many = try GaussianRasterizer(workers: 4).render(scene: scene, camera: camera)
        #expect(one.output.image == many.output.image)
        #expect(one.output.depth == many.output.depth)
    }

    @Test func gaussiansBehindTheNearPlaneAreCulled() throws {
        var scene = TestScenes.scene(count: 1, appearance: .features(channels: 3), seed: 5)
        let camera = TestScenes.camera()
        let centre = camera.center
        let m = camera.pose
        // Put the Gaussian on the optical axis at depth 0.005, closer than `near` (0.01).
        scene.means = (0..<3).map { centre[$0] + 0.005 * m[8 + $0] }
        scene.logScales = [-1, -1, -1]
        let result = try GaussianRasterizer().render(scene: scene, camera: camera)
        #expect(result.output.alpha.allSatisfy { $0 == 0 })
        #expect(result.screenRadius == [0])
    }

    @Test func nonFiniteParameterIsReportedWithGaussianAndField() throws {
        var scene = TestScenes.scene(count: 5, appearance: .features(channels: 3), seed: 6)
        scene.logScales[3 * 3 + 1] = .nan
        #expect(throws: SplattingError.nonFinite(field: "logScales", gaussian: 3, component: 1, value: .nan)) {
            _ = try GaussianRasterizer().render(scene: scene, camera: TestScenes.camera())
        }
        var infinite = TestScenes.scene(count: 5, appearance: .features(channels: 3), seed: 6)
        infinite.features[4 * 3 + 2] = .infinity
        do {
            _ = try GaussianRasterizer().render(scene: infinite, camera: TestScenes.camera())
            Issue.record("an infinite feature must be rejected")
        } catch {
            #expect(error.description.contains("Gaussian 4"))
            #expect(error.description.contains("features[2]"))
        }
    }

    @Test func degenerateCovariancesAreSkippedWithoutNaN() throws {
        var scene = TestScenes.scene(count: 4, appearance: .features(channels: 3), seed: 7)
        scene.rotations.replaceSubrange(0..<4, with: [0, 0, 0, 0])
        scene.logScales.replaceSubrange(3..<6, with: [80, 80, 80])
        scene.logScales.replaceSubrange(6..<9, with: [-60, -60, -60])
        let camera = TestScenes.camera()
        let result = try GaussianRasterizer().render(scene: scene, camera: camera)
        #expect(result.output.image.allSatisfy { $0.isFinite })
        #expect(result.screenRadius[0] == 0 && result.screenRadius[1] == 0)
        let gradients = try GaussianRasterizer().backward(
            result, outputGradient: RasterOutputGradient(image: [Float](repeating: 1, count: result.output.image.count)))
        #expect(gradients.means.allSatisfy { $0.isFinite })
        #expect(gradients.rotations.allSatisfy { $0.isFinite })
    }

    @Test func emptySceneRendersTheBackground() throws {
        let rasterizer = GaussianRasterizer()
        let result = try rasterizer.render(
            scene: GaussianScene(appearance: .features(channels: 2)), camera: TestScenes.camera(),
            settings: RasterSettings(background: [0.25, 0.75]))
        #expect(result.output.image == [Float](repeating: 0, count: 40 * 32).flatMap { _ in [Float(0.25), 0.75] })
        #expect(result.output.alpha.allSatisfy { $0 == 0 })
        let gradients = try rasterizer.backward(result, outputGradient: RasterOutputGradient(image: result.output.image))
        #expect(gradients.means.isEmpty && gradients.worldToCamera == [Float](repeating: 0, count: 12))
    }

    @Test func nonFiniteCameraIsReported() throws {
        var camera = TestScenes.camera()
        camera.pose[7] = .nan
        let scene = TestScenes.scene(count: 2, appearance: .features(channels: 3), seed: 10)
        #expect(throws: SplattingError.self) { _ = try GaussianRasterizer().render(scene: scene, camera: camera) }
    }

    @Test func mismatchedArraysAreReportedByField() throws {
        var scene = TestScenes.scene(count: 3, appearance: .features(channels: 3), seed: 8)
        scene.rotations.removeLast()
        do {
            _ = try GaussianRasterizer().render(scene: scene, camera: TestScenes.camera())
            Issue.record("a short rotation array must be rejected")
        } catch {
            #expect(error.description.contains("rotations"))
        }
    }
}
