import AvatarFlow
import Foundation
import MediaIO
import TestSupport
import Testing

@testable import VideoIO

/// A single 32×24 FFV1 video of `frames` frames (exact), as a phone clip would come without calibration.
private func makeClip(_ url: URL, frames: Int = 4) throws {
    let writer = try VideoWriter(url: url, frameSize: PixelSize(width: 32, height: 24), options: VideoEncodeOptions(codec: .ffv1))
    for index in 0..<frames { try writer.append(captureFrame(camera: 0, index: index)) }
    try writer.finish()
}

@Suite struct VideoReadStageTests {
    @Test func plainVideoBecomesOneCameraWithIntrinsicsFromTheFieldOfView() throws {
        let directory = try StageHarness(label: "videoio-test")
        try makeClip(directory.file("me.mkv"))
        let outputs = try directory.run(VideoReadStage.self, inputs: ["video": directory.file("me.mkv")], with: ["fov": .double(90)])
        let set = try FrameSet.open(try #require(outputs["frames"]))
        #expect(set.manifest.cameras == ["cam0"] && set.manifest.frameCount == 4)
        let calibration = try #require(set.manifest.calibrations?.first)
        // 90° over the 32-pixel side: f = 16 / tan(45°) = 16; centre (31/2, 23/2); the origin 0.5 m ahead.
        #expect(abs(calibration.fx - 16) < 1e-9 && abs(calibration.fy - 16) < 1e-9)
        #expect(calibration.cx == 15.5 && calibration.cy == 11.5)
        #expect(calibration.worldToCamera == [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0.5, 0, 0, 0, 1])
        #expect(try set.image(frame: 2, camera: "cam0") == captureFrame(camera: 0, index: 2))
    }

    @Test func focalLengthFollowsTheResize() throws {
        let directory = try StageHarness(label: "videoio-test")
        try makeClip(directory.file("me.mkv"), frames: 2)
        let outputs = try directory.run(
            VideoReadStage.self, inputs: ["video": directory.file("me.mkv")], with: ["fov": .double(90), "size": .int(16)])
        let set = try FrameSet.open(try #require(outputs["frames"]))
        let calibration = try #require(set.manifest.calibrations?.first)
        #expect(calibration.width == 16 && calibration.height == 12)
        #expect(abs(calibration.fx - 8) < 1e-9 && abs(calibration.cx - 7.5) < 1e-9)
    }

    @Test func rotationMetadataTurnsTheFramesAndTheLongerSide() throws {
        let directory = try StageHarness(label: "videoio-test")
        try makeClip(directory.file("landscape.mkv"), frames: 2)
        let rotated = directory.file("portrait.mp4")
        // The muxer's `rotate` tag is counter-clockwise: 270 asks players to turn the picture 90° clockwise.
        let encoded = directory.file("landscape.mp4")
        try ffmpeg(["-i", directory.file("landscape.mkv").path, "-c:v", "libx264", "-qp", "0", encoded.path])
        // ffmpeg 5 writes the tag into the display matrix only when copying the stream.
        try ffmpeg(["-i", encoded.path, "-c", "copy", "-metadata:s:v:0", "rotate=270", rotated.path])
        let outputs = try directory.run(VideoReadStage.self, inputs: ["video": rotated], with: ["fov": .double(90)])
        let set = try FrameSet.open(try #require(outputs["frames"]))
        #expect(set.manifest.width == 24 && set.manifest.height == 32)
        let calibration = try #require(set.manifest.calibrations?.first)
        #expect(abs(calibration.fx - 16) < 1e-9 && calibration.cx == 11.5 && calibration.cy == 15.5)
    }

    @Test func videoArtifactOfAnotherStageIsRead() throws {
        let directory = try StageHarness(label: "videoio-test")
        _ = try makeFrameSet(directory.file("frames"), cameras: 1, frames: 3)
        let encoded = try directory.run(VideoEncodeStage.self, inputs: ["frames": directory.file("frames")], with: ["codec": .string("ffv1")])
        let video = try #require(encoded["video"])
        let outputs = try directory.run(VideoReadStage.self, inputs: ["video": video])
        let set = try FrameSet.open(try #require(outputs["frames"]))
        #expect(set.manifest.frameCount == 3 && set.manifest.width == 20 && set.manifest.height == 10)
    }

    @Test func aFolderThatIsNotAVideoArtifactIsRefusedWithWhereToSendIt() throws {
        let directory = try StageHarness(label: "videoio-test")
        try makeCapture(directory.file("capture"), cameras: 1, frames: 2)
        #expect {
            try directory.run(VideoReadStage.self, inputs: ["video": directory.file("capture")])
        } throws: { "\($0)".contains("video.decode") && "\($0)".contains("without video.json") }
    }

    @Test func aFileThatIsNotAVideoIsRefusedNamingIt() throws {
        let directory = try StageHarness(label: "videoio-test")
        try "not a video".write(to: directory.file("notes.txt"), atomically: true, encoding: .utf8)
        #expect {
            try directory.run(VideoReadStage.self, inputs: ["video": directory.file("notes.txt")])
        } throws: { "\($0)".contains("notes.txt") }
    }

    @Test func pipelineTakesAVideoFileAsItsInput() async throws {
        let directory = try StageHarness(label: "videoio-test")
        try makeClip(directory.file("me.mkv"), frames: 3)
        let pipeline = directory.file("own-video.yaml")
        try """
        pipeline: own-video-read
        summary: a plain video file in, its frames re-encoded
        inputs:
          video: {type: Video}
        stages:
          read:   {use: video.read, in: {video: $video}, with: {size: 16}}
          encode: {use: video.encode, in: {frames: read.frames}, with: {codec: ffv1}}
        outputs: {video: encode.video}
        """.write(to: pipeline, atomically: true, encoding: .utf8)
        let spec = try PipelineLoader(overrides: [], inputPaths: ["video": directory.file("me.mkv")]).load(pipeline)
        let plan = try PipelineValidator(registry: StageRegistry(VideoIOStages.all)).plan(spec)
        var options = RunOptions()
        options.runsDirectory = directory.file("runs")
        let result = try await PipelineRunner(store: try ArtifactStore(root: directory.file("cache")), sink: RunEventRecorder()).run(plan, options: options)
        #expect(result.succeeded)
        let (artifact, _) = try VideoArtifact.open(result.runDirectory.appendingPathComponent("outputs/video"))
        #expect(artifact.width == 16 && artifact.height == 12 && artifact.frameCount == 3)
    }
}
