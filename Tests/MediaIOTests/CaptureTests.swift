import Foundation
import TestSupport
import Testing

@testable import MediaIO

/// Builds capture directories for tests: FFV1 videos (exact) or PNG folders per camera.
struct CaptureFixture {
    let directory: TemporaryDirectory
    var root: URL { directory.url }

    init() throws { directory = try TemporaryDirectory() }

    /// A fixture writing into an existing temporary directory.
    init(directory: TemporaryDirectory) { self.directory = directory }

    static func frame(camera: Int, index: Int, width: Int, height: Int) -> Image8 {
        syntheticImage(width: width, height: height, seed: camera * 100 + index)
    }

    static func calibration(_ id: String, width: Int, height: Int) -> CameraCalibration {
        CameraCalibration(
            id: id, width: width, height: height, fx: 100, fy: 100, cx: Double(width - 1) / 2,
            cy: Double(height - 1) / 2,
            worldToCamera: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2, 0, 0, 0, 1])
    }

    func writeCamerasJSON(_ cameras: [CameraCalibration], fps: Double? = nil) throws {
        let file = CamerasFile(cameras: cameras, fps: fps, units: nil)
        try JSONEncoder().encode(file).write(to: root.appendingPathComponent("cameras.json"))
    }

    func writeVideo(camera: Int, id: String, frames: Int, width: Int = 32, height: Int = 24, fps: Int = 25) throws {
        let writer = try VideoWriter(
            url: root.appendingPathComponent("\(id).mkv"), frameSize: PixelSize(width: width, height: height),
            options: VideoEncodeOptions(codec: .ffv1, frameRate: Rational(fps, 1)))
        for index in 0..<frames { try writer.append(Self.frame(camera: camera, index: index, width: width, height: height)) }
        try writer.finish()
    }

    func writeFolder(camera: Int, id: String, frames: Int, width: Int = 32, height: Int = 24) throws {
        let folder = root.appendingPathComponent(id)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for index in 0..<frames {
            try PNGFile.write(
                Self.frame(camera: camera, index: index, width: width, height: height),
                to: folder.appendingPathComponent(String(format: "img_%04d.png", index)))
        }
    }
}

@Suite struct CaptureTests {
    private func expectLayoutError(containing fragments: [String], _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("expected an invalidLayout error")
        } catch let error as MediaIOError {
            #expect(error.kind == .invalidLayout, "\(error)")
            for fragment in fragments { #expect(error.description.contains(fragment), "\(error)") }
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func captureWithVideoAndImageFolderOpensWithPlatesAndGroundTruth() throws {
        let fixture = try CaptureFixture()
        try fixture.writeVideo(camera: 0, id: "cam0", frames: 4)
        try fixture.writeFolder(camera: 1, id: "cam1", frames: 4)
        try fixture.writeCamerasJSON([
            CaptureFixture.calibration("cam0", width: 32, height: 24),
            CaptureFixture.calibration("cam1", width: 32, height: 24),
        ])
        try FileManager.default.createDirectory(at: fixture.root.appendingPathComponent("background"), withIntermediateDirectories: true)
        try PNGFile.write(syntheticImage(width: 32, height: 24), to: fixture.root.appendingPathComponent("background/cam1.png"))
        try FileManager.default.createDirectory(at: fixture.root.appendingPathComponent("groundtruth"), withIntermediateDirectories: true)
        let capture = try Capture.open(fixture.root)
        #expect(capture.frameCount == 4)
        #expect(capture.size == PixelSize(width: 32, height: 24))
        #expect(capture.frameRate == Rational(25, 1))
        #expect(capture.cameras[0].backgroundPlate == nil)
        #expect(capture.cameras[1].backgroundPlate?.lastPathComponent == "cam1.png")
        #expect(capture.groundTruthDirectory?.lastPathComponent == "groundtruth")
        guard case .images(_, let files) = capture.cameras[1].media else {
            Issue.record("cam1 should be an image folder")
            return
        }
        #expect(files.count == 4)
    }

    @Test func anotherCalibrationFileResolvesMediaAndPlatesFromItsOwnFolder() throws {
        let fixture = try CaptureFixture()
        try fixture.writeFolder(camera: 0, id: "cam0", frames: 3)
        try fixture.writeCamerasJSON([CaptureFixture.calibration("cam0", width: 32, height: 24)])
        let extra = fixture.root.appendingPathComponent("groundtruth")
        try FileManager.default.createDirectory(at: extra.appendingPathComponent("held/images"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: extra.appendingPathComponent("background"), withIntermediateDirectories: true)
        for index in 0..<3 {
            try PNGFile.write(
                CaptureFixture.frame(camera: 7, index: index, width: 32, height: 24),
                to: extra.appendingPathComponent(String(format: "held/images/%06d.png", index)))
        }
        try PNGFile.write(syntheticImage(width: 32, height: 24), to: extra.appendingPathComponent("background/held.png"))
        let file = CamerasFile(
            cameras: [
                CaptureFixture.calibration("cam0", width: 32, height: 24).withMedia("../cam0"),
                CaptureFixture.calibration("held", width: 32, height: 24).withMedia("held/images"),
            ],
            fps: nil, units: nil)
        try JSONEncoder().encode(file).write(to: extra.appendingPathComponent("cameras.json"))

        let capture = try Capture.open(fixture.root, camerasFile: "groundtruth/cameras.json")
        #expect(capture.cameras.map(\.calibration.id) == ["cam0", "held"])
        #expect(capture.frameCount == 3)
        #expect(capture.cameras[1].backgroundPlate?.path.hasSuffix("groundtruth/background/held.png") == true)
        #expect(capture.directory.standardizedFileURL == fixture.root.standardizedFileURL)
        guard case .images(let folder, _) = capture.cameras[0].media else {
            Issue.record("cam0 should be an image folder")
            return
        }
        #expect(folder.standardizedFileURL.path == fixture.root.appendingPathComponent("cam0").standardizedFileURL.path)
    }

    @Test func calibrationFileOutsideTheCaptureIsRefused() throws {
        let fixture = try CaptureFixture()
        try fixture.writeFolder(camera: 0, id: "cam0", frames: 2)
        try fixture.writeCamerasJSON([CaptureFixture.calibration("cam0", width: 32, height: 24)])
        expectLayoutError(containing: ["../cameras.json", "inside the capture directory"]) {
            _ = try Capture.open(fixture.root, camerasFile: "../cameras.json")
        }
    }

    @Test func missingCamerasJSONSaysWhatToCreate() throws {
        let fixture = try CaptureFixture()
        try fixture.writeVideo(camera: 0, id: "cam0", frames: 2)
        expectLayoutError(containing: ["cameras.json", "capture-format.md"]) { _ = try Capture.open(fixture.root) }
    }

    @Test func missingCameraMediaNamesTheCameraAndExpectedFile() throws {
        let fixture = try CaptureFixture()
        try fixture.writeVideo(camera: 0, id: "cam0", frames: 2)
        try fixture.writeCamerasJSON([
            CaptureFixture.calibration("cam0", width: 32, height: 24),
            CaptureFixture.calibration("side", width: 32, height: 24),
        ])
        expectLayoutError(containing: ["'side'", "side.mp4"]) { _ = try Capture.open(fixture.root) }
    }

    @Test func mismatchedFrameCountsListEveryCamera() throws {
        let fixture = try CaptureFixture()
        try fixture.writeVideo(camera: 0, id: "cam0", frames: 3)
        try fixture.writeVideo(camera: 1, id: "cam1", frames: 5)
        try fixture.writeCamerasJSON([
            CaptureFixture.calibration("cam0", width: 32, height: 24),
            CaptureFixture.calibration("cam1", width: 32, height: 24),
        ])
        expectLayoutError(containing: ["cam0: 3 frames", "cam1: 5 frames", "trim"]) { _ = try Capture.open(fixture.root) }
    }

    @Test func mediaSizeDifferentFromCalibrationNamesTheFile() throws {
        let fixture = try CaptureFixture()
        try fixture.writeVideo(camera: 0, id: "cam0", frames: 2, width: 40, height: 24)
        try fixture.writeCamerasJSON([CaptureFixture.calibration("cam0", width: 32, height: 24)])
        expectLayoutError(containing: ["cam0.mkv", "40x24", "32x24"]) { _ = try Capture.open(fixture.root) }
    }

    @Test func camerasOfDifferentSizesAreRejected() throws {
        let fixture = try CaptureFixture()
        try fixture.writeVideo(camera: 0, id: "cam0", frames: 2)
        try fixture.writeVideo(camera: 1, id: "cam1", frames: 2, width: 40, height: 24)
        try fixture.writeCamerasJSON([
            CaptureFixture.calibration("cam0", width: 32, height: 24),
            CaptureFixture.calibration("cam1", width: 40, height: 24),
        ])
        expectLayoutError(containing: ["'cam1'", "40x24"]) { _ = try Capture.open(fixture.root) }
    }

    @Test func mismatchedFrameRatesNameTheFile() throws {
        let fixture = try CaptureFixture()
        try fixture.writeVideo(camera: 0, id: "cam0", frames: 2)
        try fixture.writeVideo(camera: 1, id: "cam1", frames: 2, fps: 30)
        try fixture.writeCamerasJSON([
            CaptureFixture.calibration("cam0", width: 32, height: 24),
            CaptureFixture.calibration("cam1", width: 32, height: 24),
        ])
        expectLayoutError(containing: ["cam1.mkv", "30/1", "25/1"]) { _ = try Capture.open(fixture.root) }
    }

    @Test func malformedCamerasJSONNamesTheMissingKey() throws {
        let fixture = try CaptureFixture()
        try fixture.writeVideo(camera: 0, id: "cam0", frames: 2)
        try Data(#"{"cameras": [{"id": "cam0", "width": 32, "height": 24, "fx": 1, "fy": 1, "cx": 0, "cy": 0}]}"#.utf8)
            .write(to: fixture.root.appendingPathComponent("cameras.json"))
        expectLayoutError(containing: ["world_to_camera"]) { _ = try Capture.open(fixture.root) }
    }

    @Test func decodingACaptureGivesASynchronisedExactFrameSet() throws {
        let fixture = try CaptureFixture()
        try fixture.writeVideo(camera: 0, id: "cam0", frames: 6)
        try fixture.writeFolder(camera: 1, id: "cam1", frames: 6)
        try fixture.writeCamerasJSON([
            CaptureFixture.calibration("cam0", width: 32, height: 24),
            CaptureFixture.calibration("cam1", width: 32, height: 24),
        ])
        let capture = try Capture.open(fixture.root)
        let output = fixture.root.appendingPathComponent("out")
        let set = try FrameSetConversion.decode(
            capture, options: VideoDecodeOptions(frameRange: 1..<6, sampling: .everyNth(2)),
            into: output)
        #expect(set.manifest.frameCount == 3)
        #expect(set.manifest.sourceFrameIndices == [1, 3, 5])
        #expect(set.manifest.timestamps.enumerated().allSatisfy { abs($0.element - Double([1, 3, 5][$0.offset]) / 25) < 1e-9 })
        #expect(set.manifest.frameRate == Rational(25, 2))
        let reopened = try FrameSet.open(output)
        for (slot, source) in [1, 3, 5].enumerated() {
            for camera in 0..<2 {
                #expect(
                    try reopened.image(frame: slot, camera: "cam\(camera)")
                        == CaptureFixture.frame(camera: camera, index: source, width: 32, height: 24))
            }
        }
    }

    @Test func decodingCarriesBackgroundPlatesCroppedAndResized() throws {
        let fixture = try CaptureFixture()
        try fixture.writeVideo(camera: 0, id: "cam0", frames: 2)
        try fixture.writeVideo(camera: 1, id: "cam1", frames: 2)
        try fixture.writeCamerasJSON([
            CaptureFixture.calibration("cam0", width: 32, height: 24),
            CaptureFixture.calibration("cam1", width: 32, height: 24),
        ])
        let plate = syntheticImage(width: 32, height: 24, seed: 99)
        try FileManager.default.createDirectory(at: fixture.root.appendingPathComponent("background"), withIntermediateDirectories: true)
        try PNGFile.write(plate, to: fixture.root.appendingPathComponent("background/cam1.png"))
        let capture = try Capture.open(fixture.root)
        let crop = PixelRect(x: 4, y: 2, width: 20, height: 20)
        let set = try FrameSetConversion.decode(
            capture, options: VideoDecodeOptions(crop: crop, outputSize: PixelSize(width: 10, height: 10)),
            into: fixture.root.appendingPathComponent("out"))
        #expect(try set.backgroundPlate(camera: "cam0") == nil)
        let carried = try #require(try set.backgroundPlate(camera: "cam1"))
        #expect(carried == (try ImageScaling.resize(PixelTransforms.crop(plate, to: crop), to: PixelSize(width: 10, height: 10))))
    }

    @Test func decodingWithResizeScalesTheIntrinsics() throws {
        let fixture = try CaptureFixture()
        try fixture.writeVideo(camera: 0, id: "cam0", frames: 2)
        try fixture.writeCamerasJSON([CaptureFixture.calibration("cam0", width: 32, height: 24)])
        let capture = try Capture.open(fixture.root)
        let set = try FrameSetConversion.decode(
            capture, options: VideoDecodeOptions(outputSize: PixelSize(width: 16, height: 12)),
            into: fixture.root.appendingPathComponent("out"))
        let calibration = try #require(set.manifest.calibrations?.first)
        #expect(calibration.width == 16 && calibration.height == 12)
        #expect(calibration.fx == 50 && calibration.fy == 50)
        // Centre pixel stays the centre: (31/2 + 0.5) / 2 - 0.5 = 7.5.
        #expect(calibration.cx == 7.5 && calibration.cy == 5.5)
        #expect(try set.image(frame: 1, camera: "cam0").width == 16)
    }
}

@Suite struct ImageFolderTests {
    @Test func imageOfADifferentSizeInAFolderIsNamed() throws {
        let fixture = try CaptureFixture()
        try fixture.writeFolder(camera: 0, id: "cam0", frames: 3)
        try PNGFile.write(syntheticImage(width: 30, height: 24), to: fixture.root.appendingPathComponent("cam0/img_0001.png"))
        try fixture.writeCamerasJSON([CaptureFixture.calibration("cam0", width: 32, height: 24)])
        let capture = try Capture.open(fixture.root)
        let reader = try capture.reader(camera: "cam0", options: VideoDecodeOptions(crop: PixelRect(x: 20, y: 0, width: 12, height: 24)))
        _ = try reader.nextFrame()
        do {
            _ = try reader.nextFrame()
            Issue.record("expected an error for the 30×24 image")
        } catch let error as MediaIOError {
            #expect(error.kind == .invalidLayout && error.frameIndex == 1 && error.path.hasSuffix("img_0001.png"))
        }
    }
}

private extension CameraCalibration {
    /// The same calibration with an explicit media path.
    func withMedia(_ media: String) -> CameraCalibration {
        var copy = self
        copy.media = media
        return copy
    }
}
