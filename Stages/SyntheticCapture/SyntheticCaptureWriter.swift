import AvatarFlow
import Foundation
import Geometry
import HeadModel
import MediaIO

/// Writes a synthetic scene as a capture directory in the MediaIO format (docs/capture-format.md)
/// plus ground truth (docs/synthetic-capture.md):
///
///     cameras.json  cam00/000000.png …  background/cam00.png …
///     groundtruth/groundtruth.json, cameras.json (all cameras), head_model/,
///     groundtruth/background/held00.png …,
///     groundtruth/<sequence>/{pose.f32, expression.f32, landmarks3d.f32, landmarks2d.f32,
///                             landmark_visible.i32, alpha/<cam>/, labels/<cam>/, regions/<cam>/,
///                             images/<cam>/}
///
/// Images of the training sequence seen by the training cameras are the capture itself; all other
/// images (held-out cameras, held-out sequence) live under groundtruth/. Output bytes depend only
/// on the configuration.
public enum SyntheticCaptureWriter {
    /// Grey value of each label in the label PNGs.
    public static let labelGrey: [SyntheticLabel: UInt8] = [.background: 0, .head: 85, .hair: 170, .body: 255]
    /// zlib level of the written PNGs (fast, as the FrameSet writer).
    static let compressionLevel = 1

    struct ArrayEntry: Encodable {
        var file: String
        var dtype: String
        var shape: [Int]
    }

    struct SequenceEntry: Encodable {
        var frames: Int
        var cameras: [String]
        var images: [String: String]
        var alpha: String
        var labels: String
        var regions: String
        var arrays: [String: ArrayEntry]
    }

    struct Manifest: Encodable {
        var format = "avatarflow.synthetic-groundtruth"
        var version = 1
        var seed: UInt64
        var world: String
        var headModel: String
        var identity: [Float]
        var identityNames: [String]
        var expressionNames: [String]
        var joints: [String]
        var poseLayout: String
        var labels: [String: String]
        var regionLabels: [String: String]
        var motion: String
        var trainingCameras: [String]
        var heldOutCameras: [String]
        var sequences: [String: SequenceEntry]

        enum CodingKeys: String, CodingKey {
            case format, version, seed, world, identity, joints, labels, sequences, motion
            case regionLabels = "region_labels"
            case headModel = "head_model"
            case identityNames = "identity_names"
            case expressionNames = "expression_names"
            case poseLayout = "pose_layout"
            case trainingCameras = "training_cameras"
            case heldOutCameras = "held_out_cameras"
        }
    }

    /// Writes `scene` into `directory` (which must exist and be empty); `viewRendered(total)` is called once per rendered view, from any thread.
    public static func write(_ scene: SyntheticScene, to directory: URL, viewRendered: @escaping @Sendable (_ total: Int) -> Void = { _ in }) throws {
        let groundTruth = directory.appendingPathComponent("groundtruth")
        let training = scene.cameras, heldOut = scene.heldOutCameras
        let fps = Double(scene.configuration.framesPerSecond)
        func calibration(_ camera: PinholeCamera, media: String) -> CameraCalibration {
            CameraCalibration(
                id: camera.id, width: camera.width, height: camera.height, fx: Double(camera.fx), fy: Double(camera.fy),
                cx: Double(camera.cx), cy: Double(camera.cy), worldToCamera: camera.worldToCamera.rowMajor4x4.map(Double.init),
                media: media)
        }
        try createDirectory(groundTruth.appendingPathComponent("background"))
        let video = scene.configuration.video
        try writeJSON(
            CamerasFile(cameras: training.map { calibration($0, media: video ? "\($0.id).mp4" : $0.id) }, fps: fps, units: "metres"),
            to: directory.appendingPathComponent("cameras.json"))
        try writeJSON(
            CamerasFile(
                cameras: training.map { calibration($0, media: video ? "training/images/\($0.id)" : "../\($0.id)") }
                    + heldOut.map { calibration($0, media: "training/images/\($0.id)") },
                fps: fps, units: "metres"),
            to: groundTruth.appendingPathComponent("cameras.json"))
        try HeadModelFormat.write(scene.model, to: groundTruth.appendingPathComponent("head_model"))

        var renderedPlates: [String: FloatImage] = [:]
        for camera in training + heldOut {
            let plate = scene.backgroundPlate(camera: camera)
            renderedPlates[camera.id] = plate
            let folder =
                training.contains(camera) && !video ? directory.appendingPathComponent("background") : groundTruth.appendingPathComponent("background")
            try createDirectory(folder)
            try PNGFile.write(image8(plate), to: folder.appendingPathComponent("\(camera.id).png"), compressionLevel: compressionLevel)
        }

        let plates = renderedPlates
        let sequences: [(PerformanceKind, String, [PinholeCamera])] = [(.training, "training", training + heldOut), (.heldOut, "heldout", training)]
        let total = sequences.reduce(0) { $0 + scene.frameCount($1.0) * $1.2.count }
        var entries: [String: SequenceEntry] = [:]
        for (kind, name, cameras) in sequences {
            let frames = scene.frameCount(kind)
            let sequenceDirectory = groundTruth.appendingPathComponent(name)
            for camera in cameras {
                for part in ["alpha", "labels", "regions"] {
                    try createDirectory(sequenceDirectory.appendingPathComponent(part).appendingPathComponent(camera.id))
                }
                try createDirectory(imageFolder(camera: camera, kind: kind, capture: directory, sequence: sequenceDirectory, training: training, video: video))
            }
            var landmarks2D = [Float](repeating: 0, count: cameras.count * frames * IBUG68.count * 2)
            var visible = [Int32](repeating: 0, count: cameras.count * frames * IBUG68.count)
            var worldToCamera = [Float](repeating: 0, count: cameras.count * frames * 16)
            let videoWriters = try videoWriters(scene, kind: kind, cameras: cameras, capture: directory)
            for frame in 0..<frames {
                let results = try parallelMap(cameras.count) { c throws -> ([SIMD2<Float>], [Bool], Image8, [Float]) in
                    let mounted = cameras[c], camera = scene.camera(mounted, frame: frame, kind: kind)
                    let plate = camera == mounted ? plates[camera.id]! : scene.backgroundPlate(camera: camera)
                    let view = scene.render(kind, frame: frame, camera: camera, plate: plate)
                    let file = String(format: "%06d.png", frame)
                    let images = imageFolder(camera: mounted, kind: kind, capture: directory, sequence: sequenceDirectory, training: training, video: video)
                    let picture = image8(view.image)
                    try PNGFile.write(picture, to: images.appendingPathComponent(file), compressionLevel: compressionLevel)
                    try PNGFile.write(
                        image8(view.alpha),
                        to: sequenceDirectory.appendingPathComponent("alpha").appendingPathComponent(camera.id)
                            .appendingPathComponent(file), compressionLevel: compressionLevel)
                    let grey = view.labels.map { labelGrey[$0]! }
                    try PNGFile.write(
                        Image8(width: camera.width, height: camera.height, channels: 1, samples: grey),
                        to: sequenceDirectory.appendingPathComponent("labels").appendingPathComponent(camera.id)
                            .appendingPathComponent(file), compressionLevel: compressionLevel)
                    try PNGFile.write(
                        Image8(width: camera.width, height: camera.height, channels: 1, samples: view.regions.map(\.grey)),
                        to: sequenceDirectory.appendingPathComponent("regions").appendingPathComponent(camera.id)
                            .appendingPathComponent(file), compressionLevel: compressionLevel)
                    viewRendered(total)
                    return (view.landmarks, view.landmarkVisible, picture, camera.worldToCamera.rowMajor4x4)
                }
                for c in 0..<cameras.count {
                    let (points, flags, picture, matrix) = results[c]
                    try videoWriters[cameras[c].id]?.append(picture)
                    for k in 0..<16 { worldToCamera[(c * frames + frame) * 16 + k] = matrix[k] }
                    for k in 0..<IBUG68.count {
                        let index = (c * frames + frame) * IBUG68.count + k
                        landmarks2D[2 * index] = points[k].x
                        landmarks2D[2 * index + 1] = points[k].y
                        visible[index] = flags[k] ? 1 : 0
                    }
                }
            }
            for writer in videoWriters.values { try writer.finish() }
            let performance = scene.performances[kind]!
            let poses = performance.flatMap { $0.pose.flattened }
            let expressions = performance.flatMap(\.expression)
            let landmarks3D = (0..<frames).flatMap { scene.landmarks3D(kind, frame: $0).flatMap { [$0.x, $0.y, $0.z] } }
            var arrays: [String: ArrayEntry] = [:]
            func put(_ key: String, floats: [Float], shape: [Int]) throws {
                arrays[key] = ArrayEntry(file: "\(name)/\(key).f32", dtype: "float32", shape: shape)
                try writeBlob(floats.map { $0.bitPattern.littleEndian }, to: sequenceDirectory.appendingPathComponent("\(key).f32"))
            }
            try put("pose", floats: poses, shape: [frames, scene.model.jointCount * 3 + 3])
            try put("expression", floats: expressions, shape: [frames, scene.model.expressionCount])
            try put("landmarks3d", floats: landmarks3D, shape: [frames, IBUG68.count, 3])
            try put("landmarks2d", floats: landmarks2D, shape: [cameras.count, frames, IBUG68.count, 2])
            if scene.isHandheld { try put("cameras", floats: worldToCamera, shape: [cameras.count, frames, 4, 4]) }
            arrays["landmark_visible"] = ArrayEntry(file: "\(name)/landmark_visible.i32", dtype: "int32", shape: [cameras.count, frames, IBUG68.count])
            try writeBlob(visible.map { $0.littleEndian }, to: sequenceDirectory.appendingPathComponent("landmark_visible.i32"))
            entries[name] = SequenceEntry(
                frames: frames, cameras: cameras.map(\.id),
                images: Dictionary(
                    uniqueKeysWithValues: cameras.map { camera in
                        (camera.id, kind == .training && training.contains(camera) && !video ? "../\(camera.id)" : "\(name)/images/\(camera.id)")
                    }),
                alpha: "\(name)/alpha/<camera>/%06d.png", labels: "\(name)/labels/<camera>/%06d.png",
                regions: "\(name)/regions/<camera>/%06d.png", arrays: arrays)
        }
        let manifest = Manifest(
            seed: scene.configuration.seed,
            world: "head-model space: metres, x to the subject's left, y up, z out of the face",
            headModel: "head_model", identity: scene.subject.identity, identityNames: scene.model.identityNames,
            expressionNames: scene.model.expressionNames, joints: scene.model.joints.map(\.name),
            poseLayout: "per frame: axis-angle (radians) of each joint in `joints` order, then the translation (metres)",
            labels: ["0": "background", "85": "head (face, ears, eyes, mouth)", "170": "hair (cards and hair-covered scalp)", "255": "body (neck, shoulders)"],
            regionLabels: Dictionary(uniqueKeysWithValues: SyntheticRegion.allCases.map { ("\($0.grey)", $0.name) }),
            motion: scene.configuration.motion.rawValue, trainingCameras: training.map(\.id), heldOutCameras: heldOut.map(\.id), sequences: entries)
        try writeJSON(manifest, to: groundTruth.appendingPathComponent("groundtruth.json"))
    }

    /// One H.264 writer per training camera for the training sequence of a `video` capture
    /// (`<capture>/<camera>.mp4`, single-threaded so the bytes are reproducible); none otherwise.
    static func videoWriters(_ scene: SyntheticScene, kind: PerformanceKind, cameras: [PinholeCamera], capture: URL) throws -> [String: VideoWriter] {
        guard scene.configuration.video, kind == .training else { return [:] }
        var writers: [String: VideoWriter] = [:]
        for camera in cameras where scene.cameras.contains(camera) {
            writers[camera.id] = try VideoWriter(
                url: capture.appendingPathComponent("\(camera.id).mp4"), frameSize: PixelSize(width: camera.width, height: camera.height),
                options: VideoEncodeOptions(frameRate: Rational(approximating: Double(scene.configuration.framesPerSecond)), threadCount: 1))
        }
        return writers
    }

    static func imageFolder(camera: PinholeCamera, kind: PerformanceKind, capture: URL, sequence: URL, training: [PinholeCamera], video: Bool = false) -> URL {
        if kind == .training && training.contains(camera) && !video { return capture.appendingPathComponent(camera.id) }
        return sequence.appendingPathComponent("images").appendingPathComponent(camera.id)
    }

    /// Rounds [0, 1] Float samples to 8 bits (`Image8(rounding:)`).
    static func image8(_ image: FloatImage) -> Image8 {
        Image8(rounding: image)
    }

    static func createDirectory(_ url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw SyntheticCaptureError("cannot create \(url.path): \(error.localizedDescription)")
        }
    }

    static func writeJSON<T: Encodable>(_ value: T, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try encoder.encode(value).write(to: url, options: .atomic)
        } catch {
            throw SyntheticCaptureError("cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    static func writeBlob<T>(_ values: [T], to url: URL) throws {
        do {
            try values.withUnsafeBytes { try Data($0).write(to: url, options: .atomic) }
        } catch {
            throw SyntheticCaptureError("cannot write \(url.path): \(error.localizedDescription)")
        }
    }
}
