import AvatarFlow
import Foundation
import MediaIO

/// `eval.images`: PSNR, SSIM and L1 (and masked variants) of rendered frames against reference
/// frames, per camera and overall, written as `metrics.json`, a Markdown table `metrics.md` and
/// side-by-side grids `grids/<camera>.png` (rows: frames; columns: reference, render, |error| × 4).
/// With a Masks input, also masked PSNR/SSIM/L1 inside each region (`regions` in metrics.json).
public struct ImageMetricsStage: Stage {
    /// Parameters of `eval.images`.
    public struct Parameters: StageParameters {
        /// Allowed values of `alignment`.
        public enum Alignment: String, ParameterChoice {
            case sourceIndex = "source_index"
            case sequential
        }

        @Param("Cameras to score; empty = all cameras present in both FrameSets.")
        public var cameras: [String] = []
        @Param(
            "source_index: rendered frame i is compared with reference frame source_frame_indices[i] (render.reenact writes the driving frame); sequential: with reference_first_frame + i."
        )
        public var alignment: Alignment = .sourceIndex
        @Param("With sequential alignment, the reference frame of the first rendered frame.", range: 0...10_000_000)
        public var referenceFirstFrame: Int = 0
        @Param("Also report PSNR/SSIM/L1 inside the reference alpha (RGBA references).")
        public var masked: Bool = true
        @Param("Frames shown per side-by-side grid PNG (0 = no grids).", range: 0...64)
        public var gridFrames: Int = 4
        @Param(
            "Regions of the masks input to score inside (masked PSNR/SSIM/L1 per region); empty = every region the masks name. Only used with a masks input."
        )
        public var regions: [String] = []

        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "eval.images"
    public static let version = 1
    public static let summary = "PSNR/SSIM/L1 (and masked) of rendered vs reference frames, per camera and overall, with image grids."
    public static let inputs = [
        StagePort("rendered", .frameSet, doc: "Rendered frames."),
        StagePort("reference", .frameSet, doc: "Ground-truth frames (RGBA after matting for masked metrics)."),
        StagePort(
            "masks", .masks, optional: true,
            doc: "Region masks of the reference frames (same cameras and frame count), e.g. synthetic.region-masks or parsing.head-hair; adds region scores."),
    ]
    public static let outputs = [StagePort("report", .report, doc: "metrics.json, metrics.md, grids/<camera>.png.")]

    public init() {}

    /// Scores every (camera, frame) pair and writes the report.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let rendered = try FrameSet.open(try context.input("rendered"))
        let reference = try FrameSet.open(try context.input("reference"))
        let common = rendered.manifest.cameras.filter { reference.manifest.cameras.contains($0) }
        let cameras = parameters.cameras.isEmpty ? common : parameters.cameras
        guard !cameras.isEmpty else {
            throw EvaluationError(
                "the rendered frames (\(rendered.manifest.cameras.joined(separator: ", "))) and the reference (\(reference.manifest.cameras.joined(separator: ", "))) share no camera; render the reference's cameras or list cameras to compare"
            )
        }
        for camera in cameras where !common.contains(camera) {
            throw EvaluationError("camera '\(camera)' is not in both FrameSets (common: \(common.joined(separator: ", ")))")
        }
        guard rendered.manifest.width == reference.manifest.width, rendered.manifest.height == reference.manifest.height else {
            throw EvaluationError(
                "rendered frames are \(rendered.manifest.width)x\(rendered.manifest.height) but the reference is \(reference.manifest.width)x\(reference.manifest.height); render at the reference size"
            )
        }
        let pairs: [(rendered: Int, reference: Int)]
        if parameters.alignment == .sourceIndex {
            pairs = rendered.manifest.sourceFrameIndices.enumerated().map { ($0.offset, $0.element) }
        } else {
            pairs = (0..<rendered.manifest.frameCount).map { ($0, $0 + parameters.referenceFirstFrame) }
        }
        let unmatched = pairs.filter { !(0..<reference.manifest.frameCount).contains($0.reference) }
        guard unmatched.isEmpty else {
            throw EvaluationError(
                "rendered frame \(unmatched[0].rendered) maps to reference frame \(unmatched[0].reference), but the reference has \(reference.manifest.frameCount) frames (alignment \(parameters.alignment.rawValue)); render frames of the reference sequence or use sequential alignment"
            )
        }
        let frames = pairs.count
        let masks = try context.optionalInput("masks").map { try MaskSet.open($0) }
        let regionNames = try masks.map { try Self.regionNames(parameters.regions, masks: $0, reference: reference, cameras: cameras) } ?? []
        let maskFrames = try masks.map { try Self.maskFrames($0, reference: reference) } ?? []
        var regionRecords: [String: [String: [RegionMetrics]]] = [:]
        let output = try context.output("report")
        var perCamera: [String: ImageMetrics] = [:]
        var all: [ImageMetrics] = []
        var done = 0
        for camera in cameras {
            var records: [ImageMetrics] = []
            var gridRows: [[FloatImage]] = []
            let gridIndices = Set(
                parameters.gridFrames == 0
                    ? []
                    : (0..<min(parameters.gridFrames, frames)).map {
                        parameters.gridFrames == 1 ? 0 : $0 * (frames - 1) / max(1, min(parameters.gridFrames, frames) - 1)
                    })
            for frame in 0..<frames {
                let renderedImage = try rendered.floatImage(frame: pairs[frame].rendered, camera: camera)
                let truthImage = try reference.floatImage(frame: pairs[frame].reference, camera: camera)
                let image = FloatImage(width: renderedImage.width, height: renderedImage.height, channels: 3, samples: renderedImage.rgbSamples)
                let truth = FloatImage(width: truthImage.width, height: truthImage.height, channels: 3, samples: truthImage.rgbSamples)
                let metrics = ImageMetrics.measure(
                    rendered: image.samples, reference: truth.samples,
                    mask: parameters.masked ? truthImage.alphaSamples : nil, width: image.width, height: image.height)
                records.append(metrics)
                if let masks, !regionNames.isEmpty {
                    let regionMasks = try masks.masks(frame: maskFrames[pairs[frame].reference], camera: camera)
                    for name in regionNames {
                        if let scores = ImageMetrics.region(
                            rendered: image.samples, reference: truth.samples, mask: regionMasks[name]!, width: image.width, height: image.height)
                        {
                            regionRecords[name, default: [:]][camera, default: []].append(scores)
                        }
                    }
                }
                if gridIndices.contains(frame) { gridRows.append([truth, image, ImageGrid.amplifiedDifference(image, truth, gain: 4)]) }
                done += 1
                context.reportProgress(completed: done, total: frames * cameras.count, unit: "images")
            }
            perCamera[camera] = ImageMetrics.mean(records)
            all += records
            if !gridRows.isEmpty {
                let grids = output.appendingPathComponent("grids")
                try FileManager.default.createDirectory(at: grids, withIntermediateDirectories: true)
                try PNGFile.write(ImageGrid.grid(gridRows), to: grids.appendingPathComponent("\(camera).png"))
            }
        }
        var regionReports: [String: MetricsReport.RegionReport] = [:]
        for name in regionNames {
            let byCamera = regionRecords[name] ?? [:]
            guard let overall = RegionMetrics.mean(cameras.flatMap { byCamera[$0] ?? [] }) else { continue }
            regionReports[name] = MetricsReport.RegionReport(overall: overall, perCamera: byCamera.compactMapValues(RegionMetrics.mean))
        }
        let report = MetricsReport(
            frames: frames, cameras: cameras, overall: ImageMetrics.mean(all), perCamera: perCamera,
            regions: masks == nil ? nil : regionReports)
        try report.write(to: output)
        context.log(report.markdown)
    }

    /// The regions to score: the requested ones (each must be named by the masks) or all of them;
    /// checks the masks cover the reference's cameras and size.
    static func regionNames(_ requested: [String], masks: MaskSet, reference: FrameSet, cameras: [String]) throws -> [String] {
        let manifest = masks.frames.manifest
        guard manifest.width == reference.manifest.width, manifest.height == reference.manifest.height else {
            throw EvaluationError(
                "the masks are \(manifest.width)x\(manifest.height) but the reference is \(reference.manifest.width)x\(reference.manifest.height); connect masks of the reference frames"
            )
        }
        for camera in cameras where !manifest.cameras.contains(camera) {
            throw EvaluationError(
                "camera '\(camera)' has no masks (masks cameras: \(manifest.cameras.joined(separator: ", "))); connect masks of the reference frames")
        }
        for name in requested where !masks.names.contains(name) {
            throw EvaluationError("region '\(name)' is not in the masks (regions: \(masks.names.joined(separator: ", "))); fix `regions`")
        }
        return requested.isEmpty ? masks.names : requested
    }

    /// The masks frame of each reference frame: the same index when both have as many frames,
    /// else the masks frame with the same source frame index (masks of a whole capture scoring a
    /// decoded subset of it).
    static func maskFrames(_ masks: MaskSet, reference: FrameSet) throws -> [Int] {
        let manifest = masks.frames.manifest
        if manifest.frameCount == reference.manifest.frameCount { return Array(0..<manifest.frameCount) }
        let bySource = Dictionary(manifest.sourceFrameIndices.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { first, _ in first })
        return try reference.manifest.sourceFrameIndices.enumerated().map { frame, source in
            guard let index = bySource[source] else {
                throw EvaluationError(
                    "reference frame \(frame) (source frame \(source)) has no masks: the masks hold \(manifest.frameCount) frames of source frames \(manifest.sourceFrameIndices.first ?? 0)…\(manifest.sourceFrameIndices.last ?? 0); connect masks of the reference frames"
                )
            }
            return index
        }
    }
}
