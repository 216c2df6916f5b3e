import Foundation
import TestSupport
import Testing

@testable import MediaIO

/// A capture makes the tool read only the capture; cameras.json errors say where; pictures that
/// declare absurd sizes are refused before they are decoded.
@Suite struct ConfinedInputTests {
    private func layoutError(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func mediaOutsideTheCaptureIsRefusedUnlessAllowed() throws {
        let outside = try TemporaryDirectory()
        let elsewhere = CaptureFixture(directory: outside)
        try elsewhere.writeFolder(camera: 0, id: "cam0", frames: 2)
        let capture = CaptureFixture(directory: try TemporaryDirectory())
        var calibration = CaptureFixture.calibration("cam0", width: 32, height: 24)
        calibration.media = "../\(outside.url.lastPathComponent)/cam0"
        try capture.writeCamerasJSON([calibration])
        let message = layoutError { _ = try Capture.open(capture.root) }
        #expect(message?.contains("outside the capture directory") == true, "\(message ?? "no error")")
        #expect(message?.contains("allow_outside_capture") == true)
        #expect(try Capture.open(capture.root, readsOutside: true).frameCount == 2)
    }

    @Test func aFrameThatLinksOutsideTheCaptureIsRefused() throws {
        let outside = try TemporaryDirectory()
        let fixture = try CaptureFixture()
        try fixture.writeFolder(camera: 0, id: "cam0", frames: 2)
        try fixture.writeCamerasJSON([CaptureFixture.calibration("cam0", width: 32, height: 24)])
        let frame = fixture.root.appendingPathComponent("cam0/img_0001.png")
        try FileManager.default.moveItem(at: frame, to: outside.url.appendingPathComponent("img_0001.png"))
        try FileManager.default.createSymbolicLink(at: frame, withDestinationURL: outside.url.appendingPathComponent("img_0001.png"))
        let message = layoutError { _ = try Capture.open(fixture.root) }
        #expect(message?.contains("frame img_0001.png of camera 'cam0' resolves to") == true, "\(message ?? "no error")")
    }

    @Test func camerasJSONThatLinksOutsideTheCaptureIsRefused() throws {
        let outside = try TemporaryDirectory()
        let fixture = try CaptureFixture()
        try fixture.writeFolder(camera: 0, id: "cam0", frames: 2)
        let real = CaptureFixture(directory: outside)
        try real.writeCamerasJSON([CaptureFixture.calibration("cam0", width: 32, height: 24)])
        try FileManager.default.createSymbolicLink(
            at: fixture.root.appendingPathComponent("cameras.json"), withDestinationURL: outside.url.appendingPathComponent("cameras.json"))
        #expect(layoutError { _ = try Capture.open(fixture.root) }?.contains("the calibration file resolves to") == true)
    }

    @Test func cameraIDsThatNameDirectoriesAreRefused() throws {
        for id in [".", "..", ".hidden", "a/b", "", "cam 1"] {
            let fixture = try CaptureFixture()
            try fixture.writeCamerasJSON([CaptureFixture.calibration(id, width: 32, height: 24)])
            let message = layoutError { _ = try Capture.open(fixture.root) }
            #expect(message?.contains("cameras[0].id '\(id)'") == true, "\(id): \(message ?? "no error")")
        }
    }

    @Test func aFrameSetManifestWithADotDotCameraIsRefused() throws {
        let directory = try TemporaryDirectory()
        #expect(throws: MediaIOError.self) {
            _ = try FrameSetWriter(directory: directory.url, cameras: [".."], size: PixelSize(width: 4, height: 4), frameRate: Rational(25, 1))
        }
    }

    @Test func aFrameRateThatIsNotPositiveIsRefusedWhereItIsWritten() throws {
        for fps in [0.0, -25.0] {
            let fixture = try CaptureFixture()
            try fixture.writeFolder(camera: 0, id: "cam0", frames: 2)
            try fixture.writeCamerasJSON([CaptureFixture.calibration("cam0", width: 32, height: 24)], fps: fps)
            let message = layoutError { _ = try Capture.open(fixture.root) }
            #expect(message?.contains("\"fps\": \(fps) is not a frame rate") == true, "\(message ?? "no error")")
        }
    }

    @Test func aWorldToCameraThatIsNotRigidIsRefused() throws {
        for (matrix, fragment) in [
            ([Double](repeating: 0, count: 16), "last row"), ([2.0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2, 0, 0, 0, 1], "not a rotation"),
            ([-1.0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2, 0, 0, 0, 1], "reflection"),
        ] {
            let fixture = try CaptureFixture()
            var calibration = CaptureFixture.calibration("cam0", width: 32, height: 24)
            calibration.worldToCamera = matrix
            try fixture.writeCamerasJSON([calibration])
            let message = layoutError { _ = try Capture.open(fixture.root) }
            #expect(message?.contains(fragment) == true, "\(message ?? "no error")")
        }
    }

    @Test func camerasJSONSyntaxErrorsNameTheLine() throws {
        let fixture = try CaptureFixture()
        try Data("{\n  \"cameras\": [\n    {\"id\": \"cam0\",, }\n  ]\n}\n".utf8).write(to: fixture.root.appendingPathComponent("cameras.json"))
        let message = layoutError { _ = try CamerasFile.read(from: fixture.root.appendingPathComponent("cameras.json")) }
        #expect(message?.contains("not valid JSON at line 3") == true, "\(message ?? "no error")")
    }

    @Test func camerasJSONValueErrorsNameTheKey() throws {
        let fixture = try CaptureFixture()
        let text = """
            {"cameras": [{"id": "cam0", "width": 32, "height": 24, "fx": "wide", "fy": 1, "cx": 1, "cy": 1,
                          "world_to_camera": [1,0,0,0, 0,1,0,0, 0,0,1,0, 0,0,0,1]}]}
            """
        try Data(text.utf8).write(to: fixture.root.appendingPathComponent("cameras.json"))
        let message = layoutError { _ = try CamerasFile.read(from: fixture.root.appendingPathComponent("cameras.json")) }
        #expect(message?.contains("cameras[0].fx must be a number") == true, "\(message ?? "no error")")
    }

    @Test func aPNGDeclaringHugeDimensionsIsRefusedBeforeDecoding() throws {
        // Signature, then an IHDR chunk declaring 40000 × 40000 RGB (the data never follows).
        var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)
        for value in [40_000, 40_000] { bytes += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) } }
        bytes += [8, 2, 0, 0, 0, 0, 0, 0, 0]
        let file = try TemporaryFile(bytes, suffix: ".png")
        #expect {
            _ = try PNGFile.read(file.url)
        } throws: { "\($0)".contains("declares 40000×40000 pixels") && "\($0)".contains("AVATARFLOW_LIMIT_IMAGE_PIXELS") }
    }
}
