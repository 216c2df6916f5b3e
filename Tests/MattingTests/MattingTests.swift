import AvatarFlow
import Foundation
import ImageFilters
import MediaIO
import TestSupport
import Testing

@testable import Matting

/// A deterministic scene: a textured disc (the subject) over a textured plate, anti-aliased by
/// 4×4 supersampling so the true alpha is fractional along the edge, plus Gaussian-like noise.
struct DiscScene {
    let width = 96, height = 80
    var centre: (Double, Double) = (48, 40)
    var radius = 22.0
    var noise: Double = 0.01
    /// Within this fraction of the radius the subject differs from the plate by only 0.12 per
    /// channel (a face against a wall of similar tone); 0 = the whole disc has the subject colour.
    var lowContrastCore = 0.0

    func trueAlpha() -> [Float] {
        var alpha = [Float](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                var inside = 0
                for sy in 0..<4 {
                    for sx in 0..<4 {
                        let px = Double(x) + (Double(sx) + 0.5) / 4 - 0.5, py = Double(y) + (Double(sy) + 0.5) / 4 - 0.5
                        if (px - centre.0) * (px - centre.0) + (py - centre.1) * (py - centre.1) < radius * radius { inside += 1 }
                    }
                }
                alpha[y * width + x] = Float(inside) / 16
            }
        }
        return alpha
    }

    func plate(seed: UInt64 = 1) -> Image8 { render(alpha: [Float](repeating: 0, count: width * height), seed: seed) }
    func frame(seed: UInt64 = 2) -> Image8 { render(alpha: trueAlpha(), seed: seed) }

    private func render(alpha: [Float], seed: UInt64) -> Image8 {
        var generator = LinearCongruentialGenerator(seed: seed &* 0x9E3779B97F4A7C15)
        func uniform() -> Double { generator.nextUnitDouble() }
        var samples = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let a = Double(alpha[y * width + x])
                let background = [0.3 + 0.2 * sin(Double(x) / 5), 0.55 + 0.15 * cos(Double(y) / 7), 0.4 + 0.1 * sin(Double(x + y) / 9)]
                let r = ((Double(x) - centre.0) * (Double(x) - centre.0) + (Double(y) - centre.1) * (Double(y) - centre.1)).squareRoot()
                let subject =
                    r < lowContrastCore * radius
                    ? background.map { $0 + 0.12 } : [0.85 + 0.1 * sin(Double(x * y) / 40), 0.45 + 0.1 * cos(Double(x) / 3), 0.3]
                for channel in 0..<3 {
                    let value = a * subject[channel] + (1 - a) * background[channel] + noise * (uniform() + uniform() + uniform() - 1.5)
                    samples[(y * width + x) * 3 + channel] = UInt8(max(0, min(255, (value * 255).rounded())))
                }
            }
        }
        return Image8(width: width, height: height, channels: 3, samples: samples)
    }
}

func intersectionOverUnion(_ a: [Float], _ b: [Float]) -> Double {
    var intersection = 0, union = 0
    for (x, y) in zip(a, b) {
        if x > 0.5 && y > 0.5 { intersection += 1 }
        if x > 0.5 || y > 0.5 { union += 1 }
    }
    return Double(intersection) / Double(max(union, 1))
}

func meanAbsoluteError(_ a: [Float], _ b: [Float]) -> Double {
    zip(a, b).reduce(0.0) { $0 + Double(abs($1.0 - $1.1)) } / Double(a.count)
}

@Suite struct MattingAlgorithmTests {
    @Test func differenceMatteRecoversAnAntialiasedSubject() {
        let scene = DiscScene()
        let alpha = DifferenceMatte().alpha(frame: scene.frame(), plate: scene.plate())
        let truth = scene.trueAlpha()
        #expect(intersectionOverUnion(alpha.values, truth) > 0.97)
        #expect(meanAbsoluteError(alpha.values, truth) < 0.02)
    }

    @Test func aSubjectCoveringMostOfTheFrameKeepsItsLowContrastCore() {
        // 72 % of the frame is subject: the median distance is a subject distance, not noise.
        let scene = DiscScene(centre: (48, 40), radius: 42, lowContrastCore: 0.6)
        let truth = scene.trueAlpha()
        #expect(truth.filter { $0 > 0.5 }.count * 100 > 70 * truth.count)
        let alpha = DifferenceMatte().alpha(frame: scene.frame(), plate: scene.plate())
        #expect(intersectionOverUnion(alpha.values, truth) > 0.97)
    }

    @Test func closedFormRefinementRecoversAnAntialiasedSubject() {
        let scene = DiscScene()
        var matte = DifferenceMatte()
        matte.settings.closedForm = true
        matte.settings.closedFormSize = 48
        let alpha = matte.alpha(frame: scene.frame(), plate: scene.plate())
        let truth = scene.trueAlpha()
        #expect(intersectionOverUnion(alpha.values, truth) > 0.97)
        #expect(meanAbsoluteError(alpha.values, truth) < 0.02)
    }

    @Test func temporalMedianRecoversTheBackgroundOfAMovingSubject() throws {
        var frames: [Image8] = []
        for step in 0..<9 {
            var scene = DiscScene()
            scene.centre = (20 + Double(step) * 7, 40)
            scene.radius = 12
            frames.append(scene.frame(seed: UInt64(10 + step)))
        }
        let plate = try BackgroundEstimator.temporalMedian(frames, camera: "cam0", path: "test")
        var scene = DiscScene()
        scene.centre = (48, 40)
        scene.radius = 12
        let alpha = DifferenceMatte().alpha(frame: scene.frame(seed: 99), plate: plate)
        #expect(intersectionOverUnion(alpha.values, scene.trueAlpha()) > 0.9)
    }

    @Test func subjectThatNeverMovesIsRefused() {
        let frames = (0..<5).map { DiscScene(noise: 0).frame(seed: UInt64($0)) }
        #expect(throws: MattingError.self) { try BackgroundEstimator.temporalMedian(frames, camera: "cam0", path: "capture") }
        do {
            _ = try BackgroundEstimator.temporalMedian(frames, camera: "cam0", path: "capture")
        } catch {
            #expect("\(error)".contains("never moves"))
            #expect("\(error)".contains("background/cam0.png"))
        }
    }

    @Test func allBlackPlateIsRefused() {
        let plate = Image8(width: 4, height: 4, channels: 3, filledWith: 1)
        #expect(throws: MattingError.self) { try BackgroundEstimator.check(plate, camera: "cam1", path: "plate.png") }
    }
}

@Suite struct DifferenceMattingStageTests {
    /// Writes a one-camera FrameSet (with or without a plate) into `harness`, runs the stage,
    /// returns the output FrameSet and the stage's warnings.
    func runStage(_ harness: StageHarness, withPlate: Bool, frames: [Image8], plate: Image8?, background: String = "white") throws -> (FrameSet, [String]) {
        let inputDirectory = try writeFrameSet(frames.map { [$0] }, to: harness.file("in"))
        if withPlate, let plate {
            let folder = inputDirectory.appendingPathComponent(FrameSet.backgroundFolderName)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try PNGFile.write(plate, to: folder.appendingPathComponent("cam0.png"))
        }
        let outputs = try harness.run(DifferenceMattingStage.self, inputs: ["frames": inputDirectory], with: ["background": .string(background)])
        return (try FrameSet.open(outputs["frames"]!), harness.events.warnings)
    }

    @Test func stageWritesRGBAWithAlphaAndWhiteComposite() throws {
        let scene = DiscScene()
        let harness = try StageHarness(label: "matting-test")
        let (output, warnings) = try runStage(harness, withPlate: true, frames: [scene.frame()], plate: scene.plate())
        #expect(warnings.isEmpty)
        #expect(output.manifest.channels == 4)
        let image = try output.image(frame: 0, camera: "cam0")
        let alpha = stride(from: 3, to: image.samples.count, by: 4).map { Float(image.samples[$0]) / 255 }
        #expect(intersectionOverUnion(alpha, scene.trueAlpha()) > 0.97)
        #expect(image.samples[0] == 255 && image.samples[1] == 255 && image.samples[2] == 255, "the corner is background, composited on white")
    }

    @Test func compositeUnmixesThePlateColourFromBoundaryPixels() {
        // One boundary pixel: 40 % dark hair (20, 10, 5) over a green plate (90, 160, 80).
        let hair: [Float] = [20, 10, 5], plate: [Float] = [90, 160, 80], coverage: Float = 0.4
        let observed = (0..<3).map { UInt8((coverage * hair[$0] + (1 - coverage) * plate[$0]).rounded()) }
        let frame = Image8(width: 1, height: 1, channels: 3, samples: observed)
        let plateImage = Image8(width: 1, height: 1, channels: 3, samples: plate.map { UInt8($0) })
        let alpha = Plane(width: 1, height: 1, values: [coverage])
        for (background, fill) in [(DifferenceMattingStage.Parameters.Background.white, Float(255)), (.black, Float(0))] {
            let result = DifferenceMattingStage.composite(frame, alpha: alpha, plate: plateImage, background: background)
            for channel in 0..<3 {
                let expected = coverage * hair[channel] + (1 - coverage) * fill
                #expect(abs(Float(result.samples[channel]) - expected) <= 1, "\(background) channel \(channel): \(result.samples[channel]) vs \(expected)")
            }
            #expect(result.samples[3] == 102)
        }
        let onPlate = DifferenceMattingStage.composite(frame, alpha: alpha, plate: plateImage, background: .plate)
        #expect(Array(onPlate.samples[0..<3]) == observed, "over its own plate the frame is already the composite")
    }

    @Test func stageEstimatesAMissingPlateAndWarns() throws {
        let frames = (0..<9).map { step -> Image8 in
            var scene = DiscScene()
            scene.centre = (20 + Double(step) * 7, 40)
            scene.radius = 12
            return scene.frame(seed: UInt64(step))
        }
        let harness = try StageHarness(label: "matting-test")
        let (output, warnings) = try runStage(harness, withPlate: false, frames: frames, plate: nil)
        #expect(warnings.contains { $0.contains("no background plate") })
        #expect(output.manifest.frameCount == 9)
    }
}
