import Foundation
import Geometry

/// The Tracking artifact: a head model fitted to a capture — identity and scale shared by all
/// frames, per frame the head pose, jaw rotation and expression, with the fitted 3D landmarks and
/// the fit's residuals. Stored as `tracking.json` in the artifact directory.
///
/// Model: `x = scale · LBS(T(identity, expression), [root: rotation, neck: 0, jaw: jaw, eyes: 0]) + translation`
/// in world units (the capture's), rotations as axis-angle vectors in radians (see docs/head-model-format.md).
public struct HeadTracking: Codable, Sendable, Equatable {
    /// One frame's fitted state.
    public struct Frame: Codable, Sendable, Equatable {
        /// Root (head) rotation, axis-angle, radians.
        public var rotation: [Double]
        /// Translation in world units.
        public var translation: [Double]
        /// Jaw rotation, axis-angle, radians.
        public var jaw: [Double]
        /// Expression coefficients ψ.
        public var expression: [Double]
        /// The 68 fitted landmarks in world coordinates, 68 × [x, y, z].
        public var landmarks: [[Double]]
        /// Mean reprojection error of the observed landmarks, pixels.
        public var meanResidualPixels: Double
        /// Number of cameras that observed landmarks in this frame.
        public var observedViews: Int

        /// Creates a frame record.
        public init(
            rotation: [Double], translation: [Double], jaw: [Double], expression: [Double], landmarks: [[Double]],
            meanResidualPixels: Double, observedViews: Int
        ) {
            self.rotation = rotation
            self.translation = translation
            self.jaw = jaw
            self.expression = expression
            self.landmarks = landmarks
            self.meanResidualPixels = meanResidualPixels
            self.observedViews = observedViews
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

    /// Joint rotations of `frame` for a model with the procedural joint layout (root, neck, jaw, eyes).
    public func jointRotations(frame: Int, model: HeadModel) -> [SIMD3<Float>] {
        var rotations = [SIMD3<Float>](repeating: .zero, count: model.jointCount)
        let state = frames[frame]
        if let root = model.jointIndex("root") { rotations[root] = SIMD3(state.rotation.map(Float.init)) }
        if let jaw = model.jointIndex("jaw") { rotations[jaw] = SIMD3(state.jaw.map(Float.init)) }
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
