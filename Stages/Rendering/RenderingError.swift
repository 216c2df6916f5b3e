/// A failure of a rendering stage with a message naming the input or parameter and the fix.
public struct RenderingError: Error, CustomStringConvertible, Sendable {
    /// What went wrong and what to do.
    public let description: String

    /// Creates an error with a user-facing message.
    public init(_ description: String) { self.description = description }
}
