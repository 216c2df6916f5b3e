import AvatarFlow
import Foundation
import MediaIO
import TestSupport
import Testing

@testable import Matting

@Suite struct RemovePartsStageTests {
    /// Four pixels over white: background, head (red), body (blue), and a pixel half head (green)
    /// half body (blue) — the matte of a scene with alpha 1 there, composited as matting.difference does.
    let frame = Image8(
        width: 4, height: 1, channels: 4,
        samples: [
            255, 255, 255, 0,
            255, 0, 0, 255,
            0, 0, 255, 255,
            0, 128, 128, 255,
        ])
    /// R = head, G = hair, B = body of the same pixels.
    let masks = Image8(
        width: 4, height: 1, channels: 3,
        samples: [
            0, 0, 0,
            255, 0, 0,
            0, 0, 255,
            128, 0, 127,
        ])

    func run(frame: Image8, masks: Image8, parts: [String]) throws -> Image8 {
        let harness = try StageHarness(label: "remove-parts-test")
        try writeFrameSet([[frame]], to: harness.file("frames"))
        try writeFrameSet([[masks]], to: harness.file("masks"))
        let outputs = try harness.run(
            RemovePartsStage.self, inputs: ["frames": harness.file("frames"), "masks": harness.file("masks")],
            with: ["parts": .list(parts.map(ConfigValue.string))])
        return try FrameSet.open(outputs["frames"]!).image(frame: 0, camera: "cam0")
    }

    @Test func removingTheBodyClearsItToTheBackgroundAndKeepsTheHead() throws {
        let result = try run(frame: frame, masks: masks, parts: ["body"])
        #expect(Array(result.samples[0..<4]) == [255, 255, 255, 0], "background stays background")
        #expect(Array(result.samples[4..<8]) == [255, 0, 0, 255], "the head is untouched")
        #expect(Array(result.samples[8..<12]) == [255, 255, 255, 0], "the body becomes white background with alpha 0")
        let mixed = Array(result.samples[12..<16]).map(Int.init)
        #expect(abs(mixed[3] - 128) <= 1, "half of the pixel remains: \(mixed)")
        #expect(
            mixed[0] >= 126 && mixed[0] <= 128 && mixed[1] >= 190 && mixed[1] <= 192 && mixed[2] >= 190 && mixed[2] <= 192,
            "the remaining half is composited over white: \(mixed)")
    }

    @Test func labelEncodedRegionMasksAreRefused() throws {
        let harness = try StageHarness(label: "remove-parts-test")
        try writeFrameSet([[frame]], to: harness.file("frames"))
        try writeFrameSet([[masks]], to: harness.file("masks"))
        try MaskSet.write(MaskSet.Description(channels: ["face"], encoding: .labels, labels: ["face": 51]), to: harness.file("masks"))
        #expect {
            try harness.run(RemovePartsStage.self, inputs: ["frames": harness.file("frames"), "masks": harness.file("masks")])
        } throws: { error in
            "\(error)".contains("label maps")
        }
    }

    @Test func noPartsLeavesTheFramesUnchanged() throws {
        let result = try run(frame: frame, masks: masks, parts: [])
        #expect(result.samples == frame.samples)
    }

    @Test func unknownPartIsRefusedNamingTheKnownOnes() throws {
        #expect { _ = try run(frame: frame, masks: masks, parts: ["torso"]) } throws: { error in
            "\(error)".contains("torso") && "\(error)".contains("head, hair, body")
        }
    }

    @Test func masksOfAnotherSizeAreRefused() throws {
        let small = Image8(width: 2, height: 1, channels: 3, samples: [0, 0, 0, 0, 0, 255])
        #expect { _ = try run(frame: frame, masks: small, parts: ["body"]) } throws: { error in
            "\(error)".contains("do not match the frames")
        }
    }
}
