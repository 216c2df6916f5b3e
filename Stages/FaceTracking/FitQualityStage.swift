import AvatarFlow
import FaceAnalysis
import Foundation
import Geometry
import HeadModel
import MediaIO

/// `face.fit-quality`: how well a head-model fit explains its landmarks, per frame and camera —
/// the mean reprojection error of the fitted 3D landmarks against the detected 2D ones, the
/// untracked frames with their reasons, each camera's tracking rate, and a picture of the error
/// over time (`error.png`: one line per camera, untracked frames marked red along the bottom).
public struct FitQualityStage: Stage {
    /// Parameters of `face.fit-quality`.
    public struct Parameters: StageParameters {
        @Param("Worst frames listed in the report.", range: 0...1000)
        public var worstFrames: Int = 10

        /// Every parameter at its default.
        public init() {}
    }

    public static let id = "face.fit-quality"
    public static let version = 1
    public static let summary = "Fit-quality report: per-frame reprojection error, untracked frames with reasons, error-over-time picture."
    public static let inputs = [
        StagePort("tracking", .tracking, doc: "The fit (face.fit-head-model)."),
        StagePort("landmarks", .landmarks, doc: "The 2D landmarks it was fitted to."),
        StagePort("frames", .frameSet, doc: "The frames, for their camera calibrations."),
    ]
    public static let outputs = [StagePort("report", .report, doc: "quality.json, quality.md, error.png.")]

    public init() {}

    /// The report's JSON form.
    public struct Report: Codable, Sendable, Equatable {
        /// One camera's figures.
        public struct Camera: Codable, Sendable, Equatable {
            /// Camera id.
            public var id: String
            /// Frames with landmarks / all frames.
            public var trackingRate: Double
            /// Mean over tracked frames of the per-frame mean reprojection error, pixels.
            public var meanErrorPixels: Double?
            /// Per frame: mean reprojection error in pixels, nil where untracked.
            public var errorPixels: [Double?]
            /// Per frame: why there are no landmarks, nil where tracked.
            public var untracked: [String?]
        }

        /// Always "avatarflow.fit-quality".
        public var format: String
        /// Frames in the capture.
        public var frameCount: Int
        /// Per camera.
        public var cameras: [Camera]
        /// Frames without landmarks in any camera (their pose is not observed).
        public var unobservedFrames: [Int]
    }

    /// Projects the fitted landmarks into every camera and compares them with the detected ones.
    public func run(_ context: StageContext, _ parameters: Parameters) throws {
        let tracking = try HeadTracking.read(from: try context.input("tracking"))
        let landmarks = try FaceLandmarkSet.read(from: try context.input("landmarks"))
        let frames = try FrameSet.open(try context.input("frames"))
        guard let calibrations = frames.manifest.calibrations else {
            throw FaceTrackingError("\(frames.directory.path): the frames carry no camera calibrations, so the fit cannot be projected")
        }
        guard tracking.frames.count == landmarks.frames.count else {
            throw FaceTrackingError(
                "the tracking has \(tracking.frames.count) frames, the landmarks \(landmarks.frames.count); connect the landmarks the tracking was fitted to")
        }
        var cameraIndex: [String: Int] = [:]
        for (index, id) in frames.manifest.cameras.enumerated() { cameraIndex[id] = index }
        var cameras: [Report.Camera] = []
        for (c, id) in landmarks.cameras.enumerated() {
            guard let index = cameraIndex[id] else {
                throw FaceTrackingError("the landmarks name camera '\(id)', which the frames do not have; connect landmarks and frames of the same capture")
            }
            let camera = try calibrations[index].pinholeCamera()
            var errors: [Double?] = [], reasons: [String?] = []
            for f in 0..<landmarks.frames.count {
                guard let detection = landmarks.frames[f][c] else {
                    errors.append(nil)
                    reasons.append(landmarks.untrackedReason(frame: f, camera: c))
                    continue
                }
                reasons.append(nil)
                var sum = 0.0, count = 0
                for (k, point) in detection.points.enumerated() where detection.confidence[k] > 0 && k < tracking.frames[f].landmarks.count {
                    let world = tracking.frames[f].landmarks[k]
                    let projected = camera.project(SIMD3(Float(world[0]), Float(world[1]), Float(world[2])))
                    guard projected.z > 0 else { continue }
                    sum +=
                        ((Double(projected.x) - point[0]) * (Double(projected.x) - point[0]) + (Double(projected.y) - point[1])
                            * (Double(projected.y) - point[1]))
                        .squareRoot()
                    count += 1
                }
                errors.append(count > 0 ? sum / Double(count) : nil)
            }
            let tracked = errors.compactMap { $0 }
            cameras.append(
                Report.Camera(
                    id: id, trackingRate: Double(tracked.count) / Double(max(1, errors.count)),
                    meanErrorPixels: tracked.isEmpty ? nil : tracked.reduce(0, +) / Double(tracked.count), errorPixels: errors, untracked: reasons))
        }
        let unobserved = (0..<landmarks.frames.count).filter { f in landmarks.frames[f].allSatisfy { $0 == nil } }
        let report = Report(format: "avatarflow.fit-quality", frameCount: landmarks.frames.count, cameras: cameras, unobservedFrames: unobserved)
        let directory = try context.output("report")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try encoder.encode(report).write(to: directory.appendingPathComponent("quality.json"))
        try Self.markdown(report, worst: parameters.worstFrames).write(to: directory.appendingPathComponent("quality.md"), atomically: true, encoding: .utf8)
        try PNGFile.write(Self.plot(report), to: directory.appendingPathComponent("error.png"))
        if !unobserved.isEmpty {
            context.warn("\(unobserved.count) of \(report.frameCount) frames have landmarks in no camera (\(FrameList.describe(unobserved)))")
        }
        for camera in cameras {
            context.log(
                String(
                    format: "%@: tracked %.1f%% of frames, mean reprojection error %@", camera.id, 100 * camera.trackingRate,
                    camera.meanErrorPixels.map { String(format: "%.2f px", $0) } ?? "n/a"))
        }
    }

    /// The human-readable report: a table per camera, the worst frames, untracked frames by reason.
    static func markdown(_ report: Report, worst: Int) -> String {
        var lines = ["# Fit quality", "", "| camera | tracked | mean error (px) |", "|---|---|---|"]
        for camera in report.cameras {
            lines.append(
                "| \(camera.id) | \(String(format: "%.1f%%", 100 * camera.trackingRate)) | \(camera.meanErrorPixels.map { String(format: "%.2f", $0) } ?? "–") |"
            )
        }
        let ranked = report.cameras.flatMap { camera in
            camera.errorPixels.enumerated().compactMap { f, error in error.map { (camera.id, f, $0) } }
        }.sorted { $0.2 > $1.2 }.prefix(worst)
        if !ranked.isEmpty {
            lines += ["", "## Worst frames", "", "| camera | frame | error (px) |", "|---|---|---|"]
            lines += ranked.map { "| \($0.0) | \($0.1) | \(String(format: "%.2f", $0.2)) |" }
        }
        var byReason: [String: [String]] = [:]
        for camera in report.cameras {
            var frames: [String: [Int]] = [:]
            for (f, reason) in camera.untracked.enumerated() { if let reason { frames[reason, default: []].append(f) } }
            for (reason, list) in frames { byReason[reason, default: []].append("\(camera.id): \(FrameList.describe(list))") }
        }
        if !byReason.isEmpty {
            lines += ["", "## Untracked frames", ""]
            for reason in byReason.keys.sorted() { lines.append("- \(reason) — \(byReason[reason]!.joined(separator: "; "))") }
        }
        lines += ["", "error.png: mean reprojection error over frames, one line per camera; red ticks = untracked.", ""]
        return lines.joined(separator: "\n")
    }

    /// A 640×240 RGB line plot of error over frames (y from 0 to the largest error).
    static func plot(_ report: Report) -> Image8 {
        let width = 640, height = 240, margin = 10
        var image = Image8(width: width, height: height, channels: 3, filledWith: 255)
        let maximum = max(report.cameras.flatMap { $0.errorPixels.compactMap { $0 } }.max() ?? 1, 1e-6)
        let palette: [SIMD3<UInt8>] = [
            [31, 119, 180], [44, 160, 44], [148, 103, 189], [140, 86, 75], [23, 190, 207], [127, 127, 127], [188, 189, 34], [255, 127, 14],
        ]
        func set(_ x: Int, _ y: Int, _ colour: SIMD3<UInt8>) {
            guard x >= 0, x < width, y >= 0, y < height else { return }
            for k in 0..<3 { image.samples[(y * width + x) * 3 + k] = colour[k] }
        }
        let frames = max(report.frameCount - 1, 1)
        func xOf(_ f: Int) -> Int { margin + (width - 2 * margin) * f / frames }
        func yOf(_ e: Double) -> Int { height - margin - Int(Double(height - 2 * margin) * e / maximum) }
        for (c, camera) in report.cameras.enumerated() {
            let colour = palette[c % palette.count]
            var last: (Int, Int)?
            for (f, error) in camera.errorPixels.enumerated() {
                guard let error else {
                    for y in (height - margin / 2)..<height { set(xOf(f), y, [214, 39, 40]) }
                    last = nil
                    continue
                }
                let point = (xOf(f), yOf(error))
                if let start = last {
                    let steps = max(abs(point.0 - start.0), abs(point.1 - start.1), 1)
                    for s in 0...steps { set(start.0 + (point.0 - start.0) * s / steps, start.1 + (point.1 - start.1) * s / steps, colour) }
                } else {
                    set(point.0, point.1, colour)
                }
                last = point
            }
        }
        return image
    }
}
