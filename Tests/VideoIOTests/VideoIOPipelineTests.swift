import AvatarFlow
import Foundation
import MediaIO
import Testing

@testable import VideoIO

@Suite struct VideoIOPipelineTests {
    @Test func decodeThenEncodePipelineRunsThroughTheEngine() async throws {
        let directory = try StageHarness(label: "videoio-test")
        try makeCapture(directory.file("capture"), frames: 4)
        let pipeline = directory.file("roundtrip.yaml")
        try """
        pipeline: videoio-roundtrip
        summary: decode a two-camera capture at 16 px and encode it losslessly, tiled
        inputs:
          capture: {type: Capture, default: capture}
        stages:
          decode: {use: video.decode, in: {capture: $capture}, with: {size: 16}}
          encode: {use: video.encode, in: {frames: decode.frames}, with: {codec: ffv1}}
        outputs: {video: encode.video}
        """.write(to: pipeline, atomically: true, encoding: .utf8)
        let spec = try PipelineLoader(overrides: []).load(pipeline)
        let plan = try PipelineValidator(registry: StageRegistry(VideoIOStages.all)).plan(spec)
        var options = RunOptions()
        options.runsDirectory = directory.file("runs")
        let runner = PipelineRunner(store: try ArtifactStore(root: directory.file("cache")), sink: RunEventRecorder())
        let result = try await runner.run(plan, options: options)
        #expect(result.succeeded)
        let (artifact, file) = try VideoArtifact.open(result.runDirectory.appendingPathComponent("outputs/video"))
        #expect(artifact.width == 32 && artifact.height == 12 && artifact.frameCount == 4)
        #expect(try VideoReader.countFrames(url: file) == 4)
    }
}
