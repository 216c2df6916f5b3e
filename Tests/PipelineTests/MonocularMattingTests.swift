import AvatarFlow
import AvatarFlowStages
import Foundation
import MediaIO
import TestSupport
import Testing

/// Runs examples/monocular-matting.yaml (the synthetic hand-held clip, GrabCut seeded by the fitted
/// head) at a small size and scores the plate-free matte against the clip's true alpha.
@Suite struct MonocularMattingTests {
    @Test func plateFreeMatteOfTheHandheldClipMatchesTheTrueAlpha() async throws {
        let root = uniqueTemporaryURL("monocular-matting")
        defer { try? FileManager.default.removeItem(at: root) }
        let (result, store) = try await QuickstartPipelineTests.run(
            in: root, pipeline: "examples/monocular-matting.yaml", overrides: ["size=96", "frames=12"])
        #expect(result.succeeded, "\(result.outcomes)")
        let truth = try GroundTruth(capture: try QuickstartPipelineTests.output(result, "clip", "capture", store: store))
        let matte = try FrameSet.open(try QuickstartPipelineTests.output(result, "matte", "frames", store: store))
        var ious: [Double] = []
        for frame in 0..<matte.manifest.frameCount {
            let alpha = try matte.image(frame: frame, camera: "cam00")
            let expected = try truth.image("alpha", camera: "cam00", frame: frame)
            let estimated = stride(from: 3, to: alpha.samples.count, by: 4).map { alpha.samples[$0] > 127 }
            let reference = stride(from: 0, to: expected.samples.count, by: expected.channels).map { expected.samples[$0] > 127 }
            ious.append(intersectionOverUnion(estimated, reference))
        }
        let mean = ious.reduce(0, +) / Double(ious.count)
        #expect(mean >= 0.95, "mean IoU \(mean), per frame \(ious.map { String(format: "%.3f", $0) })")
        #expect(ious.min()! >= 0.9, "worst frame IoU \(ious.min()!)")
    }
}

/// Pipelines/monocular/gaussian-avatars.yaml and gaussian-head-avatar.yaml end to end on a tiny synthetic phone clip given as a plain MP4.
@Suite struct MonocularPipelineTests {
    @Test func monocularPipelinesRunFromAPlainVideoFile() async throws {
        let root = uniqueTemporaryURL("monocular-pipeline")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = try ArtifactStore(root: root.appendingPathComponent("cache"))
        let clipFile = root.appendingPathComponent("clip.yaml")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try """
        pipeline: tiny-phone-clip
        stages:
          clip: {use: synthetic.capture, with: {cameras: 1, held_out_cameras: 0, video: true, handheld: 0.02, width: 96, height: 96, frames: 16, held_out_frames: 0, motion: expressive}}
        outputs: {clip: clip.capture}
        """.write(to: clipFile, atomically: true, encoding: .utf8)
        let registry = StageRegistry(ProductionStages.all)
        let options = RunOptions(runsDirectory: root.appendingPathComponent("runs"))
        let clipRun = try await PipelineRunner(store: store, sink: FanOutEventSink([]))
            .run(try PipelineValidator(registry: registry).plan(try PipelineLoader().load(clipFile)), options: options)
        let video = try QuickstartPipelineTests.output(clipRun, "clip", "capture", store: store).appendingPathComponent("cam00.mp4")

        let overrides = try ["size=96", "fov=26", "iterations=40", "test_frames=4"].enumerated().map {
            try Override(parsing: $1, location: .commandLine(argument: $0 + 1))
        }
        let spec = try PipelineLoader(overrides: overrides, inputPaths: ["video": video]).load(
            QuickstartPipelineTests.repository.appendingPathComponent("Pipelines/monocular/gaussian-avatars.yaml"))
        let result = try await PipelineRunner(store: store, sink: FanOutEventSink([]))
            .run(try PipelineValidator(registry: registry).plan(spec), options: options)
        #expect(result.succeeded, "\(result.outcomes)")
        let rendered = try FrameSet.open(try QuickstartPipelineTests.output(result, "reenact", "frames", store: store))
        #expect(rendered.manifest.frameCount == 4 && rendered.manifest.cameras == ["cam0"])
        let (orbit, _) = try VideoArtifact.open(result.runDirectory.appendingPathComponent("outputs/video"))
        #expect(orbit.frameCount == 16)
        let (sideBySide, _) = try VideoArtifact.open(result.runDirectory.appendingPathComponent("outputs/side_by_side"))
        #expect(sideBySide.width == 2 * rendered.manifest.width && sideBySide.frameCount == 4)

        let ghaOverrides = try ["size=96", "fov=26", "iterations=20", "test_frames=4", "guide.iterations=20"].enumerated().map {
            try Override(parsing: $1, location: .commandLine(argument: $0 + 1))
        }
        let ghaSpec = try PipelineLoader(overrides: ghaOverrides, inputPaths: ["video": video]).load(
            QuickstartPipelineTests.repository.appendingPathComponent("Pipelines/monocular/gaussian-head-avatar.yaml"))
        let gha = try await PipelineRunner(store: store, sink: FanOutEventSink([]))
            .run(try PipelineValidator(registry: registry).plan(ghaSpec), options: options)
        #expect(gha.succeeded, "\(gha.outcomes)")
        #expect(gha.outcomes["read"]?.record?.cacheKey == result.outcomes["read"]?.record?.cacheKey, "the two pipelines share the decode")
        let (ghaSideBySide, _) = try VideoArtifact.open(gha.runDirectory.appendingPathComponent("outputs/side_by_side"))
        #expect(ghaSideBySide.frameCount == 4)

        // Cross-reenactment: a second subject's 12-frame clip drives the same avatar (trained once).
        try """
        pipeline: tiny-driver-clip
        stages:
          clip: {use: synthetic.capture, with: {seed: 1, cameras: 1, held_out_cameras: 0, video: true, handheld: 0.02, width: 96, height: 96, frames: 12, held_out_frames: 0, motion: expressive}}
        outputs: {clip: clip.capture}
        """.write(to: clipFile, atomically: true, encoding: .utf8)
        let driverRun = try await PipelineRunner(store: store, sink: FanOutEventSink([]))
            .run(try PipelineValidator(registry: registry).plan(try PipelineLoader().load(clipFile)), options: options)
        let driver = try QuickstartPipelineTests.output(driverRun, "clip", "capture", store: store).appendingPathComponent("cam00.mp4")
        let crossSpec = try PipelineLoader(overrides: overrides, inputPaths: ["video": video, "driver": driver]).load(
            QuickstartPipelineTests.repository.appendingPathComponent("Pipelines/monocular/cross-reenactment.yaml"))
        let cross = try await PipelineRunner(store: store, sink: FanOutEventSink([]))
            .run(try PipelineValidator(registry: registry).plan(crossSpec), options: options)
        #expect(cross.succeeded, "\(cross.outcomes)")
        #expect(cross.outcomes["train"]?.record?.cacheKey == result.outcomes["train"]?.record?.cacheKey, "the avatar is the one trained above")
        let (crossVideo, _) = try VideoArtifact.open(cross.runDirectory.appendingPathComponent("outputs/cross_reenactment"))
        #expect(crossVideo.frameCount == 12 && crossVideo.width == 2 * 96)
    }
}
