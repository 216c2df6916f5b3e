import Foundation
import Geometry

/// The Tracking artifact: a head model fitted to a capture — identity and scale shared by all
/// frames, per frame the root pose, neck, jaw and eye rotations and expression, with the fitted 3D
/// landmarks and the fit's residuals. Stored as `tracking.json` in the artifact directory.
///
/// Model: `x = scale · LBS(T(identity, expression), [root: rotation, neck: neck, jaw: jaw, left_eye: leftEye,
/// right_eye: rightEye]) + translation` in world units (the capture's), rotations as axis-angle vectors
/// in radians (see docs/head-model-format.md). `neck`, `left_eye` and `right_eye` are optional in the
/// file: trackings written before they existed decode with zero rotations (the head turned at the root).
public struct HeadTracking: Codable, Sendable, Equatable {
    /// One frame's fitted state.
    public struct Frame: Codable, Sendable, Equatable {
        /// Root (head) rotation, axis-angle, radians.
        public var rotation: [Double]
        /// Translation in world units.
        public var translation: [Double]
        /// Jaw rotation, axis-angle, radians.
        public var jaw: [Double]
        /// Neck rotation (the head relative to the root, about the neck joint), axis-angle, radians.
        public var neck: [Double]
        /// Left eye rotation (gaze), axis-angle, radians.
        public var leftEye: [Double]
        /// Right eye rotation (gaze), axis-angle, radians.
        public var rightEye: [Double]
        /// Expression coefficients ψ.
        public var expression: [Double]
        /// The 68 fitted landmarks in world coordinates, 68 × [x, y, z].
        public var landmarks: [[Double]]
        /// Mean reprojection error of the observed landmarks, pixels; nil (absent from the JSON) for a frame
        /// no camera observed, whose pose was copied rather than fitted.
        public var meanResidualPixels: Double?
        /// Number of cameras that observed landmarks in this frame.
        public var observedViews: Int

        enum CodingKeys: String, CodingKey {
            case rotation, translation, jaw, neck, expression, landmarks, meanResidualPixels, observedViews
            case leftEye = "left_eye"
            case rightEye = "right_eye"
        }

        /// Creates a frame record; neck and eye rotations default to zero.
        public init(
            rotation: [Double], translation: [Double], jaw: [Double], neck: [Double] = [0, 0, 0],
            leftEye: [Double] = [0, 0, 0], rightEye: [Double] = [0, 0, 0], expression: [Double], landmarks: [[Double]],
            meanResidualPixels: Double?, observedViews: Int
        ) {
            self.rotation = rotation
            self.translation = translation
            self.jaw = jaw
            self.neck = neck
            self.leftEye = leftEye
            self.rightEye = rightEye
            self.expression = expression
            self.landmarks = landmarks
            self.meanResidualPixels = meanResidualPixels
            self.observedViews = observedViews
        }

        /// Decodes a frame; `neck`, `left_eye` and `right_eye` are absent from trackings written
        /// before they existed and decode as zero rotations.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            rotation = try container.decode([Double].self, forKey: .rotation)
            translation = try container.decode([Double].self, forKey: .translation)
            jaw = try container.decode([Double].self, forKey: .jaw)
            neck = try container.decodeIfPresent([Double].self, forKey: .neck) ?? [0, 0, 0]
            leftEye = try container.decodeIfPresent([Double].self, forKey: .leftEye) ?? [0, 0, 0]
            rightEye = try container.decodeIfPresent([Double].self, forKey: .rightEye) ?? [0, 0, 0]
            expression = try container.decode([Double].self, forKey: .expression)
            landmarks = try container.decode([[Double]].self, forKey: .landmarks)
            meanResidualPixels = try container.decodeIfPresent(Double.self, forKey: .meanResidualPixels)
            observedViews = try container.decode(Int.self, forKey: .observedViews)
        }
    }

    /// Always "avatarflow.tracking".
    public var format: String
    /// Format version (1).
    public var version: Int
    /// Name of the head model fitted (`HeadModel.name`).
    public var model: String
    /// Camera ids of the capture, in FrameSet order.
    public var cameras: [String]
    /// Identity coefficients β, shared by all frames.
    public var identity: [Double]
    /// Uniform scale applied to the posed model, shared by all frames.
    public var scale: Double
    /// Per-frame states, in FrameSet order.
    public var frames: [Frame]

    /// File name inside a Tracking artifact directory.
    public static let fileName = "tracking.json"

    /// Creates a tracking record.
    public init(model: String, cameras: [String], identity: [Double], scale: Double, frames: [Frame]) {
        format = "avatarflow.tracking"
        version = 1
        self.model = model
        self.cameras = cameras
        self.identity = identity
        self.scale = scale
        self.frames = frames
    }

    /// Joint rotations of `frame` for a model with the procedural/FLAME joint names (root, neck,
    /// jaw, left_eye, right_eye); joints the model lacks are skipped, others stay at rest.
    public func jointRotations(frame: Int, model: HeadModel) -> [SIMD3<Float>] {
        var rotations = [SIMD3<Float>](repeating: .zero, count: model.jointCount)
        let state = frames[frame]
        let named: [(String, [Double])] = [
            ("root", state.rotation), ("neck", state.neck), ("jaw", state.jaw), ("left_eye", state.leftEye), ("right_eye", state.rightEye),
        ]
        for (name, value) in named where value.count == 3 {
            if let joint = model.jointIndex(name) { rotations[joint] = SIMD3(value.map(Float.init)) }
        }
        return rotations
    }

    /// The posed, scaled and translated mesh vertices of `frame` (computed on demand).
    public func vertices(frame: Int, model: HeadModel) throws -> [SIMD3<Float>] {
        let state = frames[frame]
        let instance = try model.evaluate(
            identity: identity.map(Float.init), expression: state.expression.map(Float.init),
            pose: HeadPose(jointRotations: jointRotations(frame: frame, model: model)))
        let translation = SIMD3<Float>(state.translation.map(Float.init))
        return instance.vertices.map { Float(scale) * $0 + translation }
    }

    /// Writes `tracking.json` into `directory`.
    public func write(to directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: directory.appendingPathComponent(Self.fileName))
    }

    /// Reads `tracking.json` from a Tracking artifact directory.
    public static func read(from directory: URL) throws -> HeadTracking {
        let url = directory.appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw HeadModelError("\(url.path): tracking.json is missing; re-run the stage that fits the head model")
        }
        do {
            let tracking = try JSONDecoder().decode(HeadTracking.self, from: data)
            guard tracking.format == "avatarflow.tracking", tracking.version == 1 else {
                throw HeadModelError("\(url.path): not an AvatarFlow tracking v1 file (format \(tracking.format), version \(tracking.version))")
            }
            return tracking
        } catch let error as HeadModelError {
            throw error
        } catch {
            throw HeadModelError("\(url.path): cannot parse the tracking file (\(error)); re-run the fitting stage")
        }
    }
}
