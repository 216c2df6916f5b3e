import AvatarFlow
import FaceAnalysis
import Foundation
import MediaIO
import TestSupport
import Testing

@testable import FaceLandmarks

@Suite struct FaceDetectHaarStageTests {
    @Test func boxesEqualLibraryDetectionPerFrameAndCamera() throws {
        let directory = try StageHarness(label: "face-stage-test")
        let photo = try FaceTestImages.threeFaces()
        let blank = Image8(width: photo.width, height: photo.height, channels: 3, filledWith: 128)
        let frames = try writeFrameSet([[photo, blank], [blank, photo]], to: directory.file("frames"))
        let outputs = try directory.run(FaceDetectHaarStage.self, inputs: ["frames": frames])
        let boxes = try FaceBoxSet.read(from: try #require(outputs["boxes"]))
        let detector = HaarCascadeDetector(cascade: try HaarCascade(contentsOf: URL(fileURLWithPath: HaarCascade.defaultFrontalFacePath)))
        let expected = try detector.detect(FaceTestImages.grey(photo, .openCVLuma)).map { FaceBoxSet.Box($0, source: "haar") }
        #expect(expected.count == 3)
        #expect(boxes.cameras == ["cam0", "cam1"])
        #expect(boxes.imageSize == [photo.width, photo.height])
        #expect(boxes.frames == [[expected, []], [[], expected]])
    }

    @Test func detectionParametersReachTheDetector() throws {
        let directory = try StageHarness(label: "face-stage-test")
        let photo = try FaceTestImages.threeFaces()
        let frames = try writeFrameSet([[photo]], to: directory.file("frames"))
        let outputs = try directory.run(
            FaceDetectHaarStage.self, inputs: ["frames": frames],
            with: ["scale_factor": .double(1.2), "min_neighbors": .int(5), "min_size": .int(85)])
        let boxes = try FaceBoxSet.read(from: try #require(outputs["boxes"])).frames[0][0].map(\.rectangle)
        let detector = HaarCascadeDetector(cascade: try HaarCascade(contentsOf: URL(fileURLWithPath: HaarCascade.defaultFrontalFacePath)))
        let options = HaarDetectionOptions(scaleFactor: 1.2, minNeighbors: 5, minWidth: 85, minHeight: 85)
        let expected = try detector.detect(FaceTestImages.grey(photo, .openCVLuma), options: options)
        #expect(boxes == expected)
        #expect(!boxes.isEmpty && boxes.allSatisfy { $0.width >= 85 })
    }

    @Test func matteFallbackGivesBoxAndWarningWhenNoFaceIsFound() throws {
        let directory = try StageHarness(label: "face-stage-test")
        var image = Image8(width: 120, height: 160, channels: 4, filledWith: 90)
        for y in 0..<160 { for x in 0..<120 { image.samples[(y * 120 + x) * 4 + 3] = (30..<90).contains(x) && y >= 20 ? 255 : 0 } }
        let frames = try writeFrameSet([[image]], to: directory.file("frames"))
        let sink = directory.events
        let outputs = try directory.run(FaceDetectHaarStage.self, inputs: ["frames": frames], with: ["matte_fallback": .bool(true)])
        let boxes = try FaceBoxSet.read(from: try #require(outputs["boxes"]))
        #expect(boxes.frames == [[[FaceBoxSet.Box(FaceRectangle(x: 30, y: 20, width: 60, height: 60), source: "matte")]]])
        #expect(sink.warnings.contains { $0.contains("matte") })
    }

    @Test func matteFallbackIsOffByDefault() throws {
        let directory = try StageHarness(label: "face-stage-test")
        var image = Image8(width: 120, height: 160, channels: 4, filledWith: 90)
        for y in 0..<160 { for x in 0..<120 { image.samples[(y * 120 + x) * 4 + 3] = (30..<90).contains(x) && y >= 20 ? 255 : 0 } }
        let frames = try writeFrameSet([[image]], to: directory.file("frames"))
        let outputs = try directory.run(FaceDetectHaarStage.self, inputs: ["frames": frames])
        #expect(try FaceBoxSet.read(from: try #require(outputs["boxes"])).frames == [[[]]])
    }

    @Test func missingCascadeFileFailsWithTypedError() throws {
        let directory = try StageHarness(label: "face-stage-test")
        let frames = try writeFrameSet([[Image8(width: 32, height: 32, channels: 3)]], to: directory.file("frames"))
        #expect(throws: HaarCascadeError.self) {
            try directory.run(FaceDetectHaarStage.self, inputs: ["frames": frames], with: ["cascade": .string("missing.xml")])
        }
    }
}

@Suite struct FaceLandmarksERT68StageTests {
    @Test func landmarksEqualLibraryOnCalibratedLargestBox() throws {
        let directory = try StageHarness(label: "face-stage-test")
        let photo = try FaceTestImages.threeFaces()
        let frames = try writeFrameSet([[photo]], to: directory.file("frames"))
        let boxes = try directory.run(FaceDetectHaarStage.self, inputs: ["frames": frames])
        let outputs = try directory.run(FaceLandmarksERT68Stage.self, inputs: ["frames": frames, "boxes": try #require(boxes["boxes"])])
        let landmarks = try FaceLandmarkSet.read(from: try #require(outputs["landmarks"]))
        let detection = try #require(landmarks.frames[0][0])

        let haarBoxes = try FaceBoxSet.read(from: try #require(boxes["boxes"])).frames[0][0].map(\.rectangle)
        let largest = try #require(haarBoxes.max { $0.area < $1.area })
        let box = FaceBoxCalibration.haarToDlib.apply(largest)
        let model = try ShapePredictor.cached(contentsOf: URL(fileURLWithPath: ShapePredictor.defaultModelPath))
        let expected = model.landmarks(in: FaceTestImages.grey(photo, .dlibMean), box: box)
        #expect(detection.points == expected.map { [$0.x, $0.y] })
        #expect(detection.box == [Double(box.x), Double(box.y), Double(box.width), Double(box.height)])
        // The nose tip (30) lies inside the face box, below the eyes (36, 45) and above the chin (8).
        let nose = detection.points[30]
        #expect(nose[0] > Double(box.x) && nose[0] < Double(box.x + box.width))
        #expect(nose[1] > detection.points[36][1] && nose[1] < detection.points[8][1])
    }

    @Test func imagesWithoutBoxGetNullLandmarksAndAWarning() throws {
        let directory = try StageHarness(label: "face-stage-test")
        let frames = try writeFrameSet([[Image8(width: 64, height: 64, channels: 3, filledWith: 40)]], to: directory.file("frames"))
        let boxesDirectory = directory.file("boxes")
        try FileManager.default.createDirectory(at: boxesDirectory, withIntermediateDirectories: true)
        try FaceBoxSet(cameras: ["cam0"], imageWidth: 64, imageHeight: 64, frames: [[[]]]).write(to: boxesDirectory)
        let sink = directory.events
        let outputs = try directory.run(FaceLandmarksERT68Stage.self, inputs: ["frames": frames, "boxes": boxesDirectory])
        let landmarks = try FaceLandmarkSet.read(from: try #require(outputs["landmarks"]))
        #expect(landmarks.frames == [[nil]])
        #expect(landmarks.untracked == [["no face detected"]])
        #expect(sink.warnings.contains { $0.contains("1 of 1 frames untracked (0)") })
    }

    @Test func boxesOfOtherFramesAreRejected() throws {
        let directory = try StageHarness(label: "face-stage-test")
        let frames = try writeFrameSet([[Image8(width: 64, height: 64, channels: 3)]], to: directory.file("frames"))
        let boxesDirectory = directory.file("boxes")
        try FileManager.default.createDirectory(at: boxesDirectory, withIntermediateDirectories: true)
        try FaceBoxSet(cameras: ["cam0"], imageWidth: 64, imageHeight: 64, frames: [[[]], [[]]]).write(to: boxesDirectory)
        let error = #expect(throws: FaceStageError.self) {
            try directory.run(FaceLandmarksERT68Stage.self, inputs: ["frames": frames, "boxes": boxesDirectory])
        }
        #expect(error?.message.contains("do not belong") == true)
    }

    @Test func malformedBoxFileIsRejected() throws {
        let directory = try StageHarness(label: "face-stage-test")
        try Data("{\"format\": \"something\"}".utf8).write(to: directory.file(FaceBoxSet.fileName))
        #expect(throws: FaceBoxSetError.self) { try FaceBoxSet.read(from: directory.root) }
    }

    @Test func stagesAreRegistered() {
        #expect(FaceLandmarksStages.all.map { $0.id } == ["face.detect-haar", "face.detect-cnn", "face.landmarks-ert68"])
    }
}

@Suite struct FaceDetectCNNStageTests {
    @Test func boxesEqualLibraryDetectionPerFrameAndCamera() throws {
        let directory = try StageHarness(label: "face-stage-test")
        let photo = try FaceTestImages.threeFaces()
        let blank = Image8(width: photo.width, height: photo.height, channels: 3, filledWith: 128)
        let frames = try writeFrameSet([[photo, blank], [blank, photo]], to: directory.file("frames"))
        let outputs = try directory.run(FaceDetectCNNStage.self, inputs: ["frames": frames])
        let boxes = try FaceBoxSet.read(from: try #require(outputs["boxes"]))
        let expected = try MMODFaceDetector.cached().detect(rgb: photo.samples, width: photo.width, height: photo.height, channels: photo.channels)
            .map { FaceBoxSet.Box($0.rectangle, source: "cnn") }
        #expect(expected.count == 3)
        #expect(boxes.frames == [[expected, []], [[], expected]])
    }

    @Test func missingModelSaysToRunSetup() throws {
        let directory = try StageHarness(label: "face-stage-test")
        let frames = try writeFrameSet([[Image8(width: 32, height: 32, channels: 3)]], to: directory.file("frames"))
        let error = #expect(throws: DlibFileError.self) {
            try directory.run(FaceDetectCNNStage.self, inputs: ["frames": frames], with: ["model": .string("/nonexistent/mmod.dat")])
        }
        #expect(error?.description.contains("scripts/setup.sh") == true)
    }

    @Test func landmarksOfCNNBoxesUseTheCNNCalibration() throws {
        let directory = try StageHarness(label: "face-stage-test")
        let photo = try FaceTestImages.threeFaces()
        let frames = try writeFrameSet([[photo]], to: directory.file("frames"))
        let boxes = try directory.run(FaceDetectCNNStage.self, inputs: ["frames": frames])
        let outputs = try directory.run(FaceLandmarksERT68Stage.self, inputs: ["frames": frames, "boxes": try #require(boxes["boxes"])])
        let landmarksDirectory = try #require(outputs["landmarks"])
        let detection = try #require(try FaceLandmarkSet.read(from: landmarksDirectory).frames[0][0])
        let cnnBoxes = try FaceBoxSet.read(from: try #require(boxes["boxes"])).frames[0][0].map(\.rectangle)
        let box = FaceBoxCalibration.cnnToDlib.apply(try #require(cnnBoxes.max { $0.area < $1.area }))
        #expect(detection.box == [Double(box.x), Double(box.y), Double(box.width), Double(box.height)])
    }
}
