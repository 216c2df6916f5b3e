/// An error from geometry input: a malformed mesh file, camera matrix or argument.
public struct GeometryError: Error, CustomStringConvertible, Sendable {
    /// What went wrong and what to do about it.
    public let description: String

    /// Creates an error with a user-facing message.
    public init(_ description: String) {
        self.description = description
    }
}
