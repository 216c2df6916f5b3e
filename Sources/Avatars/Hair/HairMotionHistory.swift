import Tensors

/// The recent past the hair MLPs are conditioned on (eq. 6–8): the hair Gaussians' canonical
/// positions X'_{t−1}, X'_{t−2} and the head poses β_{t−1}, β_{t−2}. A sequence starts at rest
/// (X_{−1} = X_{−2} = X0, β_{−1} = β_{−2} = β_0, §3.1.2); each rendered frame is then pushed in
/// driving order.
public struct HairMotionHistory: Sendable {
    /// X'_{t−1} of the hair Gaussians, `[H, 3]` canonical.
    public var previous: Tensor
    /// X'_{t−2}, `[H, 3]`.
    public var beforePrevious: Tensor
    /// β_{t−1}, 6 values (`CanonicalHeadSpace.poseCondition`).
    public var previousPose: [Float]
    /// β_{t−2}.
    public var beforePreviousPose: [Float]

    /// Rest at the start of a sequence: both past positions are the neutral hair positions, both
    /// past poses the first frame's pose.
    public static func atRest(positions: Tensor, pose: [Float]) -> HairMotionHistory {
        HairMotionHistory(previous: positions, beforePrevious: positions, previousPose: pose, beforePreviousPose: pose)
    }

    /// Moves one frame on: `positions` and `pose` (frame t) become t−1, t−1 becomes t−2.
    public mutating func advance(positions: Tensor, pose: [Float]) {
        beforePrevious = previous
        beforePreviousPose = previousPose
        previous = positions
        previousPose = pose
    }
}
