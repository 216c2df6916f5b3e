import Foundation
import TestSupport
import Testing

@testable import Splatting

/// The two-way split of EAvatar's displacement-driven splitting (`DensityControl.splitInTwo`).
struct DisplacementSplitTests {
    @Test func theParentIsReplacedByTwoChildrenThatInheritItsPayloads() {
        var scene = TestScenes.scene(count: 4, appearance: .features(channels: 3), seed: 41)
        scene.attributes["label"] = GaussianAttribute(width: 1, values: .int32([10, 11, 12, 13]))
        let original = scene
        let edit = DensityControl.splitInTwo(&scene, candidates: [2], settings: TwoWaySplitSettings(offset: 0.5, maximumCount: 100))
        #expect(edit.split == 1 && edit.cloned == 0 && edit.pruned == 0)
        #expect(edit.sourceIndex == [0, 1, 3, 2, 2])
        #expect(edit.isNew == [false, false, false, true, true])
        #expect(scene.attributes["label"]!.values == .int32([10, 11, 13, 12, 12]))
        #expect(Array(scene.features[9..<15]) == Array(original.features[6..<9]) + Array(original.features[6..<9]))
        #expect(Array(scene.means[0..<6]) == Array(original.means[0..<6]), "survivors are untouched")
    }

    @Test func childrenKeepTheParentsMeanAndCovariance() {
        let ls: [Float] = [log(0.3), log(0.1), log(0.05)]
        var scene = GaussianScene(
            means: [1, 2, 3], rotations: [0.9, 0.1, -0.3, 0.2], logScales: ls, opacityLogits: [0.5], features: [0.2, 0.4, 0.6],
            appearance: .features(channels: 3))
        let offset: Float = 0.5
        _ = DensityControl.splitInTwo(&scene, candidates: [0], settings: TwoWaySplitSettings(offset: offset, maximumCount: 2))
        let a = SIMD3(scene.means[0], scene.means[1], scene.means[2]), b = SIMD3(scene.means[3], scene.means[4], scene.means[5])
        let mid = (a + b) / 2, half = (a - b) / 2
        #expect(length(mid - SIMD3(1, 2, 3)) < 1e-6, "the children are symmetric about the parent")
        #expect(Swift.abs(length(half) - offset * 0.3) < 1e-6, "they sit offset × s along the largest axis")
        let shrunk = exp(scene.logScales[0])
        // Along the axis: offset²s² (spread of the pair) + child variance = parent variance.
        #expect(Swift.abs(offset * offset * 0.09 + shrunk * shrunk - 0.09) < 1e-6)
        #expect(Array(scene.logScales[1..<3]) == Array(ls[1..<3]) && Array(scene.logScales[4..<6]) == Array(ls[1..<3]))
        let alpha = 1 / (1 + exp(-Float(0.5))), child = 1 / (1 + exp(-scene.opacityLogits[0]))
        #expect(Swift.abs((1 - child) * (1 - child) - (1 - alpha)) < 1e-5, "two coincident children composite to the parent's opacity")
    }

    @Test func aSplitLeavesTheRenderedImageNearlyUnchanged() throws {
        var scene = TestScenes.scene(count: 30, appearance: .features(channels: 3), seed: 42)
        let camera = TestScenes.camera()
        let rasterizer = GaussianRasterizer(workers: 1)
        let before = try rasterizer.render(scene: scene, camera: camera).output
        let edit = DensityControl.splitInTwo(&scene, candidates: Array(0..<30), settings: TwoWaySplitSettings(offset: 0.5, maximumCount: 1000))
        #expect(edit.split == 30 && scene.count == 60)
        let after = try rasterizer.render(scene: scene, camera: camera).output
        let error = zip(before.image, after.image).map { Double(Swift.abs($0 - $1)) }
        let mean = error.reduce(0, +) / Double(error.count)
        // The children's overlap composites slightly differently from one Gaussian.
        #expect(mean < 0.01, "mean absolute change \(mean)")
        #expect(error.max()! < 0.15, "largest change \(error.max()!)")
    }

    @Test func theCountNeverExceedsTheCap() {
        var scene = TestScenes.scene(count: 10, appearance: .features(channels: 3), seed: 43)
        let edit = DensityControl.splitInTwo(&scene, candidates: [9, 8, 7, 6, 5], settings: TwoWaySplitSettings(offset: 0.5, maximumCount: 12))
        #expect(edit.split == 2 && scene.count == 12)
        #expect(edit.sourceIndex.suffix(4) == [9, 9, 8, 8], "candidates are taken in priority order")
    }

    @Test func noCandidateLeavesTheSceneAsItIs() {
        var scene = TestScenes.scene(count: 5, appearance: .features(channels: 3), seed: 44)
        let original = scene
        let edit = DensityControl.splitInTwo(&scene, candidates: [], settings: TwoWaySplitSettings(offset: 0.5, maximumCount: 100))
        #expect(edit.split == 0 && scene == original && edit.sourceIndex == Array(0..<5))
    }
}

private func length(_ v: SIMD3<Float>) -> Float { (v * v).sum().squareRoot() }
