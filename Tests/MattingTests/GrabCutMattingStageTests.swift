import AvatarFlow
import Foundation
import HeadModel
import MediaIO
import TestSupport
import Testing

@testable import Matting

@Suite struct GrabCutMattingStageTests {
    /// One 64² camera half a metre in front of the world origin.
    let camera = CameraCalibration(
        id: "cam0", width: 64, height: 64, fx: 64, fy: 64, cx: 31.5, cy: 31.5,
        worldToCamera: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0.5, 0, 0, 0, 1])

    /// A skin-coloured disc on a blue background.
    func picture() -> Image8 {
        var image = Image8(width: 64, height: 64, channels: 3)
        for y in 0..<64 {
            for x in 0..<64 {
                let inside = (x - 32) * (x - 32) + (y - 32) * (y - 32) < 14 * 14
                let colour: [UInt8] = inside ? [220, 170, 140] : [30, 60, 200]
                for c in 0..<3 { image.samples[(y * 64 + x) * 3 + c] = colour[c] }
            }
        }
        return image
    }

    /// Runs matting.grabcut on one frame per head translation (the camera looks at the world origin
    /// from 0.5 m) and returns the mattes and the stage's warnings.
    func run(translations: [[Double]]) throws -> (mattes: [Image8], warnings: [String]) {
        let harness = try StageHarness(label: "grabcut-test")
        let writer = try FrameSetWriter(
            directory: harness.file("frames"), cameras: ["cam0"], calibrations: [camera], size: PixelSize(width: 64, height: 64),
            frameRate: Rational(25, 1))
        for f in translations.indices { try writer.append([picture()], timestamp: Double(f) / 25, sourceIndex: f) }
        try writer.finish()
        let model = ProceduralHeadBuilder.build()
        let frames = translations.map { translation in
            HeadTracking.Frame(
                rotation: [0, 0, 0], translation: translation, jaw: [0, 0, 0], expression: [Double](repeating: 0, count: model.expressionNames.count),
                landmarks: [], meanResidualPixels: 1, observedViews: 1)
        }
        try FileManager.default.createDirectory(at: harness.file("tracking"), withIntermediateDirectories: true)
        try HeadTracking(
            model: model.name, cameras: ["cam0"], identity: [Double](repeating: 0, count: model.identityNames.count), scale: 1, frames: frames
        ).write(to: harness.file("tracking"))
        let outputs = try harness.run(GrabCutMattingStage.self, inputs: ["frames": harness.file("frames"), "tracking": harness.file("tracking")])
        let mattes = try FrameSet.open(outputs["frames"]!)
        return (try translations.indices.map { try mattes.image(frame: $0, camera: "cam0") }, harness.events.warnings)
    }

    /// In front of the camera, almost at the lens (the head fills the picture), far to the side.
    func runOnAFrameTooCloseAndOneOutside() throws -> (mattes: [Image8], warnings: [String]) {
        try run(translations: [[0, 0, 0], [0, 0, -0.45], [2, 0, 0]])
    }

    func coverage(_ image: Image8) -> Double {
        Double(stride(from: 3, to: image.samples.count, by: 4).filter { image.samples[$0] >= 128 }.count) / Double(image.width * image.height)
    }

    @Test func aFrameWhoseHeadFillsThePictureGetsAnEmptyMatteAndAWarningWhileTheOthersAreMatted() throws {
        let (mattes, warnings) = try runOnAFrameTooCloseAndOneOutside()
        #expect(coverage(mattes[0]) > 0.05)
        #expect(coverage(mattes[1]) == 0)
        #expect(warnings.contains { $0.contains("the trimap leaves no background") && $0.contains("cam0 frame 1") }, "\(warnings)")
    }

    @Test func aFrameWhoseHeadIsOutsideThePictureGetsAnEmptyMatteAndAWarning() throws {
        let (mattes, warnings) = try runOnAFrameTooCloseAndOneOutside()
        #expect(coverage(mattes[2]) == 0)
        #expect(warnings.contains { $0.contains("projects outside the picture") && $0.contains("cam0 frame 2") }, "\(warnings)")
    }

    @Test func aClipWithNoFrameToMatteIsAnErrorThatSaysWhy() throws {
        #expect {
            try run(translations: [[2, 0, 0], [0, 0, -0.45]])
        } throws: { error in
            "\(error)".contains("no frame could be matted") && "\(error)".contains("projects outside the picture")
        }
    }
}
