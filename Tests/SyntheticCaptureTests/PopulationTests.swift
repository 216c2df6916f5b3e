import AvatarFlow
import Foundation
import Geometry
import HeadModel
import MediaIO
import Testing

@testable import SyntheticCapture

@Suite struct PopulationTests {
    let identityCount = sharedHeadModel.identityCount

    @Test func everyPairOfSubjectsOfADefaultPopulationDiffersInShapeAndAppearance() {
        let seeds = SyntheticPopulation.subjectSeeds(seed: 1, count: 20, identityCount: identityCount)
        #expect(Set(seeds).count == 20)
        let subjects = seeds.map { SyntheticSubject(seed: $0, identityCount: identityCount, varied: true) }
        let heldOut = subjects[16...], training = subjects[..<16]
        for a in heldOut {
            for b in training {
                #expect(SyntheticPopulation.shapeDistance(a, b) >= SyntheticPopulation.minimumShapeDistance)
                #expect(SyntheticPopulation.appearanceDistance(a, b) >= SyntheticPopulation.minimumAppearanceDistance)
            }
        }
    }

    @Test func variedSubjectsSpanTheAppearanceRanges() {
        let subjects = (0..<40).map { SyntheticSubject(seed: UInt64($0), identityCount: identityCount, varied: true) }
        let lengths = subjects.map(\.hairLength)
        #expect(lengths.min()! < 0.08 && lengths.max()! > 0.24, "short and shoulder-length hair")
        let skinLuminance = subjects.map { simdDot($0.skinColor, SIMD3(0.2126, 0.7152, 0.0722)) }
        #expect(skinLuminance.max()! > 3 * skinLuminance.min()!, "light and dark skin")
        #expect(Set(subjects.map { $0.hairParting == nil }).count == 2, "with and without parting")
        #expect(Set(subjects.map { Int($0.hairColor.x * 20) }).count >= 4, "several hair colours")
    }

    @Test func theDefaultSubjectIsUnchangedWithoutVariety() {
        let plain = SyntheticSubject(seed: 5, identityCount: identityCount)
        let varied = SyntheticSubject(seed: 5, identityCount: identityCount, varied: true)
        #expect(plain.identity == varied.identity, "shape comes from the same stream")
        #expect(plain.hairVolume == 1 && plain.hairParting == nil && plain.skinTexture == 1)
        #expect(plain.skinColor != varied.skinColor)
    }

    @Test func populationStageWritesOneCapturePerSubjectWithSplits() throws {
        let harness = try StageHarness(label: "population-test")
        let output = try harness.run(
            PopulationStage.self,
            with: [
                "identities": .int(3), "held_out_identities": .int(1), "expressions": .int(3), "held_out_expressions": .int(1),
                "cameras": .int(2), "size": .int(48),
            ])["population"]!
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("population.json"))) as! [String: Any]
        let subjects = index["subjects"] as! [[String: Any]]
        #expect(subjects.map { $0["split"] as! String } == ["training", "training", "heldout"])
        #expect(index["training_expressions"] as? [String] == ["neutral", "smile"] && index["held_out_expressions"] as? [String] == ["mouth_open"])
        var means: [SIMD3<Float>] = []
        for subject in subjects {
            let capture = try Capture.open(output.appendingPathComponent(subject["id"] as! String))
            #expect(capture.frameCount == 2 && capture.cameras.count == 2)
            let heldOut = output.appendingPathComponent("\(subject["id"] as! String)/groundtruth/heldout/regions/cam01/000000.png")
            #expect(FileManager.default.fileExists(atPath: heldOut.path))
            let image = try PNGFile.read8(output.appendingPathComponent("\(subject["id"] as! String)/cam00/000000.png"))
            let alpha = try PNGFile.read8(output.appendingPathComponent("\(subject["id"] as! String)/groundtruth/training/alpha/cam00/000000.png"))
            var sum = SIMD3<Float>.zero, count: Float = 0
            for p in 0..<alpha.samples.count where alpha.samples[p] == 255 {
                sum += SIMD3(Float(image.samples[3 * p]), Float(image.samples[3 * p + 1]), Float(image.samples[3 * p + 2]))
                count += 1
            }
            means.append(sum / count)
        }
        #expect(
            simdLength(means[0] - means[1]) > 5 && simdLength(means[0] - means[2]) > 5 && simdLength(means[1] - means[2]) > 5,
            "subjects look different: \(means)")
        let population = try Population.open(output)
        #expect(population.trainingSubjects.count == 2 && population.heldOutSubjects.map(\.id) == ["subject002"])
        #expect(population.index.heldOutExpressions == ["mouth_open"])
        #expect(try Capture.open(population.captureDirectory(of: population.heldOutSubjects[0])).frameCount == 2)
    }

    @Test func expressionsMotionHoldsOneExpressionPerFrameAndContinuesInTheHeldOutSequence() {
        let training = SyntheticPerformance.generate(
            motion: .expressions, kind: .training, seed: 1, frameCount: 10, framesPerSecond: 25,
            expressionCount: sharedHeadModel.expressionCount, jointCount: 5, trainingFrames: 10)
        let heldOut = SyntheticPerformance.generate(
            motion: .expressions, kind: .heldOut, seed: 1, frameCount: 2, framesPerSecond: 25,
            expressionCount: sharedHeadModel.expressionCount, jointCount: 5, trainingFrames: 10)
        #expect(training[0].expression.allSatisfy { $0 == 0 }, "neutral first")
        #expect(heldOut[0] == SyntheticPerformance.expressionSet[10].frame(expressionCount: sharedHeadModel.expressionCount, jointCount: 5))
        #expect(training.allSatisfy { $0.pose.jointRotations[1] == .zero })
    }
}
