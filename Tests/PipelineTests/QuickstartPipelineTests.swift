import AvatarFlow
import AvatarFlowStages
import FaceAnalysis
import Foundation
import HeadModel
import MediaIO
import TestSupport
import Testing

/// The synthetic capture's ground truth, read straight from its files.
struct GroundTruth {
    let directory: URL
    let manifest: [String: Any]

    init(capture: URL) throws {
        directory = capture.appendingPathComponent("groundtruth")
        let data = try Data(contentsOf: directory.appendingPathComponent("groundtruth.json"))
        manifest = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func array(_ name: String, sequence: String = "training") throws -> (values: [Float], shape: [Int]) {
        let sequences = try #require(manifest["sequences"] as? [String: Any])
        let entry = try #require(((sequences[sequence] as? [String: Any])?["arrays"] as? [String: Any])?[name] as? [String: Any])
        let file = try #require(entry["file"] as? String), shape = try #require(entry["shape"] as? [Int])
        let bytes = try Data(contentsOf: directory.appendingPathComponent(file))
        let values = bytes.withUnsafeBytes { raw in
            (0..<(bytes.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.load(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
        return (values, shape)
    }

    /// Angle (degrees) between the fitted and the true neck rotation of each frame of `tracking`
    /// (pose rows: root, neck, jaw, left eye, right eye axis-angles, then the translation).
    func neckErrorsDegrees(of tracking: HeadTracking) throws -> [Double] {
        let pose = try array("pose")
        return tracking.frames.enumerated().map { f, state in
            let p = pose.values[(f * 18)..<(f * 18 + 18)].map(Double.init)
            return angleDegrees(axisAngleMatrix(SIMD3(p[3], p[4], p[5])), axisAngleMatrix(SIMD3(state.neck[0], state.neck[1], state.neck[2])))
        }
    }

    func image(_ kind: String, camera: String, frame: Int) throws -> Image8 {
        try PNGFile.read8(directory.appendingPathComponent("training/\(kind)/\(camera)/\(String(format: "%06d", frame)).png"))
    }
}

func axisAngleMatrix(_ v: SIMD3<Double>) -> [[Double]] {
    let angle = (v * v).sum().squareRoot()
    guard angle > 1e-12 else { return [[1, 0, 0], [0, 1, 0], [0, 0, 1]] }
    let k = v / angle, c = cos(angle), s = sin(angle), t = 1 - c
    return [
        [c + k.x * k.x * t, k.x * k.y * t - k.z * s, k.x * k.z * t + k.y * s],
        [k.y * k.x * t + k.z * s, c + k.y * k.y * t, k.y * k.z * t - k.x * s],
        [k.z * k.x * t - k.y * s, k.z * k.y * t + k.x * s, c + k.z * k.z * t],
    ]
}

func multiply(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
    (0..<3).map { i in (0..<3).map { j in (0..<3).reduce(0) { $0 + a[i][$1] * b[$1][j] } } }
}

func angleDegrees(_ a: [[Double]], _ b: [[Double]]) -> Double {
    let trace = (0..<3).reduce(0.0) { sum, i in sum + (0..<3).reduce(0.0) { $0 + a[$1][i] * b[$1][i] } }
    return acos(max(-1, min(1, (trace - 1) / 2))) * 180 / .pi
}

func intersectionOverUnion(_ a: [Bool], _ b: [Bool]) -> Double {
    let intersection = zip(a, b).filter { $0 && $1 }.count, union = zip(a, b).filter { $0 || $1 }.count
    return Double(intersection) / Double(max(union, 1))
}

/// Runs Pipelines/quickstart.yaml at a small size once and checks every stage against the synthetic ground truth.
@Suite(.serialized) struct QuickstartPipelineTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let overrides: [String] = []

    /// Runs the repository's pipeline file `pipeline` (default Pipelines/quickstart.yaml) with
    /// command-line style overrides, its cache and runs under `root`.
    static func run(
        in root: URL, pipeline: String = "Pipelines/quickstart.yaml", overrides: [String] = QuickstartPipelineTests.overrides
    ) async throws -> (RunResult, ArtifactStore) {
        let parsed = try overrides.enumerated().map { try Override(parsing: $1, location: .commandLine(argument: $0 + 1)) }
        let spec = try PipelineLoader(overrides: parsed).load(repository.appendingPathComponent(pipeline))
        let plan = try PipelineValidator(registry: StageRegistry(ProductionStages.all)).plan(spec)
        let store = try ArtifactStore(root: root.appendingPathComponent("cache"))
        let result = try await PipelineRunner(store: store, sink: FanOutEventSink([]))
            .run(plan, options: RunOptions(runsDirectory: root.appendingPathComponent("runs")))
        return (result, store)
    }

    static func output(_ result: RunResult, _ stage: String, _ port: String, store: ArtifactStore) throws -> URL {
        store.outputDirectory(key: try #require(result.outcomes[stage]?.record?.cacheKey), port: port)
    }

    @Test func quickstartRecoversTheSyntheticGroundTruth() async throws {
        let root = uniqueTemporaryURL("quickstart")
        defer { try? FileManager.default.removeItem(at: root) }
        let (result, store) = try await Self.run(in: root)
        #expect(result.succeeded, "\(result.outcomes)")
        let capture = try Self.output(result, "capture", "capture", store: store)
        let truth = try GroundTruth(capture: capture)
        let cameras = try FrameSet.open(try Self.output(result, "decode", "frames", store: store)).manifest.cameras

        // Matting against the plates.
        let matte = try FrameSet.open(try Self.output(result, "matte", "frames", store: store))
        var ious: [Double] = [], errors: [Double] = []
        for camera in cameras {
            for frame in stride(from: 0, to: 24, by: 5) {
                let alpha = try matte.image(frame: frame, camera: camera)
                let expected = try truth.image("alpha", camera: camera, frame: frame)
                let a = stride(from: 3, to: alpha.samples.count, by: 4).map { Double(alpha.samples[$0]) / 255 }
                let b = expected.samples.enumerated().filter { $0.offset % expected.channels == 0 }.map { Double($0.element) / 255 }
                ious.append(intersectionOverUnion(a.map { $0 > 0.5 }, b.map { $0 > 0.5 }))
                errors.append(zip(a, b).reduce(0) { $0 + abs($1.0 - $1.1) } / Double(a.count))
            }
        }
        #expect(ious.min()! > 0.97, "alpha IoU \(ious)")
        #expect(errors.max()! < 0.02, "alpha MAE \(errors)")

        // Head-model fit against the true pose, expressions and 3D landmarks.
        let tracking = try HeadTracking.read(from: try Self.output(result, "track", "tracking", store: store))
        let pose = try truth.array("pose"), expression = try truth.array("expression"), landmarks = try truth.array("landmarks3d")
        let model = ProceduralHeadBuilder.build()
        let ys = model.templatePositions.map(\.y)
        let headHeight = Double(ys.max()! - ys.min()!)
        var worstRotation = 0.0, worstNeck = 0.0, landmarkErrors: [Double] = [], fitted: [Double] = [], expected: [Double] = []
        for (f, state) in tracking.frames.enumerated() {
            let p = pose.values[(f * 18)..<(f * 18 + 18)].map(Double.init)
            let trueNeck = axisAngleMatrix(SIMD3(p[3], p[4], p[5]))
            let trueRotation = multiply(axisAngleMatrix(SIMD3(p[0], p[1], p[2])), trueNeck)
            let fittedNeck = axisAngleMatrix(SIMD3(state.neck[0], state.neck[1], state.neck[2]))
            let fittedRotation = multiply(axisAngleMatrix(SIMD3(state.rotation[0], state.rotation[1], state.rotation[2])), fittedNeck)
            worstRotation = max(worstRotation, angleDegrees(trueRotation, fittedRotation))
            worstNeck = max(worstNeck, angleDegrees(trueNeck, fittedNeck))
            fitted += state.expression
            expected += expression.values[(f * 24)..<(f * 24 + 24)].map(Double.init)
            for k in 0..<68 {
                let d = (0..<3).map { state.landmarks[k][$0] - Double(landmarks.values[(f * 68 + k) * 3 + $0]) }
                landmarkErrors.append((d.map { $0 * $0 }.reduce(0, +)).squareRoot() / headHeight)
            }
        }
        let meanF = fitted.reduce(0, +) / Double(fitted.count), meanE = expected.reduce(0, +) / Double(expected.count)
        let covariance = zip(fitted, expected).reduce(0) { $0 + ($1.0 - meanF) * ($1.1 - meanE) }
        let correlation =
            covariance / (fitted.reduce(0) { $0 + ($1 - meanF) * ($1 - meanF) } * expected.reduce(0) { $0 + ($1 - meanE) * ($1 - meanE) }).squareRoot()
        #expect(worstRotation < 2, "worst head rotation error \(worstRotation)°")
        #expect(worstNeck < 2, "worst neck rotation error \(worstNeck)°")
        #expect(correlation > 0.9, "expression correlation \(correlation)")
        #expect(landmarkErrors.reduce(0, +) / Double(landmarkErrors.count) < 0.02, "mean 3D landmark error / head height")

        // Head / hair / body parsing against the labels.
        let masks = try FrameSet.open(try Self.output(result, "parse", "masks", store: store))
        var head: [Double] = [], hair: [Double] = []
        for camera in cameras {
            for frame in stride(from: 0, to: 24, by: 5) {
                let parsed = try masks.image(frame: frame, camera: camera), labels = try truth.image("labels", camera: camera, frame: frame)
                let label = labels.samples.enumerated().filter { $0.offset % labels.channels == 0 }.map(\.element)
                head.append(intersectionOverUnion(stride(from: 0, to: parsed.samples.count, by: 3).map { parsed.samples[$0] > 127 }, label.map { $0 == 85 }))
                hair.append(intersectionOverUnion(stride(from: 1, to: parsed.samples.count, by: 3).map { parsed.samples[$0] > 127 }, label.map { $0 == 170 }))
            }
        }
        #expect(head.reduce(0, +) / Double(head.count) > 0.9, "head IoU \(head)")
        #expect(hair.reduce(0, +) / Double(hair.count) > 0.8, "hair IoU \(hair)")

        // The video exists and a second run reuses everything.
        let video = try Self.output(result, "encode", "video", store: store)
        #expect(FileManager.default.fileExists(atPath: video.appendingPathComponent("video.mp4").path))
        let (again, _) = try await Self.run(in: root)
        #expect(Set(again.outcomes.values.map { $0.record != nil && { if case .cached = $0 { true } else { false } }($0) }) == [true])
    }
}

/// Matting without recorded plates estimates them as the temporal median; that needs a subject
/// that moves off every background pixel for more than half of the frames (here: a subject that
/// sways across the frame).
@Suite struct MedianPlateMattingTests {
    @Test func mattingWithoutPlatesSeparatesAMovingSubject() async throws {
        let root = uniqueTemporaryURL("median")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let pipeline = root.appendingPathComponent("p.yaml")
        try """
        pipeline: median-matting
        stages:
          capture: {use: synthetic.capture, with: {cameras: 2, width: 96, height: 96, frames: 40, fps: 10, sway: 0.5, held_out_frames: 2, held_out_cameras: 0}}
        outputs: {capture: capture.capture}
        """.write(to: pipeline, atomically: true, encoding: .utf8)
        let registry = StageRegistry(ProductionStages.all)
        let store = try ArtifactStore(root: root.appendingPathComponent("cache"))
        let runner = PipelineRunner(store: store, sink: FanOutEventSink([]))
        let options = RunOptions(runsDirectory: root.appendingPathComponent("runs"))
        let first = try await runner.run(try PipelineValidator(registry: registry).plan(try PipelineLoader().load(pipeline)), options: options)
        let capture = store.outputDirectory(key: try #require(first.outcomes["capture"]?.record?.cacheKey), port: "capture")
        let plateless = root.appendingPathComponent("plateless")
        try FileManager.default.copyItem(at: capture, to: plateless)
        try FileManager.default.removeItem(at: plateless.appendingPathComponent("background"))

        try """
        pipeline: median-matting-2
        inputs: {capture: {type: Capture}}
        stages:
          decode: {use: video.decode, in: {capture: $capture}}
          matte: {use: matting.difference, in: {frames: decode.frames}, with: {median_frames: 40}}
        outputs: {matte: matte.frames}
        """.write(to: pipeline, atomically: true, encoding: .utf8)
        let spec = try PipelineLoader(inputPaths: ["capture": plateless]).load(pipeline)
        let second = try await runner.run(try PipelineValidator(registry: registry).plan(spec), options: options)
        #expect(second.succeeded, "\(second.outcomes)")
        let matte = try FrameSet.open(store.outputDirectory(key: try #require(second.outcomes["matte"]?.record?.cacheKey), port: "frames"))
        let truth = try GroundTruth(capture: plateless)
        var intersection = 0, union = 0
        for camera in matte.manifest.cameras {
            for frame in stride(from: 0, to: 40, by: 3) {
                let alpha = try matte.image(frame: frame, camera: camera)
                let expected = try truth.image("alpha", camera: camera, frame: frame)
                let truthMask = expected.samples.enumerated().filter { $0.offset % expected.channels == 0 }.map { $0.element > 127 }
                let predicted = stride(from: 3, to: alpha.samples.count, by: 4).map { alpha.samples[$0] > 127 }
                intersection += zip(predicted, truthMask).filter { $0 && $1 }.count
                union += zip(predicted, truthMask).filter { $0 || $1 }.count
            }
        }
        // Pooled over all sampled frames: frames where the subject is mostly outside the picture weigh little.
        #expect(Double(intersection) / Double(union) > 0.9, "alpha IoU with median plates \(Double(intersection) / Double(union))")
    }
}
