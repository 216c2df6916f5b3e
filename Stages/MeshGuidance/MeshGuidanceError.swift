/// An error of the mesh-guidance stages: unusable inputs, divergence, unreadable checkpoints.
public struct MeshGuidanceError: Error, CustomStringConvertible, Sendable {
    /// What went wrong and what to do about it.
    public let description: String

    /// Creates an error with a user-facing message.
    public init(_ description: String) {
        self.description = description
    }
}
