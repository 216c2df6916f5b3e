/// The articulated pose of a head model: one axis-angle rotation (radians, model axes: x to the
/// subject's left, y up, z forward out of the face) per joint, each about the joint's rest
/// position and relative to its parent, plus a global translation (metres) applied last.
///
/// With the procedural model's joints: [0] root (whole model, pivot at the neck base),
/// [1] neck (head relative to shoulders), [2] jaw (positive x rotation opens the mouth),
/// [3] left eye, [4] right eye (positive y rotation turns the gaze to the subject's left).
public struct HeadPose: Sendable, Equatable, Codable {
    /// Axis-angle rotation per joint, radians.
    public var jointRotations: [SIMD3<Float>]
    /// Translation added after all rotations, metres.
    public var translation: SIMD3<Float>

    /// Creates a pose.
    public init(jointRotations: [SIMD3<Float>], translation: SIMD3<Float> = .zero) {
        self.jointRotations = jointRotations
        self.translation = translation
    }

    /// The rest pose (all rotations zero) for `jointCount` joints.
    public static func rest(jointCount: Int) -> HeadPose {
        HeadPose(jointRotations: [SIMD3<Float>](repeating: .zero, count: jointCount))
    }

    /// The pose as a flat vector: 3 values per joint then the translation.
    public var flattened: [Float] {
        jointRotations.flatMap { [$0.x, $0.y, $0.z] } + [translation.x, translation.y, translation.z]
    }
}
