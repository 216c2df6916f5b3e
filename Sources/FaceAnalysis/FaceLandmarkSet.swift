import Foundation

/// The Landmarks artifact: 68 iBUG landmarks per frame per camera, as `landmarks.json`.
///
/// `frames[f][c]` is camera `cameras[c]`'s detection in frame `f`, or nil when no face was found.
/// Pixel coordinates follow the FrameSet's images (x right, y down, pixel centres at integers).
public struct FaceLandmarkSet: Codable, Sendable, Equatable {
    /// One camera's landmarks in one frame.
    public struct Detection: Codable, Sendable, Equatable {
        /// 68 points as [x, y] pixels.
        public var points: [[Double]]
        /// Per-point confidence in [0, 1] (1 for regression-tree landmarks; 0 marks a point to ignore).
        public var confidence: [Double]
        /// The face box the landmarks were predicted in (x, y, width, height in pixels).
        public var box: [Double]?

        /// Creates a detection.
        public init(points: [[Double]], confidence: [Double], box: [Double]? = nil) {
            self.points = points
            self.confidence = confidence
            self.box = box
        }
    }

    /// Always "avatarflow.landmarks".
    public var format: String
    /// Format version (1).
    public var version: Int
    /// Landmark convention: "ibug68".
    public var convention: String
    /// Camera ids, in FrameSet order.
    public var cameras: [String]
    /// `frames[frame][camera]`.
    public var frames: [[Detection?]]
    /// `untracked[frame][camera]`: why that detection is nil (no face, shot cut, lost track), or
    /// nil where a face was tracked; absent in files from before tracking.
    public var untracked: [[String?]]?

    /// File name inside a Landmarks artifact directory.
    public static let fileName = "landmarks.json"

    /// Creates a landmark set.
    public init(cameras: [String], frames: [[Detection?]], untracked: [[String?]]? = nil) {
        format = "avatarflow.landmarks"
        version = 1
        convention = "ibug68"
        self.cameras = cameras
        self.frames = frames
        self.untracked = untracked
    }

    /// The reason frame `frame` of camera `camera` (an index) has no landmarks: the recorded one,
    /// or "no face found" for files without reasons; nil when it has landmarks.
    public func untrackedReason(frame: Int, camera: Int) -> String? {
        guard frames[frame][camera] == nil else { return nil }
        return untracked?[frame][camera] ?? "no face found"
    }

    /// Writes `landmarks.json` into `directory`.
    public func write(to directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(self).write(to: directory.appendingPathComponent(Self.fileName))
    }

    /// Reads and checks `landmarks.json` from a Landmarks artifact directory.
    public static func read(from directory: URL) throws -> FaceLandmarkSet {
        let url = directory.appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw FaceLandmarkSetError(path: url.path, message: "landmarks.json is missing; re-run the landmark stage")
        }
        let set: FaceLandmarkSet
        do {
            set = try JSONDecoder().decode(FaceLandmarkSet.self, from: data)
        } catch {
            throw FaceLandmarkSetError(path: url.path, message: "cannot parse the landmark file (\(error)); re-run the landmark stage")
        }
        guard set.format == "avatarflow.landmarks", set.version == 1, set.convention == "ibug68" else {
            throw FaceLandmarkSetError(
                path: url.path,
                message: "not an AvatarFlow ibug68 landmark file v1 (format \(set.format), version \(set.version), convention \(set.convention))")
        }
        for (f, frame) in set.frames.enumerated() {
            guard frame.count == set.cameras.count else {
                throw FaceLandmarkSetError(path: url.path, message: "frame \(f) has \(frame.count) entries for \(set.cameras.count) cameras")
            }
            for detection in frame.compactMap({ $0 })
            where detection.points.count != 68 || detection.confidence.count != 68
                || detection.points.contains(where: { $0.count != 2 })
            {
                throw FaceLandmarkSetError(path: url.path, message: "frame \(f) has a detection without 68 [x, y] points and 68 confidences")
            }
        }
        return set
    }
}

/// A Landmarks artifact could not be read.
public struct FaceLandmarkSetError: Error, CustomStringConvertible {
    /// The file.
    public var path: String
    /// What is wrong and what to do.
    public var message: String
    /// `path: message`.
    public var description: String { "\(path): \(message)" }
}
