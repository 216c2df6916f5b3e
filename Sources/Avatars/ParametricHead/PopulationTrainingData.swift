import Foundation
import Geometry
import MediaIO
import Tensors

/// One camera view of one training frame of a population subject, at the two sizes of GPHM's
/// losses: the capture size (Ψ's output, L_hr) and half of it (the rasterised map, L_lr, L_sil).
public struct PopulationView {
    /// The camera at half the capture size, world (metres).
    public var lowCamera: PinholeCamera
    /// RGB over white at the capture size, `[1, 3, H, W]`.
    public var high: Tensor
    /// RGB over white at half size (2×2 box mean), `[H/2, W/2, 3]`.
    public var low: Tensor
    /// Head-and-hair matte at half size, `[H/2, W/2]`.
    public var lowMask: Tensor
}

extension PopulationView {
    /// A view from an RGB image over white at the capture size (`high`, planar `[3, H, W]`) and its
    /// matte (`mask`, `[H, W]`) seen by `calibration` (of that size): the half-size image and matte
    /// are 2×2 box means, the half-size camera the calibration resized.
    /// - Throws: `AvatarError` when the sizes disagree or are odd.
    public init(high: [Float], mask: [Float], calibration: CameraCalibration) throws {
        let w = calibration.width, h = calibration.height
        guard w % 2 == 0, h % 2 == 0, high.count == 3 * w * h, mask.count == w * h else {
            throw AvatarError(
                "camera \(calibration.id): a GPHM view needs an even size and a [3, \(h), \(w)] image with a [\(h), \(w)] matte, got \(high.count) and \(mask.count) values"
            )
        }
        let lw = w / 2, lh = h / 2
        var low = [Float](repeating: 0, count: 3 * lw * lh), lowMask = [Float](repeating: 0, count: lw * lh)
        for y in 0..<lh {
            for x in 0..<lw {
                let corners = [(2 * y) * w + 2 * x, (2 * y) * w + 2 * x + 1, (2 * y + 1) * w + 2 * x, (2 * y + 1) * w + 2 * x + 1]
                lowMask[y * lw + x] = corners.map { mask[$0] }.reduce(0, +) / 4
                for c in 0..<3 { low[(y * lw + x) * 3 + c] = corners.map { high[c * w * h + $0] }.reduce(0, +) / 4 }
            }
        }
        let lowCalibration = calibration.resized(to: PixelSize(width: lw, height: lh))
        self.init(
            lowCamera: try lowCalibration.pinholeCamera(), high: Tensor(shape: [1, 3, h, w], scalars: high),
            low: Tensor(shape: [lh, lw, 3], scalars: low), lowMask: Tensor(shape: [lh, lw], scalars: lowMask))
    }

    /// A view of an 8-bit image over white (RGB, or RGBA whose alpha is the matte) seen by `calibration`.
    public init(image: Image8, calibration: CameraCalibration) throws {
        let n = image.width * image.height
        guard image.width == calibration.width, image.height == calibration.height, image.channels >= 3 else {
            throw AvatarError(
                "camera \(calibration.id): the image is \(image.width)x\(image.height) with \(image.channels) channels, the calibration \(calibration.width)x\(calibration.height); a GPHM view needs RGB(A) of the calibrated size"
            )
        }
        var high = [Float](repeating: 0, count: 3 * n), mask = [Float](repeating: 1, count: n)
        for p in 0..<n {
            for c in 0..<3 { high[c * n + p] = Float(image.samples[p * image.channels + c]) / 255 }
            if image.channels == 4 { mask[p] = Float(image.samples[p * 4 + 3]) / 255 }
        }
        try self.init(high: high, mask: mask, calibration: calibration)
    }
}

/// One training frame: its subject, its expression-code row, its canonical landmarks and views.
public struct PopulationFrame {
    /// Row of the subject in the identity code table.
    public var subject: Int
    /// Row of the frame in the expression code table.
    public var expression: Int
    /// Ground-truth 3D landmarks in canonical units, `[68, 3]` (P_gt of eq. 7).
    public var landmarks: Tensor
    /// The frame's camera views.
    public var views: [PopulationView]
}

/// The training subjects of a Population artifact in memory, for GPHM's two training stages
/// (`gphm.train-mesh`, `gphm.train-gaussians`).
///
/// The canonical space is the population's world (head-model) space scaled by `unitsPerMetre`
/// (our choice; the paper's BFM fit gives R, T per frame, which the synthetic population renders
/// still: R = I, T = 0 — a population with head motion is refused). Targets are the head and hair
/// (labels 85 and 170) over white: the neck and shoulders, which a head model does not represent,
/// are cut with the ground-truth labels (GPHM's NeRSemble masks come from matting instead).
public struct PopulationTrainingData {
    /// Training subject ids (identity code rows).
    public var subjects: [String]
    /// "<subject>/<expression>" per training frame (expression code rows).
    public var expressionNames: [String]
    /// Every training frame, subject by subject.
    public var frames: [PopulationFrame]
    /// Mean of every frame's canonical landmarks, `[68, 3]` (the initial P0).
    public var meanLandmarks: Tensor
    /// Canonical units per metre.
    public var unitsPerMetre: Float
    /// The capture size (Ψ's output), pixels.
    public var highSize: PixelSize

    /// Loads every training subject's training sequence (up to `maximumSubjects` subjects and
    /// `maximumCameras` cameras each, 0 = all).
    public static func load(population: Population, unitsPerMetre: Float, maximumSubjects: Int = 0, maximumCameras: Int = 0) throws
        -> PopulationTrainingData
    {
        var subjects = population.trainingSubjects
        if maximumSubjects > 0 { subjects = Array(subjects.prefix(maximumSubjects)) }
        guard !subjects.isEmpty else {
            throw AvatarError("\(population.directory.path): the population has no training subject; re-run synthetic.population with more identities")
        }
        let expressions = population.index.trainingExpressions
        var frames: [PopulationFrame] = [], names: [String] = [], size: PixelSize?
        var landmarkSum = [Float](repeating: 0, count: 68 * 3)
        for (s, subject) in subjects.enumerated() {
            let directory = population.captureDirectory(of: subject)
            let capture = try Capture.open(directory)
            guard capture.frameCount == expressions.count else {
                throw AvatarError(
                    "\(directory.path): \(capture.frameCount) frames but population.json lists \(expressions.count) training expressions; re-run synthetic.population"
                )
            }
            guard size == nil || size == capture.size else {
                throw AvatarError("\(directory.path): its size \(capture.size) differs from the other subjects' \(size!); re-run synthetic.population")
            }
            size = capture.size
            guard capture.size.width % 2 == 0, capture.size.height % 2 == 0 else {
                throw AvatarError("\(directory.path): the size \(capture.size) must be even (the mesh is rendered at half size for Ψ ×2)")
            }
            let truth = directory.appendingPathComponent("groundtruth/training")
            let landmarks = try rawFloats(truth.appendingPathComponent("landmarks3d.f32"), count: capture.frameCount * 68 * 3)
            let pose = try rawFloats(truth.appendingPathComponent("pose.f32"), count: capture.frameCount * 18)
            for f in 0..<capture.frameCount
            where pose[18 * f..<18 * f + 3].contains(where: { $0 != 0 }) || pose[18 * f + 15..<18 * f + 18].contains(where: { $0 != 0 }) {
                throw AvatarError(
                    "\(truth.path)/pose.f32: frame \(f) moves the head (root rotation or translation); GPHM training reads populations rendered with a still head (synthetic.population's default)"
                )
            }
            var cameras = capture.cameras
            if maximumCameras > 0 { cameras = Array(cameras.prefix(maximumCameras)) }
            for f in 0..<capture.frameCount {
                let canonical = landmarks[(f * 204)..<(f * 204 + 204)].map { $0 * unitsPerMetre }
                for k in 0..<204 { landmarkSum[k] += canonical[k] }
                let views = try cameras.map { try loadView(camera: $0, frame: f, truth: truth) }
                names.append("\(subject.id)/\(expressions[f])")
                frames.append(
                    PopulationFrame(subject: s, expression: frames.count, landmarks: Tensor(shape: [68, 3], scalars: Array(canonical)), views: views))
            }
        }
        return PopulationTrainingData(
            subjects: subjects.map(\.id), expressionNames: names, frames: frames,
            meanLandmarks: Tensor(shape: [68, 3], scalars: landmarkSum.map { $0 / Float(frames.count) }), unitsPerMetre: unitsPerMetre,
            highSize: size!)
    }

    /// One view: the RGB frame (the capture's, or `image` — a held-out sequence's ground-truth
    /// image), the alpha and label images of the ground truth, composited over white.
    static func loadView(camera: Capture.Camera, frame: Int, truth: URL, image: URL? = nil) throws -> PopulationView {
        let id = camera.calibration.id, name = String(format: "%06d.png", frame)
        let file: URL
        if let image {
            file = image
        } else {
            guard case .images(_, let files) = camera.media, files.indices.contains(frame) else {
                throw AvatarError("camera \(id): GPHM training reads image folders (synthetic.population); frame \(frame) is missing")
            }
            file = files[frame]
        }
        let rgb = try PNGFile.read8(file)
        let alpha = try PNGFile.read8(truth.appendingPathComponent("alpha/\(id)/\(name)"))
        let labels = try PNGFile.read8(truth.appendingPathComponent("labels/\(id)/\(name)"))
        let w = rgb.width, h = rgb.height
        guard alpha.width == w, alpha.height == h, labels.width == w, labels.height == h else {
            throw AvatarError("\(truth.path): the alpha or labels of camera \(id) frame \(frame) are not \(w)x\(h); re-run synthetic.population")
        }
        var high = [Float](repeating: 1, count: 3 * w * h), mask = [Float](repeating: 0, count: w * h)
        for p in 0..<(w * h) {
            let label = labels.samples[p * labels.channels]
            let m = (label == 85 || label == 170) ? Float(alpha.samples[p * alpha.channels]) / 255 : 0
            mask[p] = m
            for c in 0..<3 { high[c * w * h + p] = m * Float(rgb.samples[p * rgb.channels + min(c, rgb.channels - 1)]) / 255 + (1 - m) }
        }
        return try PopulationView(high: high, mask: mask, calibration: camera.calibration)
    }

    /// A raw little-endian float32 blob of exactly `count` values.
    static func rawFloats(_ url: URL, count: Int) throws -> [Float] {
        guard let bytes = FileManager.default.contents(atPath: url.path), bytes.count == count * 4 else {
            throw AvatarError("\(url.path): missing or not \(count) float32 values; re-run synthetic.population")
        }
        return bytes.withUnsafeBytes { raw in
            (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }
}
