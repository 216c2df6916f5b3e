/// An error from differentiable mesh input: mismatched shapes, an empty surface, bad cameras.
public struct DifferentiableMeshError: Error, CustomStringConvertible, Sendable {
    /// What went wrong and what to do about it.
    public let description: String

    /// Creates an error with a user-facing message.
    public init(_ description: String) {
        self.description = description
    }
}
