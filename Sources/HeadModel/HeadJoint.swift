/// A joint of the head model's kinematic tree (FLAME-compatible order: root, neck, jaw, left eye,
/// right eye). Its rest position is regressed from the shaped vertices (`HeadModel.jointRegressor`).
public struct HeadJoint: Sendable, Equatable, Codable {
    /// Joint name, e.g. "neck".
    public var name: String
    /// Index of the parent joint, −1 for the root.
    public var parent: Int

    /// Creates a joint.
    public init(name: String, parent: Int) {
        self.name = name
        self.parent = parent
    }
}
