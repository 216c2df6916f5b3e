import AvatarFlow
import Foundation
import MediaIO
import TestSupport
import Testing

@testable import VideoIO

@Suite struct VideoIOStageTests {
    @Test func everyStageParameterSchemaMatchesItsStruct() {
        for stage in VideoIOStages.all.map({ StageDescriptor($0) }) {
            let decoded = try? stage.decodedValues(stage.defaultParameters)
            #expect(decoded == stage.flatDefaults, "\(stage.id): defaults do not decode into its Parameters")
        }
        #expect(Set(VideoIOStages.all.map { $0.id }) == ["video.decode", "video.read", "video.encode", "images.read", "images.write"])
    }

    @Test func decodeStageWritesTheSelectedCamerasResizedAndSampled() throws {
        let directory = try StageHarness(label: "videoio-test")
        try makeCapture(directory.file("capture"))
        let outputs = try directory.run(
            VideoDecodeStage.self, inputs: ["capture": directory.file("capture")],
            with: ["size": .int(16), "every_nth": .int(2), "cameras": .list([.string("cam1")])])
        let set = try FrameSet.open(try #require(outputs["frames"]))
        #expect(set.manifest.cameras == ["cam1"])
        #expect(set.manifest.frameCount == 3 && set.manifest.sourceFrameIndices == [0, 2, 4])
        #expect(set.manifest.width == 16 && set.manifest.height == 12)
        #expect(set.manifest.calibrations?.first?.fx == 20)
        let expected = try ImageScaling.resize(captureFrame(camera: 1, index: 2), to: PixelSize(width: 16, height: 12))
        #expect(psnr(try set.image(frame: 1, camera: "cam1"), expected) > 30)
    }

    @Test func decodeStageAtNativeSizeIsExact() throws {
        let directory = try StageHarness(label: "videoio-test")
        try makeCapture(directory.file("capture"), frames: 4)
        let outputs = try directory.run(
            VideoDecodeStage.self, inputs: ["capture": directory.file("capture")],
            with: ["first_frame": .int(1), "frame_count": .int(2)])
        let set = try FrameSet.open(try #require(outputs["frames"]))
        #expect(set.manifest.sourceFrameIndices == [1, 2])
        #expect(try set.image(frame: 0, camera: "cam0") == captureFrame(camera: 0, index: 1))
        #expect(try set.image(frame: 1, camera: "cam1") == captureFrame(camera: 1, index: 2))
    }

    @Test func decodeStageRefusesFpsTogetherWithEveryNth() throws {
        let directory = try StageHarness(label: "videoio-test")
        try makeCapture(directory.file("capture"), cameras: 1, frames: 2)
        #expect(throws: VideoIOStageError.self) {
            try directory.run(
                VideoDecodeStage.self, inputs: ["capture": directory.file("capture")],
                with: ["fps": .double(10), "every_nth": .int(2)])
        }
    }

    @Test func decodeStageRefusesAnEmptyCropInsteadOfCrashing() throws {
        let directory = try StageHarness(label: "videoio-test")
        try makeCapture(directory.file("capture"), cameras: 1, frames: 2)
        for crop in [[0, 0, 0, 0], [0, 0, 8, 0]] {
            #expect {
                try directory.run(
                    VideoDecodeStage.self, inputs: ["capture": directory.file("capture")],
                    with: ["crop": .list(crop.map { .int($0) }), "size": .int(32)])
            } throws: { "\($0)".contains("width, height > 0") }
        }
    }

    @Test func decodeStageNamesAnUnknownCamera() throws {
        let directory = try StageHarness(label: "videoio-test")
        try makeCapture(directory.file("capture"), cameras: 1, frames: 2)
        #expect {
            try directory.run(
                VideoDecodeStage.self, inputs: ["capture": directory.file("capture")],
                with: ["cameras": .list([.string("left")])])
        } throws: { ($0 as? MediaIOError)?.message.contains("'left'") == true }
    }

    @Test func encodeStageTilesCamerasLosslesslyWithAManifest() throws {
        let directory = try StageHarness(label: "videoio-test")
        let written = try makeFrameSet(directory.file("frames"))
        let outputs = try directory.run(
            VideoEncodeStage.self, inputs: ["frames": directory.file("frames")],
            with: ["codec": .string("ffv1")])
        let (artifact, file) = try VideoArtifact.open(try #require(outputs["video"]))
        #expect(artifact.encoder == "ffv1" && artifact.width == 40 && artifact.height == 10 && artifact.frameCount == 3)
        #expect(file.lastPathComponent == "video.mkv")
        let frames = try decodeAll(file)
        #expect(frames.count == 3)
        var tiled = Image8(width: 40, height: 10, channels: 3)
        for y in 0..<10 {
            for x in 0..<40 {
                for c in 0..<3 { tiled[x, y, c] = written[2][x / 20][x % 20, y, c] }
            }
        }
        #expect(frames[2] == tiled)
    }

    @Test func encodeStageDropsAlphaByDefaultAndCompositesOverTheChosenColourOnRequest() throws {
        let directory = try StageHarness(label: "videoio-test")
        let pixel: [UInt8] = [200, 100, 50, 128]
        let image = Image8(width: 4, height: 2, channels: 4, samples: Array((0..<8).map { _ in pixel }.joined()))
        let writer = try FrameSetWriter(
            directory: directory.file("rgba"), cameras: ["cam0"], size: PixelSize(width: 4, height: 2),
            channels: 4, frameRate: Rational(25, 1))
        try writer.append([image], timestamp: 0, sourceIndex: 0)
        _ = try writer.finish()
        func encodedPixel(_ alpha: String?) throws -> [UInt8] {
            var parameters: [String: ConfigValue] = ["codec": .string("ffv1")]
            if let alpha { parameters["alpha"] = .string(alpha) }
            let outputs = try directory.run(
                VideoEncodeStage.self, name: "encode-\(alpha ?? "default")",
                inputs: ["frames": directory.file("rgba")], with: parameters)
            let frames = try decodeAll(try VideoArtifact.open(try #require(outputs["video"])).1)
            return Array(frames[0].samples[0..<3])
        }
        #expect(try encodedPixel(nil) == [200, 100, 50], "the RGB of an RGBA FrameSet is already composited")
        #expect(try encodedPixel("black") == [100, 50, 25])
        #expect(try encodedPixel("white") == [227, 177, 152])
    }

    @Test func encodeStagePutsTheBesideFramesToTheRightMatchedBySourceFrame() throws {
        let directory = try StageHarness(label: "videoio-test")
        let written = try makeFrameSet(directory.file("frames"), cameras: 1, frames: 3)
        let writer = try FrameSetWriter(
            directory: directory.file("renders"), cameras: ["cam0"], size: PixelSize(width: 20, height: 10), channels: 3, frameRate: Rational(25, 1))
        let renders = [1, 2].map { syntheticImage(width: 20, height: 10, seed: 100 + $0) }
        for (index, image) in renders.enumerated() { try writer.append([image], timestamp: Double(index + 1) / 25, sourceIndex: index + 1) }
        try writer.finish()
        let outputs = try directory.run(
            VideoEncodeStage.self, inputs: ["frames": directory.file("frames"), "beside": directory.file("renders")],
            with: ["codec": .string("ffv1")])
        let (artifact, file) = try VideoArtifact.open(try #require(outputs["video"]))
        #expect(artifact.width == 40 && artifact.height == 10 && artifact.frameCount == 2)
        let frames = try decodeAll(file)
        #expect(frames.count == 2)
        for (index, frame) in frames.enumerated() {
            let left = try frame.cropped(to: PixelRect(x: 0, y: 0, width: 20, height: 10), path: file.path)
            let right = try frame.cropped(to: PixelRect(x: 20, y: 0, width: 20, height: 10), path: file.path)
            #expect(left == written[index + 1][0] && right == renders[index], "frame \(index): input frame \(index + 1) | render \(index)")
        }
    }

    @Test func encodeStagePutsASecondBesideSetInAThirdColumn() throws {
        let directory = try StageHarness(label: "videoio-test")
        let written = try makeFrameSet(directory.file("frames"), cameras: 1, frames: 3)
        var columns: [[Image8]] = []
        for (name, seed) in [("middle", 100), ("right", 200)] {
            let writer = try FrameSetWriter(
                directory: directory.file(name), cameras: ["cam0"], size: PixelSize(width: 20, height: 10), channels: 3, frameRate: Rational(25, 1))
            // The right column holds one more frame than the middle one: only the middle's frames are encoded.
            let sources = name == "middle" ? [1, 2] : [0, 1, 2]
            let images = sources.map { syntheticImage(width: 20, height: 10, seed: seed + $0) }
            for (image, source) in zip(images, sources) { try writer.append([image], timestamp: Double(source) / 25, sourceIndex: source) }
            try writer.finish()
            columns.append(images)
        }
        let outputs = try directory.run(
            VideoEncodeStage.self,
            inputs: ["frames": directory.file("frames"), "beside": directory.file("middle"), "beside_right": directory.file("right")],
            with: ["codec": .string("ffv1")])
        let (artifact, file) = try VideoArtifact.open(try #require(outputs["video"]))
        #expect(artifact.width == 60 && artifact.height == 10 && artifact.frameCount == 2)
        for (index, frame) in try decodeAll(file).enumerated() {
            let tiles = try (0..<3).map { try frame.cropped(to: PixelRect(x: 20 * $0, y: 0, width: 20, height: 10), path: file.path) }
            #expect(tiles == [written[index + 1][0], columns[0][index], columns[1][index + 1]], "frame \(index): source frame \(index + 1) in every column")
        }
    }

    @Test func encodeStageRejectsARightColumnWithoutAMiddleOne() throws {
        let directory = try StageHarness(label: "videoio-test")
        _ = try makeFrameSet(directory.file("frames"), cameras: 1, frames: 2)
        _ = try makeFrameSet(directory.file("right"), cameras: 1, frames: 2)
        let error = #expect(throws: (any Error).self) {
            try directory.run(
                VideoEncodeStage.self, inputs: ["frames": directory.file("frames"), "beside_right": directory.file("right")],
                with: ["codec": .string("ffv1")])
        }
        #expect(String(describing: error).contains("connect the middle column to `beside`"))
    }

    @Test func encodeStageDefaultsToH264MP4() throws {
        let directory = try StageHarness(label: "videoio-test")
        let written = try makeFrameSet(directory.file("frames"), cameras: 1, frames: 4)
        let outputs = try directory.run(
            VideoEncodeStage.self, inputs: ["frames": directory.file("frames")],
            with: ["fps": .double(30)])
        let (artifact, file) = try VideoArtifact.open(try #require(outputs["video"]))
        #expect(artifact.encoder == "libx264" && file.pathExtension == "mp4")
        #expect(artifact.frameRate == Rational(30, 1))
        let reader = try VideoReader(url: file)
        #expect(reader.info.frameRate == Rational(30, 1))
        let frames = try decodeAll(file)
        #expect(frames.count == 4)
        // 20×10 frames: 4:2:0 chroma of this saturated pattern caps the PSNR well below full-size figures.
        #expect(psnr(frames[0], written[0][0]) > 24)
    }

    @Test func imagesWriteThenReadRoundTripsExactly() throws {
        let directory = try StageHarness(label: "videoio-test")
        let written = try makeFrameSet(directory.file("frames"))
        let images = try directory.run(ImagesWriteStage.self, inputs: ["frames": directory.file("frames")])
        let folder = try #require(images["images"])
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("cam1/000002.png").path))
        let frames = try directory.run(ImagesReadStage.self, inputs: ["images": folder])
        let set = try FrameSet.open(try #require(frames["frames"]))
        #expect(set.manifest.cameras == ["cam0", "cam1"])
        for frame in 0..<3 {
            #expect(try set.image(frame: frame, camera: "cam0") == written[frame][0])
            #expect(try set.image(frame: frame, camera: "cam1") == written[frame][1])
        }
    }

    @Test func imagesReadTakesAFlatFolderAsOneNamedCamera() throws {
        let directory = try StageHarness(label: "videoio-test")
        let folder = directory.file("photos")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for index in 0..<4 {
            try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=24x16", "-frames:v", "1", folder.appendingPathComponent("p\(index).jpg").path])
        }
        let outputs = try directory.run(
            ImagesReadStage.self, inputs: ["images": folder],
            with: ["camera": .string("phone"), "every_nth": .int(2), "fps": .double(10)])
        let set = try FrameSet.open(try #require(outputs["frames"]))
        #expect(set.manifest.cameras == ["phone"])
        #expect(set.manifest.frameCount == 2 && set.manifest.width == 24 && set.manifest.height == 16)
        #expect(set.manifest.timestamps == [0, 0.2])
    }

    @Test func imagesWriteCompositesAlphaOverTheChosenColour() throws {
        let pixel = Image8(width: 1, height: 1, channels: 4, samples: [200, 100, 0, 51])
        #expect(ImagesWriteStage.applyAlphaPolicy(pixel, policy: .white).samples == [244, 224, 204])
        #expect(ImagesWriteStage.applyAlphaPolicy(pixel, policy: .black).samples == [40, 20, 0])
        #expect(ImagesWriteStage.applyAlphaPolicy(pixel, policy: .drop).samples == [200, 100, 0])
        #expect(ImagesWriteStage.applyAlphaPolicy(pixel, policy: .keep) == pixel)
    }
}
